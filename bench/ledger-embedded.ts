/**
 * bench/ledger-embedded — publishes indicator bundles through pn's GraphQL API on the four-agency
 * embedded demo and measures objects/s and the latency from publish to visible in pj's read model
 * (p50/p99), confirmed through pj's `threats` query. Baseline, in the same run: the same publishes
 * made in process through pn's publish service, without HTTP/GraphQL.
 *
 * Targets on a 2-core machine: ≥ 500 objects/s, p99 ≤ 200 ms.
 *   node bench/dist/ledger-embedded.js [--bundles 5000] [--concurrency 16] [--baseline 1000]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type DemoCluster } from '@popart/node/demo';
import { benchArgs, percentile, pool, reportHeader } from './bench-kit.js';
import { demoIdentityId } from './demo-ids.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const PN_IDENTITY = demoIdentityId('pn');

const { number } = benchArgs('Usage: npm run bench:ledger-embedded -- [--bundles N] [--concurrency C] [--baseline N]\n', {
  bundles: { type: 'string', default: '5000' },
  concurrency: { type: 'string', default: '16' },
  baseline: { type: 'string', default: '1000' },
});
const total = number('bundles');
const concurrency = number('concurrency');
const baselineCount = number('baseline');

function indicatorBundle(run: string, n: number): { bundle: unknown; id: string } {
  const now = new Date().toISOString();
  const id = `indicator--${randomUUID()}`;
  const mac = `02:00:${[(n >> 16) & 255, (n >> 8) & 255, n & 255, 7].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  return {
    id,
    bundle: {
      type: 'bundle', id: `bundle--${randomUUID()}`,
      objects: [{
        type: 'indicator', spec_version: '2.1', id, created: now, modified: now, created_by_ref: PN_IDENTITY,
        name: `bench ${run} drone controller ${n}`, indicator_types: ['malicious-activity'],
        pattern: `[mac-addr:value = '${mac}']`, pattern_type: 'stix', valid_from: now, object_marking_refs: [GREEN],
      }],
    },
  };
}

async function gql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

async function login(url: string, username: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation { login(username: "${username}", password: "demo") { token } }` }) });
  const body = (await res.json()) as { data: { login: { token: string } } };
  return body.data.login.token;
}

/** Runs `count` jobs with `concurrency` in flight; the elapsed seconds (a job that throws fails the bench). */
async function runPool(count: number, work: (i: number) => Promise<void>, label: string): Promise<number> {
  const r = await pool(count, concurrency, work, label);
  if (r.failures.length) throw new Error(r.failures[0]);
  return r.seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'popart-bench-'));
  let cluster: DemoCluster | null = null;
  try {
    cluster = await startDemo({ dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'warn' });
    const pn = cluster.nodes.pn;
    const pj = cluster.nodes.pj;
    const pnToken = await login(pn.url, 'pn-analyst');
    const pjToken = await login(pj.url, 'pj-analyst');
    const viewer = pn.services.sessions.verify(pnToken);
    if (!viewer) throw new Error('login failed');

    // Arrival time of each object in pj's read model.
    const arrived = new Map<string, number>();
    pj.listener.onRows((rows) => {
      const t = performance.now();
      for (const r of rows) arrived.set(r.id, t);
    });

    // Baseline: in process, no HTTP/GraphQL.
    const baseRun = randomUUID().slice(0, 8);
    const baseSeconds = await runPool(baselineCount, async (i) => {
      await pn.services.publisher.publish(viewer, indicatorBundle(baseRun, i).bundle);
    }, 'baseline (in process)');
    const baseRate = baselineCount / baseSeconds;

    // Measured: through pn's GraphQL API.
    const run = randomUUID().slice(0, 8);
    const sent = new Map<string, number>();
    const failures: unknown[] = [];
    const seconds = await runPool(total, async (i) => {
      const { bundle, id } = indicatorBundle(run, i);
      sent.set(id, performance.now());
      const r = await gql(pn.url, pnToken, 'mutation($b: JSON!) { publishBundle(bundle: $b) { status transactionId } }', { b: bundle });
      if (r.errors || (r.data?.publishBundle as { status?: string })?.status !== 'COMMITTED') failures.push(r.errors ?? r.data);
    }, 'GraphQL publish      ');
    const rate = total / seconds;
    await pj.listener.waitForBlock(pn.listener.height(), 30_000);

    const latencies: number[] = [];
    for (const [id, t0] of sent) {
      const t1 = arrived.get(id);
      if (t1 !== undefined) latencies.push(t1 - t0);
    }
    latencies.sort((a, b) => a - b);

    // Confirm through pj's threats query that every object is visible there.
    let visible = 0;
    let after: string | null = null;
    for (;;) {
      const r = await gql(pj.url, pjToken, 'query($t: String!, $a: String) { threats(filter: { text: $t }, first: 200, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }', { t: `bench ${run}`, a: after });
      const conn = r.data?.threats as { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      visible += conn.edges.length;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }

    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const lines = [
      reportHeader('ledger-embedded', `${total} bundles of 1 indicator, concurrency ${concurrency}`),
      `  baseline, in process:      ${baseRate.toFixed(0)} objects/s (${baselineCount} bundles)`,
      `  through GraphQL:           ${rate.toFixed(0)} objects/s   ratio to baseline ${(rate / baseRate).toFixed(2)}   target ≥ 500: ${rate >= 500 ? 'met' : 'NOT met'}`,
      `  publish → visible at pj:   p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (${latencies.length} samples)   target p99 ≤ 200 ms: ${p99 <= 200 ? 'met' : 'NOT met'}`,
      `  visible in pj's threats query: ${visible}/${total}; failed publishes: ${failures.length}; ledger height ${cluster.handle.current?.height() ?? '?'}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (failures.length) process.stdout.write(`first failure: ${JSON.stringify(failures[0])}\n`);
    if (visible !== total || failures.length) process.exitCode = 1;
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
