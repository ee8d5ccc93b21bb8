/**
 * The first view of a user who has stated no purpose yet: what needs none is listed at once, the restricted results are
 * only counted (and only those the user would see with a purpose), and a purpose stated once for the session covers
 * every later consultation, GraphQL and the HTTP feeds alike, and is kept in the audit log with each of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const FIRST_VIEW = `query($purpose: String) { threats(first: 50, purpose: $purpose, withoutPurpose: LEAVE_OUT) {
  edges { node { id tlp } } restrictedLeftOut { count more } } }`;
const STATE = 'mutation($p: String) { statePurpose(purpose: $p) { purpose statedAt } }';
const AUDIT = `query($a: String) { auditLog(filter: { actor: $a }, first: 50) { edges { node { action purpose objectIds details } } } }`;

interface Page { threats: { edges: { node: { id: string; tlp: string | null } }[]; restrictedLeftOut: { count: number; more: boolean } | null } }
interface Entry { action: string; purpose: string | null; objectIds: string[]; details: { resource?: string; event?: string } }

describe('the first view: no purpose yet, then one for the session', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-first-view-');
  const tokens: Record<string, string> = {};
  const url = (key: 'pn' | 'mad') => cluster.nodes[key].url;
  const base = (key: 'pn' | 'mad') => url(key).replace(/\/graphql$/, '');
  const green = alert({ by: IDENTITIES.pn, name: 'Drone over the fan zone (green)' });
  const amber = alert({ by: IDENTITIES.pn, name: 'Drone pilot located (amber)', tlp: 'amber', audience: [IDENTITIES.mad] });
  const red = alert({ by: IDENTITIES.pn, name: 'Informant report (red)', tlp: 'red' });
  const amberIndicator: Record<string, unknown> = { ...indicator(IDENTITIES.pn, 'Controller MAC (amber)', 'amber'), x_popart_audience_refs: [IDENTITIES.mad] };
  const [greenId, amberId, redId, indicatorId] = [green, amber, red, amberIndicator].map((o) => o.id as string) as [string, string, string, string];

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-auditor', 'pn'], ['mad-operator', 'mad']] as const) tokens[user] = await login(url(key), user);
    const r = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(green, amber, red, amberIndicator) }, tokens['pn-analyst']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    await cluster.nodes.pn.listener.waitForBlock(r.data!.publishBundle.blockNumber);
    await cluster.nodes.mad.listener.waitForBlock(r.data!.publishBundle.blockNumber);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('without a purpose: what needs none at once, and how many restricted results the user would see with one', async () => {
    const refused = await gql(url('pn'), 'query { threats(first: 50) { edges { node { id } } } }', {}, tokens['pn-analyst']);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'PURPOSE_REQUIRED', 'the default still refuses the whole request');

    const pn = await gql<Page>(url('pn'), FIRST_VIEW, {}, tokens['pn-analyst']);
    assert.equal(pn.errors, undefined, JSON.stringify(pn.errors));
    const ids = pn.data!.threats.edges.map((e) => e.node.id);
    assert.ok(ids.includes(greenId), 'the green alert is shown at once');
    assert.ok(!ids.includes(amberId) && !ids.includes(redId) && !ids.includes(indicatorId), 'no restricted result');
    assert.ok(pn.data!.threats.edges.every((e) => e.node.tlp === 'GREEN' || e.node.tlp === 'CLEAR'));
    assert.deepEqual(pn.data!.threats.restrictedLeftOut, { count: 3, more: false }, 'pn sees its amber and red alerts and the indicator with a purpose');

    // mad holds the amber alert and indicator that name it, never pn's red alert: 2, and they are what a purpose shows.
    const mad = await gql<Page>(url('mad'), FIRST_VIEW, {}, tokens['mad-operator']);
    assert.equal(mad.errors, undefined, JSON.stringify(mad.errors));
    assert.deepEqual(mad.data!.threats.restrictedLeftOut, { count: 2, more: false });
    const withPurpose = await gql<Page>(url('mad'), FIRST_VIEW, { purpose: 'municipal dispatch' }, tokens['mad-operator']);
    assert.deepEqual(withPurpose.data!.threats.edges.map((e) => e.node.id).filter((id) => id !== greenId).sort(), [amberId, indicatorId].sort());
    assert.equal(withPurpose.data!.threats.restrictedLeftOut, null, 'with a purpose nothing is left out');

    // An auditor sees no content: nothing waits for a purpose.
    const auditor = await gql<Page>(url('pn'), FIRST_VIEW, {}, tokens['pn-auditor']);
    assert.deepEqual(auditor.data!.threats.restrictedLeftOut, { count: 0, more: false });
  });

  test('a purpose stated once for the session covers later consultations (GraphQL and the CAP feed) and is audited with each', async () => {
    const token = await login(url('pn'), 'pn-analyst');
    const none = await gql<{ sessionPurpose: unknown }>(url('pn'), 'query { sessionPurpose { purpose } }', {}, token);
    assert.equal(none.data!.sessionPurpose, null);

    const tooLong = await gql(url('pn'), STATE, { p: 'x'.repeat(501) }, token);
    assert.equal(tooLong.errors?.[0]?.extensions?.code, 'INVALID_ARGUMENT');
    assert.match(tooLong.errors?.[0]?.message ?? '', /^purpose: at most 500 characters/);

    const stated = await gql<{ statePurpose: { purpose: string; statedAt: string } }>(url('pn'), STATE, { p: '  Case 2026/118 Bernabéu drone ' }, token);
    assert.equal(stated.errors, undefined, JSON.stringify(stated.errors));
    assert.equal(stated.data!.statePurpose.purpose, 'Case 2026/118 Bernabéu drone');

    const page = await gql<Page>(url('pn'), FIRST_VIEW, {}, token);
    const ids = page.data!.threats.edges.map((e) => e.node.id);
    assert.ok(ids.includes(amberId) && ids.includes(redId), 'restricted results come under the session purpose');
    assert.equal(page.data!.threats.restrictedLeftOut, null);
    const plain = await gql(url('pn'), 'query($id: ID!) { threat(id: $id) { id } }', { id: red.id }, token);
    assert.equal(plain.errors, undefined, 'a single read needs no purpose of its own either');
    const own = await gql(url('pn'), 'query($id: ID!) { threat(id: $id, purpose: "briefing") { id } }', { id: red.id }, token);
    assert.equal(own.errors, undefined);

    const cap = await fetch(`${base('pn')}/cap/alerts/${red.id}.xml`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(cap.status, 200, 'the CAP feed read with the token uses the session purpose');
    await cap.text();

    // Other sessions of the same user are not covered.
    const other = await gql(url('pn'), 'query($id: ID!) { threat(id: $id) { id } }', { id: red.id }, tokens['pn-analyst']);
    assert.equal(other.errors?.[0]?.extensions?.code, 'PURPOSE_REQUIRED');

    const audit = await gql<{ auditLog: { edges: { node: Entry }[] } }>(url('pn'), AUDIT, { a: 'pn-analyst' }, tokens['pn-auditor']);
    const entries = audit.data!.auditLog.edges.map((e) => e.node);
    const statement = entries.find((e) => e.details.event === 'purpose-stated');
    assert.equal(statement?.purpose, 'Case 2026/118 Bernabéu drone', 'the statement itself is audited');
    const reads = entries.filter((e) => e.objectIds.includes(redId) && ['threats', 'threat', 'cap-alert'].includes(e.details.resource ?? ''));
    assert.deepEqual(reads.map((e) => [e.details.resource, e.purpose]).reverse(), [
      ['threats', 'Case 2026/118 Bernabéu drone'],
      ['threat', 'Case 2026/118 Bernabéu drone'],
      ['threat', 'briefing'],
      ['cap-alert', 'Case 2026/118 Bernabéu drone'],
    ]);

    const withdrawn = await gql<{ statePurpose: unknown }>(url('pn'), STATE, { p: null }, token);
    assert.equal(withdrawn.data!.statePurpose, null);
    const after = await gql(url('pn'), 'query($id: ID!) { threat(id: $id) { id } }', { id: red.id }, token);
    assert.equal(after.errors?.[0]?.extensions?.code, 'PURPOSE_REQUIRED', 'withdrawn: a purpose is needed again');
  });
});
