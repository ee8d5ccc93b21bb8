/**
 * The audit log end to end on the four-agency demo: pn's auditor reads and verifies pn's log through
 * GraphQL, other roles are refused, anchors land on the embedded ledger, and a rewritten log is caught.
 *
 * Until AgencyNode.start assembles the audit log itself, this test attaches one to pn's node exactly
 * as the node will (startAudit over a database and pn's ledger gateway), and records the entries the
 * threat and publish services will record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditAnchor } from '@popart/chaincode';
import { entryHash, GENESIS_HASH, type Audit } from '../src/modules/audit/index.js';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import type { Database } from '../src/read-model/database.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const PASSPHRASE = 'test-passphrase';
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status ids transactionId } }';
const AUDIT_LOG = `query($f: AuditFilter, $first: Int, $after: String) { auditLog(filter: $f, first: $first, after: $after) {
  edges { cursor node { seq at actor actorAgency actorRole action objectIds purpose recipients decisionId policyRevision details prevHash hash } }
  pageInfo { hasNextPage endCursor } } }`;
const VERIFY = 'query { verifyAuditLog { ok entries firstBadSeq problem anchorsChecked headSeq headHash lastAnchoredSeq } }';

interface Entry { seq: number; actor: string; action: string; objectIds: string[]; recipients: string[]; hash: string; prevHash: string; details: Record<string, unknown> }
interface Verification { ok: boolean; entries: number; firstBadSeq: number | null; problem: string | null; anchorsChecked: number; headSeq: number; headHash: string; lastAnchoredSeq: number | null }

describe('audit log on the four-agency demo', () => {
  let cluster: DemoCluster;
  let audit: Audit;
  let db: Database;
  const dir = tempDir('popart-audit-e2e-');
  const tokens: Record<string, string> = {};
  const pnUrl = () => cluster.nodes.pn.url;

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: PASSPHRASE, randomPorts: true, logLevel: 'silent', fsync: false });
    // The node's own audit log, as wired by AgencyNode: publishing, consulting and alerting record into it.
    audit = cluster.nodes.pn.audit;
    db = cluster.nodes.pn.database;
    for (const user of ['pn-auditor', 'pn-analyst', 'pn-operator']) tokens[user] = await login(pnUrl(), user);
    tokens['pj-analyst'] = await login(cluster.nodes.pj.url, 'pj-analyst');
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  const anchorsOnLedger = async (): Promise<AuditAnchor[]> =>
    JSON.parse(await cluster.handle.current!.evaluate('PjMSP', 'ListAuditAnchors', ['PnMSP'])) as AuditAnchor[];

  async function auditLog(token: string | undefined, variables: Record<string, unknown> = {}) {
    return gql<{ auditLog: { edges: { cursor: string; node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(pnUrl(), AUDIT_LOG, variables, token);
  }

  test('a publish is recorded, the disclosure to other agencies is anchored at once, and the auditor reads it', async () => {
    const a = alert({ by: IDENTITIES.pn, name: 'Drone over the Bernabéu' });
    const r = await gql<{ publishBundle: { status: string; ids: string[]; transactionId: string } }>(pnUrl(), PUBLISH, { b: bundle(a) }, tokens['pn-analyst']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const published = r.data!.publishBundle;
    // The publish path recorded the collection, then the disclosure over the ledger to the agencies the
    // release policy lets hold a GREEN alert at Puerta del Sol: all three others.
    await audit.anchorer.settled();
    const anchors = await anchorsOnLedger();
    assert.deepEqual(anchors.map((x) => [x.agency_msp, x.from_seq, x.to_seq]), [['PnMSP', 1, 2]], 'the disclosure was anchored right away');
    const head = await audit.log.head();
    assert.equal(anchors[0]?.head_hash, head.hash);

    const res = await auditLog(tokens['pn-auditor'], { f: { objectId: a.id } });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const entries = res.data!.auditLog.edges.map((e) => e.node);
    assert.deepEqual(entries.map((e) => [e.seq, e.action, e.actor]), [[2, 'DISCLOSURE', 'pn-analyst'], [1, 'COLLECTION', 'pn-analyst']]);
    assert.deepEqual(entries[0]?.recipients, ['crm', 'mad', 'pj']);
    assert.equal(entries[0]?.prevHash, entries[1]?.hash);
    assert.equal(entries[1]?.prevHash, GENESIS_HASH);
    assert.equal(entries[1]?.details.txId, published.transactionId);

    // Reading the audit log is itself recorded.
    const own = await auditLog(tokens['pn-auditor'], { f: { actor: 'pn-auditor', action: 'CONSULTATION' } });
    const consultation = own.data!.auditLog.edges[0]?.node;
    assert.equal(consultation?.details.resource, 'audit_log');
    assert.deepEqual(consultation?.details.returned, [2, 1]);
  });

  test('the auditor pages through the log and verifies it against the ledger', async () => {
    for (let i = 0; i < 6; i++) {
      await audit.log.record({ actor: { username: 'pn-operator', agency: 'pn', role: 'operator' }, action: 'consultation', objectIds: [`incident--${i}`], recipients: ['pn-operator'] });
    }
    await audit.anchorer.settled();
    const page1 = await auditLog(tokens['pn-auditor'], { first: 4 });
    assert.equal(page1.data!.auditLog.pageInfo.hasNextPage, true);
    const page2 = await auditLog(tokens['pn-auditor'], { first: 4, after: page1.data!.auditLog.pageInfo.endCursor });
    const seqs = [...page1.data!.auditLog.edges, ...page2.data!.auditLog.edges].map((e) => e.node.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x), 'newest first');
    assert.equal(new Set(seqs).size, 8, 'no entry twice');

    const bad = await auditLog(tokens['pn-auditor'], { f: { from: 'yesterday' } });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'INVALID_ARGUMENT');
    assert.equal(bad.errors?.[0]?.extensions?.issues?.[0]?.property, 'filter.from');

    await audit.anchorer.anchorNow();
    const v = await gql<{ verifyAuditLog: Verification }>(pnUrl(), VERIFY, {}, tokens['pn-auditor']);
    assert.equal(v.errors, undefined, JSON.stringify(v.errors));
    const verdict = v.data!.verifyAuditLog;
    assert.equal(verdict.ok, true, verdict.problem ?? '');
    assert.equal(verdict.headSeq, verdict.entries);
    assert.ok(verdict.anchorsChecked >= 2, `anchors checked: ${verdict.anchorsChecked}`);
    assert.equal(verdict.lastAnchoredSeq, (await anchorsOnLedger()).at(-1)?.to_seq);
  });

  test('other roles are refused: FORBIDDEN for analysts and operators, UNAUTHENTICATED without a token', async () => {
    const analyst = await auditLog(tokens['pn-analyst']);
    assert.equal(analyst.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(analyst.data, null);
    const operator = await gql(pnUrl(), VERIFY, {}, tokens['pn-operator']);
    assert.equal(operator.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const anonymous = await auditLog(undefined);
    assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // pj's analyst on pj's node: no role to read an audit log there either
    const pj = await gql(cluster.nodes.pj.url, VERIFY, {}, tokens['pj-analyst']);
    assert.equal(pj.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('while the ledger is down entries are kept and anchored once it is back', async () => {
    await cluster.closeLedger();
    await audit.log.record({ actor: { username: 'pn-analyst', agency: 'pn', role: 'analyst' }, action: 'disclosure', objectIds: ['incident--x'], recipients: ['pj'] });
    await audit.anchorer.settled();
    const down = await gql<{ verifyAuditLog: Verification }>(pnUrl(), VERIFY, {}, tokens['pn-auditor']);
    assert.equal(down.data!.verifyAuditLog.ok, false);
    assert.match(down.data!.verifyAuditLog.problem ?? '', /anchors could not be read/);
    await cluster.reopenLedger();
    const anchor = await audit.anchorer.anchorNow();
    assert.equal(anchor?.to_seq, (await audit.log.head()).seq);
    const up = await gql<{ verifyAuditLog: Verification }>(pnUrl(), VERIFY, {}, tokens['pn-auditor']);
    assert.equal(up.data!.verifyAuditLog.ok, true, up.data!.verifyAuditLog.problem ?? '');
  });

  test('an anchored entry rewritten and the whole chain re-hashed is detected', async () => {
    await audit.anchorer.anchorNow();
    const before = (await gql<{ verifyAuditLog: Verification }>(pnUrl(), VERIFY, {}, tokens['pn-auditor'])).data!.verifyAuditLog;
    assert.equal(before.ok, true, before.problem ?? '');
    // Someone with database access erases pn-analyst's disclosure to pj, mad and crm from the record...
    await db.query(`UPDATE audit_log SET recipients = '[]'::jsonb WHERE seq = 2`);
    // ...and re-hashes every entry so that the local chain is consistent again.
    const rows = (await db.query<{ seq: number | string }>('SELECT seq FROM audit_log ORDER BY seq')).rows.map((r) => Number(r.seq));
    let prev = GENESIS_HASH;
    for (const seq of rows) {
      const [e] = (await audit.log.query({}, 1, Buffer.from(`audit:${seq + 1}`).toString('base64url'))).entries;
      assert.ok(e);
      const hash = entryHash({ ...e, prevHash: prev });
      await db.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [seq, prev, hash]);
      prev = hash;
    }
    const after = (await gql<{ verifyAuditLog: Verification }>(pnUrl(), VERIFY, {}, tokens['pn-auditor'])).data!.verifyAuditLog;
    assert.equal(after.ok, false);
    assert.equal(after.firstBadSeq, 1);
    assert.match(after.problem ?? '', /entries 1\.\.2 differ from what was anchored on the ledger/);
  });
});
