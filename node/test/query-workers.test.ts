/**
 * Query workers (server/query-pool.ts): read-only queries run on worker threads, so the node's thread — which delivers
 * alerts — stays free while analysts' queries are answered; the answers, errors and audit records are those of the
 * node's thread; a worker that dies mid-request is answered for and replaced; closing the pool leaves nothing hanging.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import type { QueryPool } from '../src/server/query-pool.js';
import { gql, login, subscribe, tempDir, until, wsClient } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const EXPORT = 'query { exportBundle(limit: 500, purpose: "query workers test") }';
const PAGE = 'query($f: ThreatFilter) { threats(first: 200, filter: $f, purpose: "query workers test") { edges { node { id tlp stix agency { key } } } } }';
const AUDIT = 'query { auditLog(filter: { actor: "pn-analyst", action: CONSULTATION }, first: 500) { edges { node { objectIds purpose details } } } }';
const OBJECTS = 480;

describe('query workers: queries off the thread that delivers alerts', () => {
  let cluster: DemoCluster;
  let pool: QueryPool;
  const dir = tempDir('popart-query-workers-');
  const tokens = {} as Record<'pn-analyst' | 'pn-auditor' | 'mad-operator', string>;
  const url = (key: 'pn' | 'mad') => cluster.nodes[key].url;

  before(async () => {
    // Correlation off: its catching up with the loaded objects would keep the nodes' thread busy during the first test.
    cluster = await startDemo({
      dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false, queryWorkers: 1, correlation: { enabled: false },
    });
    pool = cluster.nodes.pn.queries!;
    assert.ok(pool, 'pn runs its queries on a worker');
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-auditor', 'pn'], ['mad-operator', 'mad']] as const) tokens[user] = await login(url(key), user);
    let block = 0;
    for (let i = 0; i < OBJECTS / 40; i++) {
      const objects = Array.from({ length: 40 }, (_, j) => alert({ by: IDENTITIES.pn, name: `Drone ${i * 40 + j} over the fan zone`, severity: 'low' }));
      const r = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(...objects) }, tokens['pn-analyst']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      block = r.data!.publishBundle.blockNumber;
    }
    await cluster.nodes.pn.listener.waitForBlock(block);
    await cluster.nodes.mad.listener.waitForBlock(block);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('the node\'s thread stays mostly idle while large pages and exports are answered, and an alert is delivered meanwhile', async () => {
    const alerts = subscribe<{ alerts: { id: string } }>(wsClient(url('mad'), tokens['mad-operator']), 'subscription { alerts { id } }');
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the subscription is registered
      const start = performance.eventLoopUtilization();
      const exports = Array.from({ length: 2 }, () => gql<{ exportBundle: { objects: unknown[] } }>(url('pn'), EXPORT, {}, tokens['pn-analyst']));
      const pages = Array.from({ length: 8 }, () => gql<{ threats: { edges: unknown[] } }>(url('pn'), PAGE, {}, tokens['pn-analyst']));
      const urgent = alert({ by: IDENTITIES.pn, name: 'Drone over the pitch', severity: 'critical' });
      const published = await gql(url('pn'), PUBLISH, { b: bundle(urgent) }, tokens['pn-analyst']);
      assert.equal(published.errors, undefined, JSON.stringify(published.errors));
      let delivered = await alerts.next(60_000);
      while (delivered.alerts.id !== urgent.id) delivered = await alerts.next(60_000); // (an earlier alert still on its way)
      const answers = await Promise.all(exports);
      const pageAnswers = await Promise.all(pages);
      const used = performance.eventLoopUtilization(start);
      assert.equal(delivered.alerts.id, urgent.id, 'the alert published while the exports ran is delivered');
      for (const a of answers) {
        assert.equal(a.errors, undefined, JSON.stringify(a.errors));
        assert.ok(a.data!.exportBundle.objects.length >= OBJECTS, `each export holds every object (${a.data!.exportBundle.objects.length})`);
      }
      for (const p of pageAnswers) assert.equal(p.data?.threats.edges.length, 200, JSON.stringify(p.errors));
      // This test's thread is the nodes' thread: on it, the pages' and exports' GraphQL, policy and JSON would keep it busy
      // nearly all the time (utilization near 1); in a worker it only routes the requests and answers.
      assert.ok(used.utilization < 0.5, `the nodes' thread was busy ${Math.round(used.utilization * 100)} % of the ${Math.round(used.idle + used.active)} ms`);
    } finally {
      await alerts.stop();
    }
  });

  test('a worker runs at a lower priority than the node\'s threads (nice 10 on Linux), the node\'s thread at its own', async () => {
    const [thread] = pool.threads;
    assert.ok(thread && thread.tid !== null, JSON.stringify(pool.threads));
    assert.equal(thread.error, undefined);
    const niceOf = (task: string): number => {
      const stat = readFileSync(`/proc/${process.pid}/task/${task}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    // Read by this test from the kernel's view of the thread, not from what the worker says of itself.
    assert.equal(niceOf(String(thread.tid)), 10, 'the query worker\'s thread');
    assert.equal(niceOf(String(process.pid)), 0, 'the node\'s thread (this process\'s main thread)');
    // The four nodes of the demo share this process: each one's query worker, and no other thread, runs lowered.
    const workers = Object.values(cluster.nodes).flatMap((n) => n.queries?.threads ?? []).map((t) => String(t?.tid)).sort();
    assert.equal(workers.length, 4);
    const lowered = readdirSync(`/proc/${process.pid}/task`).filter((t) => niceOf(t) !== 0).sort();
    assert.deepEqual(lowered, workers, 'the database threads, policy workers and the rest keep the node\'s priority');
  });

  test('answers, errors and audit records are those of the node\'s thread', async () => {
    const page = await gql<{ threats: { edges: { node: { id: string; tlp: string; agency: { key: string } } }[] } }>(url('pn'), PAGE, {}, tokens['pn-analyst']);
    assert.equal(page.errors, undefined, JSON.stringify(page.errors));
    assert.equal(page.data!.threats.edges.length, 200);
    assert.ok(page.data!.threats.edges.every((e) => e.node.agency.key === 'pn' && e.node.tlp === 'GREEN'));
    const audit = await gql<{ auditLog: { edges: { node: { objectIds: string[]; purpose: string; details: { resource: string } } }[] } }>(url('pn'), AUDIT, {}, tokens['pn-auditor']);
    assert.equal(audit.errors, undefined, JSON.stringify(audit.errors));
    const ids = page.data!.threats.edges.map((e) => e.node.id).sort();
    assert.ok(audit.data!.auditLog.edges.some((e) => e.node.purpose === 'query workers test' && e.node.details.resource === 'threats' && [...e.node.objectIds].sort().join() === ids.join()),
      'the worker\'s consultation is in the node\'s audit log, with its purpose and every object it returned');

    const unknown = await gql(url('pn'), PAGE, { f: { agencies: ['xx'] } }, tokens['pn-analyst']);
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'INVALID_ARGUMENT');
    assert.match(unknown.errors?.[0]?.message ?? '', /filter\.agencies/);
    const noToken = await gql(url('pn'), PAGE, {});
    assert.equal(noToken.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const badVariable = await gql(url('pn'), PAGE, { f: { agencies: 7 } }, tokens['pn-analyst']);
    assert.equal(badVariable.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const noPurpose = await gql(url('pn'), 'query { threats(first: 5) { edges { node { id } } } }', {}, tokens['pn-analyst']);
    assert.equal(noPurpose.data?.threats ? 'answered' : noPurpose.errors?.[0]?.extensions?.code, 'answered', 'green objects need no purpose');
  });

  test('every GraphQL answer says no-store, whether a worker or the node\'s thread made it (a mutation, an error)', async () => {
    const ask = async (query: string, token?: string): Promise<string | null> => {
      const res = await fetch(url('pn'), {
        method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }),
      });
      await res.arrayBuffer();
      return res.headers.get('cache-control');
    };
    const dispatched: unknown[] = [];
    const seen = (w: unknown): number => dispatched.push(w);
    pool.on('dispatch', seen);
    try {
      assert.equal(await ask('query { threats(first: 3, purpose: "query workers test") { edges { node { id } } } }', tokens['pn-analyst']), 'no-store');
      assert.equal(dispatched.length, 1, 'the page was answered by a worker');
      assert.equal(await ask('query { whoIsThis }', tokens['pn-analyst']), 'no-store', 'an invalid query, refused on the node\'s thread');
      assert.equal(await ask('mutation { logout }', tokens['pn-auditor']), 'no-store', 'a mutation, on the node\'s thread');
      assert.equal(dispatched.length, 1, 'only the page went to a worker');
    } finally {
      pool.off('dispatch', seen);
    }
    tokens['pn-auditor'] = await login(url('pn'), 'pn-auditor');
  });

  test('a worker that dies mid-request: the request is answered with a clear error, another worker takes its place', async () => {
    const died = pool.workers[0]!;
    pool.once('dispatch', (worker) => void worker.terminate());
    const r = await gql(url('pn'), PAGE, {}, tokens['pn-analyst']);
    assert.equal(r.errors?.[0]?.extensions?.code, 'QUERY_WORKER_FAILED', JSON.stringify(r.errors));
    assert.match(r.errors?.[0]?.message ?? '', /query worker .* stopped.*ask again/);
    await until('a new worker is ready', async () => pool.workers.length === 1 && pool.workers[0] !== died && pool.readyWorkers === 1, 60_000);
    let dispatched = 0;
    const count = (): void => void dispatched++;
    pool.on('dispatch', count);
    const again = await gql<{ threats: { edges: unknown[] } }>(url('pn'), PAGE, {}, tokens['pn-analyst']);
    pool.off('dispatch', count);
    assert.equal(again.errors, undefined, JSON.stringify(again.errors));
    assert.equal(again.data!.threats.edges.length, 200);
    assert.equal(dispatched, 1, 'the next request ran on the new worker');
  });

  test('closing the pool answers what it holds, and the node then answers on its own thread', async () => {
    const mad = cluster.nodes.mad.queries!;
    mad.once('dispatch', () => void mad.close());
    const r = await gql(url('mad'), 'query { threats(first: 5, purpose: "x") { edges { node { id } } } }', {}, tokens['mad-operator']);
    assert.equal(r.errors?.[0]?.extensions?.code, 'NODE_STOPPING', JSON.stringify(r.errors));
    const after = await gql<{ threats: { edges: unknown[] } }>(url('mad'), 'query { threats(first: 5, purpose: "x") { edges { node { id } } } }', {}, tokens['mad-operator']);
    assert.equal(after.errors, undefined, JSON.stringify(after.errors));
  });
});
