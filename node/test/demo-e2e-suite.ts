/**
 * The four-agency demo end to end, through the GraphQL API of each node: one suite, run by demo-e2e.test.ts on the
 * embedded ledger (read models on PGlite and on a real PostgreSQL server) and by demo-e2e.fabric.test.ts on a
 * real Fabric network.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CONTENT_LIMITS, tlpMarkingRef } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, recordEmittedBundle, startPostgres, subscribe, tempDir, until, wsClient, type PostgresServer } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status bundleId ids transactionId blockNumber outboxId objects { id status } } }';
const THREAT = `query($id: ID!) { threat(id: $id, purpose: "e2e test") { id type name tlp category severity agency { key name }
  provenance { transactionId blockNumber signatureVerified ledger publishingAgency { key } } stix
  sightings { id agency { key } } history { modified transactionId } } }`;
const COUNT = 'query { threats(first: 200, purpose: "e2e test") { edges { node { id } } } }';

interface Err { message: string; extensions?: { code?: string; issues?: { objectIndex: number | null; objectId: string | null; property: string; message: string }[] } }

/** A Fabric network for the suite: brought up before it, down after it; pn's peer can be stopped and started. */
export interface FabricForSuite {
  /** Brings the network up; returns its connection file. */
  start(): Promise<string>;
  stop(): Promise<void>;
  /** Makes the ledger unreachable for pn (stops pn's peer) and reachable again. */
  stopPublisherPeer(): Promise<void>;
  startPublisherPeer(): Promise<void>;
}

export interface E2eSetup {
  backend: 'PGlite' | 'PostgreSQL';
  policy: 'wasm' | 'opa-server';
  /** Absent: the embedded ledger. */
  fabric?: FabricForSuite;
  /** How soon another agency must see a publish (ordering on Fabric waits for its block). */
  visibleWithinMs?: number;
}

export function demoE2eSuite({ backend, policy, fabric, visibleWithinMs = 1000 }: E2eSetup): void {
  const ledgerKind = fabric ? 'fabric' : 'embedded';
  describe(`four-agency demo on the ${ledgerKind} ledger, read models on ${backend}, policies on ${policy}`, { timeout: fabric ? 600_000 : 300_000 }, () => {
    let cluster: DemoCluster;
    let pg: PostgresServer | null = null;
    const dir = tempDir('popart-e2e-');
    const tokens: Record<string, string> = {};
    const url = (key: 'pn' | 'pj' | 'mad' | 'crm') => cluster.nodes[key].url;

    before(async () => {
      let pgUrls = {};
      if (backend === 'PostgreSQL') {
        pg = await startPostgres();
        pgUrls = { pn: pg.createDatabase('pn'), pj: pg.createDatabase('pj'), mad: pg.createDatabase('mad'), crm: pg.createDatabase('crm') };
      }
      const ledger = fabric ? { kind: 'fabric' as const, connection: await fabric.start() } : { kind: 'embedded' as const };
      cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, pgUrls, logLevel: 'silent', fsync: false, policy, ledger });
      for (const [user, key] of [['pn-analyst', 'pn'], ['pn-operator', 'pn'], ['pj-analyst', 'pj'], ['mad-operator', 'mad'], ['crm-analyst', 'crm']] as const) {
        tokens[user] = await login(url(key), user);
      }
    });

    after(async () => {
      await cluster?.stop();
      await fabric?.stop();
      pg?.stop();
      dir.remove();
    });

    async function visibleIds(key: 'pn' | 'pj' | 'mad' | 'crm', user: string): Promise<string[]> {
      const r = await gql<{ threats: { edges: { node: { id: string } }[] } }>(url(key), COUNT, {}, tokens[user]);
      assert.equal(r.errors, undefined);
      return r.data!.threats.edges.map((e) => e.node.id);
    }

    async function nothingStored(publish: () => Promise<void>): Promise<void> {
      // On the embedded ledger the blocks themselves are checked; on Fabric a refusal at endorsement orders nothing,
      // and what every read model shows is checked below.
      const embedded = cluster.handle.current;
      const height = embedded?.height() ?? 0;
      const before = { pn: await visibleIds('pn', 'pn-analyst'), pj: await visibleIds('pj', 'pj-analyst') };
      await publish();
      // Audit anchors may be committed meanwhile; what must not appear is a publishing transaction.
      const end = embedded?.height() ?? 0;
      const committed: string[] = [];
      if (embedded && end > height) {
        for await (const block of embedded.blocks(height)) {
          committed.push(...block.transactions.map((t) => t.fn));
          if (block.number >= end - 1) break;
        }
      }
      assert.deepEqual(committed.filter((fn) => fn !== 'AnchorAuditLog'), [], 'no publishing transaction reached the ledger');
      assert.deepEqual(await visibleIds('pn', 'pn-analyst'), before.pn);
      assert.deepEqual(await visibleIds('pj', 'pj-analyst'), before.pj);
      const outbox = await cluster.nodes.pn.outbox.entries();
      assert.deepEqual(outbox.filter((e) => e.status === 'pending'), [], 'nothing was queued');
    }

    test(`pn publishes a valid bundle and pj sees it within ${visibleWithinMs} ms, with its provenance`, async () => {
      const a = alert({ by: IDENTITIES.pn, name: 'Drone over Plaza Mayor' });
      const i = indicator(IDENTITIES.pn);
      const b = bundle(a, i);
      recordEmittedBundle(`${ledgerKind}-${backend}-published`, b);
      const t0 = Date.now();
      const r = await gql<{ publishBundle: { status: string; ids: string[]; transactionId: string; blockNumber: number } }>(url('pn'), PUBLISH, { b }, tokens['pn-analyst']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const res = r.data!.publishBundle;
      assert.equal(res.status, 'COMMITTED');
      assert.deepEqual(res.ids, [a.id, i.id]);
      assert.match(res.transactionId, /^[0-9a-f]{64}$/);
      let seen: { threat: Record<string, unknown> | null } | undefined;
      while (Date.now() - t0 < visibleWithinMs) {
        seen = (await gql<{ threat: Record<string, unknown> | null }>(url('pj'), THREAT, { id: a.id }, tokens['pj-analyst'])).data!;
        if (seen.threat) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(seen?.threat, `pj sees the alert within ${visibleWithinMs} ms`);
      const t = seen.threat as { name: string; tlp: string; category: string; severity: string; agency: { key: string; name: string }; provenance: Record<string, unknown>; stix: Record<string, unknown> };
      assert.equal(t.name, 'Drone over Plaza Mayor');
      assert.equal(t.tlp, 'GREEN');
      assert.equal(t.category, 'drone');
      assert.equal(t.severity, 'high');
      assert.deepEqual(t.agency, { key: 'pn', name: 'Policía Nacional' });
      assert.deepEqual(t.provenance, { transactionId: res.transactionId, blockNumber: res.blockNumber, signatureVerified: true, ledger: ledgerKind, publishingAgency: { key: 'pn' } });
      assert.deepEqual(t.stix, a);
    });

    test('the largest bundle the content limits allow is committed and reaches pj whole', async () => {
      // notes whose content is as long as a string may be, as many as fit in a bundle: ~4 MiB of JSON
      const content = 'y'.repeat(CONTENT_LIMITS.maxStringLength);
      const count = Math.floor((CONTENT_LIMITS.maxBundleBytes * 0.98) / (content.length + 400));
      const t = new Date().toISOString();
      const notes = Array.from({ length: count }, () => ({
        type: 'note', spec_version: '2.1', id: `note--${randomUUID()}`, created: t, modified: t, created_by_ref: IDENTITIES.pn,
        content, object_refs: [IDENTITIES.pn], object_marking_refs: [tlpMarkingRef('green')],
      }));
      const b = bundle(...notes);
      const bytes = Buffer.byteLength(JSON.stringify(b));
      assert.ok(bytes > CONTENT_LIMITS.maxBundleBytes * 0.9 && bytes <= CONTENT_LIMITS.maxBundleBytes, `${bytes} bytes`);
      const r = await gql<{ publishBundle: { status: string; outboxId: number | null } }>(url('pn'), PUBLISH, { b }, tokens['pn-analyst']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.deepEqual(r.data?.publishBundle, { ...r.data?.publishBundle, status: 'COMMITTED', outboxId: null });
      for (const n of [notes[0]!, notes.at(-1)!]) {
        const row = await until(`pj holds ${n.id}`, () => cluster.nodes.pj.store.get(n.id), 60_000);
        assert.equal(String(row.stix.content).length, content.length);
      }
      assert.deepEqual(await cluster.nodes.pn.outbox.entries('pending'), []);
    });

    test('an invalid bundle is refused whole, naming each bad object and property; nothing is stored', async () => {
      const good = alert({ by: IDENTITIES.pn });
      const noPattern = indicator(IDENTITIES.pn);
      delete noPattern.pattern;
      const badSeverity = alert({ by: IDENTITIES.pn, severity: 'apocalyptic' });
      await nothingStored(async () => {
        const r = await gql(url('pn'), PUBLISH, { b: bundle(good, noPattern, badSeverity) }, tokens['pn-analyst']);
        const err = r.errors?.[0] as Err;
        assert.equal(err.extensions?.code, 'INVALID_BUNDLE');
        const issues = err.extensions?.issues ?? [];
        assert.ok(issues.some((i) => i.objectIndex === 1 && i.objectId === noPattern.id && i.property === 'pattern'), JSON.stringify(issues));
        assert.ok(issues.some((i) => i.objectIndex === 2 && i.objectId === badSeverity.id && /severity$/.test(i.property)), JSON.stringify(issues));
        assert.ok(!issues.some((i) => i.objectIndex === 0), 'the good object has no issue');
      });
      assert.equal((await gql<{ threat: null }>(url('pn'), THREAT, { id: good.id }, tokens['pn-analyst'])).data?.threat, null, 'the good object of the bad bundle was not stored');
    });

    test('pj cannot publish under pn\'s identity: refused by the ledger, nothing stored', async () => {
      const spoof = alert({ by: IDENTITIES.pn, name: 'Fake alert in pn\'s name' });
      await nothingStored(async () => {
        const r = await gql(url('pj'), PUBLISH, { b: bundle(indicator(IDENTITIES.pj), spoof) }, tokens['pj-analyst']);
        const err = r.errors?.[0] as Err;
        assert.equal(err.extensions?.code, 'SPOOFED_CREATOR', JSON.stringify(r.errors));
        assert.ok(err.extensions?.issues?.some((i) => i.objectId === spoof.id && i.property === 'created_by_ref'), JSON.stringify(err.extensions));
      });
    });

    test('versions: a duplicate is idempotent, a newer version replaces, a stale one is refused', async () => {
      const v1 = alert({ by: IDENTITIES.pn, created: '2026-11-24T10:00:00.000Z', name: 'v1' });
      const r1 = await gql<{ publishBundle: { objects: { status: string }[] } }>(url('pn'), PUBLISH, { b: bundle(v1) }, tokens['pn-analyst']);
      assert.equal(r1.data?.publishBundle.objects[0]?.status, 'created');
      const again = await gql<{ publishBundle: { objects: { status: string }[] } }>(url('pn'), PUBLISH, { b: bundle(v1) }, tokens['pn-analyst']);
      assert.equal(again.data?.publishBundle.objects[0]?.status, 'unchanged');
      const v2 = { ...v1, modified: '2026-11-24T10:05:00.000Z', name: 'v2' };
      const r2 = await gql<{ publishBundle: { objects: { status: string }[] } }>(url('pn'), PUBLISH, { b: bundle(v2) }, tokens['pn-analyst']);
      assert.equal(r2.data?.publishBundle.objects[0]?.status, 'updated');
      const stale = { ...v1, modified: '2026-11-24T10:01:00.000Z', name: 'stale' };
      await nothingStored(async () => {
        const r = await gql(url('pn'), PUBLISH, { b: bundle(stale) }, tokens['pn-analyst']);
        const err = r.errors?.[0] as Err;
        assert.equal(err.extensions?.code, 'STALE_VERSION', JSON.stringify(r.errors));
        assert.ok(err.extensions?.issues?.some((i) => i.objectId === v1.id && i.property === 'modified'), JSON.stringify(err.extensions));
      });
      const t = await gql<{ threat: { name: string; history: { modified: string }[] } }>(url('pj'), THREAT, { id: v1.id }, tokens['pj-analyst']);
      assert.equal(t.data?.threat.name, 'v2');
      assert.deepEqual(t.data?.threat.history.map((h) => h.modified), ['2026-11-24T10:00:00.000Z', '2026-11-24T10:05:00.000Z']);
      const other = await gql(url('pj'), PUBLISH, { b: bundle({ ...v1, modified: '2026-11-24T11:00:00.000Z', created_by_ref: IDENTITIES.pj }) }, tokens['pj-analyst']);
      assert.equal((other.errors?.[0] as Err).extensions?.code, 'NOT_CREATOR', 'only the publisher may update');
    });

    test('malformed JSON is refused with a clear error, as a string argument and as a request body', async () => {
      await nothingStored(async () => {
        const r = await gql(url('pn'), PUBLISH, { b: '{"type": "bundle", "objects": [' }, tokens['pn-analyst']);
        const err = r.errors?.[0] as Err;
        assert.equal(err.extensions?.code, 'MALFORMED_JSON');
        assert.match(err.message, /bundle is not valid JSON/);
      });
      const res = await fetch(url('pn'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens['pn-analyst']}` }, body: '{"query": "mutation {' });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { errors: Err[] };
      assert.equal(body.errors[0]?.extensions?.code, 'MALFORMED_JSON');
      const health = await fetch(url('pn').replace('/graphql', '/healthz'));
      assert.equal(health.status, 200, 'the node is still up');
    });

    test('sign-in is required and roles are enforced', async () => {
      const anon = await gql(url('pn'), COUNT);
      assert.equal((anon.errors?.[0] as Err).extensions?.code, 'UNAUTHENTICATED');
      const bad = await gql(url('pn'), 'mutation { login(username: "pn-analyst", password: "wrong") { token } }');
      assert.equal((bad.errors?.[0] as Err).extensions?.code, 'UNAUTHENTICATED');
      const me = await gql<{ me: { username: string; role: string; agency: { key: string; level: string } } }>(url('mad'), 'query { me { username role agency { key level } } }', {}, tokens['mad-operator']);
      assert.deepEqual(me.data?.me, { username: 'mad-operator', role: 'OPERATOR', agency: { key: 'mad', level: 'LOCAL' } });
      const foreignToken = await gql(url('pj'), COUNT, {}, tokens['pn-analyst']);
      assert.equal((foreignToken.errors?.[0] as Err).extensions?.code, 'UNAUTHENTICATED', 'a token of pn\'s node is not valid at pj\'s node');
    });

    test('TLP:RED and AMBER+STRICT objects of pn never reach pj, mad or crm, by any path; AMBER only named recipients', async () => {
      const pnOp = subscribe<{ alerts: { id: string } }>(wsClient(url('pn'), tokens['pn-operator']!), 'subscription { alerts { id } }');
      const madOp = subscribe<{ alerts: { id: string } }>(wsClient(url('mad'), tokens['mad-operator']!), 'subscription { alerts { id } }');
      await new Promise((r) => setTimeout(r, 200));
      const red = alert({ by: IDENTITIES.pn, tlp: 'red', name: 'RED informant report near the stadium' });
      const strict = alert({ by: IDENTITIES.pn, tlp: 'amber+strict', name: 'AMBER+STRICT operation plan' });
      const amberPj = alert({ by: IDENTITIES.pn, tlp: 'amber', audience: [IDENTITIES.pj], name: 'AMBER for pj' });
      const green = alert({ by: IDENTITIES.pn, tlp: 'green', name: 'GREEN sentinel' });
      for (const o of [red, strict, amberPj, green]) {
        const r = await gql(url('pn'), PUBLISH, { b: bundle(o) }, tokens['pn-analyst']);
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      }
      for (const key of ['pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(cluster.nodes.pn.listener.height());
      const users = { pj: 'pj-analyst', mad: 'mad-operator', crm: 'crm-analyst' } as const;
      for (const key of ['pj', 'mad', 'crm'] as const) {
        const ids = await visibleIds(key, users[key]);
        assert.ok(!ids.includes(red.id as string) && !ids.includes(strict.id as string), `${key} threats list has no RED/AMBER+STRICT`);
        assert.equal(ids.includes(amberPj.id as string), key === 'pj', `AMBER for pj is visible to ${key}: ${key === 'pj'}`);
        assert.ok(ids.includes(green.id as string));
        for (const o of [red, strict]) {
          const one = await gql<{ threat: null }>(url(key), THREAT, { id: o.id }, tokens[users[key]]);
          assert.equal(one.data?.threat, null, `${key} cannot read ${o.name} by id`);
          const text = await gql<{ threats: { edges: unknown[] } }>(url(key), 'query($t: String!) { threats(filter: { text: $t }, purpose: "e2e test") { edges { node { id } } } }', { t: String(o.name) }, tokens[users[key]]);
          assert.deepEqual(text.data?.threats.edges, []);
        }
        const exp = await gql<{ exportBundle: { objects: { id: string }[] } }>(url(key), 'query { exportBundle(purpose: "e2e test") }', {}, tokens[users[key]]);
        const exported = exp.data!.exportBundle;
        recordEmittedBundle(`${ledgerKind}-${backend}-export-${key}`, exported);
        assert.ok(!exported.objects.some((o) => o.id === red.id || o.id === strict.id), `${key} export has no RED/AMBER+STRICT`);
        assert.ok(exported.objects.some((o) => o.id === green.id));
        const stored = await cluster.nodes[key].store.get(red.id as string);
        assert.equal(stored, undefined, `${key}'s read model does not even hold the RED object`);
      }
      const why = await gql<{ explain: { known: boolean; visible: boolean; rule: string; reasons: string[]; tlp: string; publisher: string } }>(
        url('pj'), 'query($id: ID!) { explain(id: $id) { known visible rule reasons tlp publisher } }', { id: red.id }, tokens['pj-analyst']);
      assert.equal(why.errors, undefined, JSON.stringify(why.errors));
      const ex = why.data!.explain;
      assert.deepEqual([ex.known, ex.visible, ex.tlp, ex.publisher], [true, false, 'red', 'pn']);
      assert.match(ex.rule, /red/);
      assert.match(ex.reasons.join(' '), /TLP:RED/);
      assert.ok(!JSON.stringify(ex).includes('informant'), 'the explanation does not reveal the content');
      const unknown = await gql<{ explain: { known: boolean } }>(url('pj'), 'query($id: ID!) { explain(id: $id) { known } }', { id: 'incident--00000000-0000-4000-8000-000000000000' }, tokens['pj-analyst']);
      assert.equal(unknown.data?.explain.known, false);
      const noPurpose = await gql(url('pn'), 'query { threats(first: 200) { edges { node { id } } } }', {}, tokens['pn-analyst']);
      assert.equal((noPurpose.errors?.[0] as Err).extensions?.code, 'PURPOSE_REQUIRED', 'restricted results need a stated purpose');
      assert.equal(noPurpose.data, null, 'nothing is returned without a purpose');
      const greenOnly = await gql<{ threats: { edges: unknown[] } }>(url('mad'), 'query($t: String!) { threats(filter: { text: $t }) { edges { node { id } } } }', { t: 'GREEN sentinel' }, tokens['mad-operator']);
      assert.equal(greenOnly.errors, undefined, 'GREEN-only results need no purpose');
      assert.equal(greenOnly.data?.threats.edges.length, 1);
      const pnIds = await visibleIds('pn', 'pn-analyst');
      assert.ok(pnIds.includes(red.id as string) && pnIds.includes(strict.id as string), 'pn sees its own RED and AMBER+STRICT');
      const pnExport = await gql<{ exportBundle: unknown }>(url('pn'), 'query { exportBundle(purpose: "e2e test") }', {}, tokens['pn-analyst']);
      recordEmittedBundle(`${ledgerKind}-${backend}-export-pn`, pnExport.data!.exportBundle);
      // Subscriptions: pn's operator gets all four in order; mad's operator gets only the GREEN one.
      const pnGot = [await pnOp.next(), await pnOp.next(), await pnOp.next(), await pnOp.next()].map((e) => e.alerts.id);
      assert.deepEqual(pnGot, [red.id, strict.id, amberPj.id, green.id]);
      const madFirst = await madOp.next();
      assert.equal(madFirst.alerts.id, green.id, 'the first alert mad receives is the GREEN sentinel: nothing restricted came before it');
      await pnOp.stop();
      await madOp.stop();
    });

    test('the alerts subscription refuses a client that has not signed in', async () => {
      const anon = subscribe(wsClient(url('mad'), 'not-a-token'), 'subscription { alerts { id } }');
      const deadline = Date.now() + 3000;
      while (anon.errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(anon.errors.length, 1);
      assert.match(JSON.stringify(anon.errors[0]), /sign in/);
      await anon.stop();
    });

    test('mad records a sighting of pn\'s alert; pn sees it; an object mad cannot see cannot be sighted', async () => {
      const a = alert({ by: IDENTITIES.pn, name: 'Drone over Cibeles fan zone' });
      const red = alert({ by: IDENTITIES.pn, tlp: 'red', name: 'RED, not for mad' });
      for (const o of [a, red]) assert.equal((await gql(url('pn'), PUBLISH, { b: bundle(o) }, tokens['pn-analyst'])).errors, undefined);
      await cluster.nodes.mad.listener.waitForBlock(cluster.nodes.pn.listener.height());
      const SIGHT = 'mutation($id: ID!, $d: String) { recordSighting(objectId: $id, count: 2, description: $d) { status ids transactionId } }';
      const r = await gql<{ recordSighting: { status: string; ids: string[] } }>(url('mad'), SIGHT, { id: a.id, d: 'seen from Gran Vía' }, tokens['mad-operator']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.equal(r.data?.recordSighting.status, 'COMMITTED');
      await cluster.nodes.pn.listener.waitForBlock(cluster.nodes.mad.listener.height());
      const t = await gql<{ threat: { sightings: { id: string; agency: { key: string } }[] } }>(url('pn'), THREAT, { id: a.id }, tokens['pn-analyst']);
      assert.deepEqual(t.data?.threat.sightings, [{ id: r.data!.recordSighting.ids[0], agency: { key: 'mad' } }]);
      const hidden = await gql(url('mad'), SIGHT, { id: red.id, d: 'guess' }, tokens['mad-operator']);
      assert.equal((hidden.errors?.[0] as Err).extensions?.code, 'NOT_FOUND');
    });

    test('a publish while the ledger is down is queued in the outbox, then committed when it is back', async () => {
      await (fabric ? fabric.stopPublisherPeer() : cluster.closeLedger());
      const a = alert({ by: IDENTITIES.pn, name: 'Published during an outage' });
      const r = await gql<{ publishBundle: { status: string; outboxId: number; transactionId: null } }>(url('pn'), PUBLISH, { b: bundle(a) }, tokens['pn-analyst']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.equal(r.data?.publishBundle.status, 'QUEUED');
      assert.equal(r.data?.publishBundle.transactionId, null);
      const pending = await cluster.nodes.pn.outbox.entries('pending');
      assert.equal(pending.length, 1);
      await (fabric ? fabric.startPublisherPeer() : cluster.reopenLedger());
      const deadline = Date.now() + (fabric ? 60_000 : 15_000);
      let visible = false;
      while (!visible && Date.now() < deadline) {
        visible = (await gql<{ threat: unknown }>(url('pj'), THREAT, { id: a.id }, tokens['pj-analyst'])).data?.threat != null;
        if (!visible) await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(visible, 'the queued bundle reached pj after the ledger came back');
      const entries = await cluster.nodes.pn.outbox.entries();
      assert.equal(entries.find((e) => e.id === r.data!.publishBundle.outboxId)?.status, 'committed');
    });
  });
}
