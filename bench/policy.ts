/**
 * bench/policy — cost of policy decisions: one decision in process (Rego compiled to wasm), and
 * filtering a 10,000-object result page for one user; the same against an OPA server started in the
 * same run (same bundle), reported as a ratio.
 *
 * Targets: one decision p99 ≤ 1 ms in process; a 10,000-object page ≤ 50 ms.
 * The page is filtered as the node filters lists (decisions without reasons), in process and on the
 * wasm worker threads (--workers); the event loop's longest block is reported for both.
 *   node bench/dist/policy.js [--decisions 2000] [--page 10000] [--pages 5] [--workers 2]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger, type Viewer } from '@popart/node';
import { opaBinary, OpaServerPolicy, OpaServerProcess, policiesBundleDir, WasmPolicy, type ObjectFacts, type PolicyGate } from '@popart/node/policy';
import { benchArgs, percentile, reportHeader } from './bench-kit.js';
import { demoIdentityId } from './demo-ids.js';

const { number } = benchArgs('Usage: npm run bench:policy -- [--decisions N] [--page N] [--pages N] [--workers N]\n', {
  decisions: { type: 'string', default: '2000' },
  page: { type: 'string', default: '10000' },
  pages: { type: 'string', default: '5' },
  workers: { type: 'string', default: '2' },
});

const viewer: Viewer = {
  username: 'mad-operator', displayName: 'mad-operator', role: 'operator',
  agency: { key: 'mad', mspId: 'MadMSP', identityId: demoIdentityId('mad'), level: 'local' },
};
const tlps = ['clear', 'green', 'amber', 'amber+strict', 'red', null] as const;
const publishers = ['pn', 'pj', 'mad', 'crm'];

function facts(i: number): ObjectFacts {
  const lon = -3.7 + ((i % 50) - 25) * 0.02;
  const lat = 40.42 + ((i % 37) - 18) * 0.02;
  return {
    id: `incident--${randomUUID()}`, type: i % 3 ? 'incident' : 'indicator', publisher: publishers[i % 4] as string,
    tlp: tlps[i % tlps.length] ?? null, audience: i % 5 === 0 ? [viewer.agency.identityId] : [],
    category: i % 3 ? 'drone' : null, severity: ['low', 'medium', 'high', 'critical'][i % 4] as string,
    area: i % 7 === 0 ? null : { bbox: [lon - 0.003, lat - 0.003, lon + 0.003, lat + 0.003], center: [lon, lat] },
    properties: ['name', 'description', 'extensions.extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f.area.latitude'],
  };
}

async function single(gate: PolicyGate, decisions: number): Promise<{ p50: number; p99: number }> {
  const now = new Date();
  const times: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const f = facts(i);
    const t = performance.now();
    await gate.decide(viewer, [f], now);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/**
 * Median time to filter the page (as the node does for lists: decisions without reasons, unless `reasons`),
 * and the longest the event loop was blocked meanwhile (what an alert waiting to be pushed would wait).
 */
async function page(gate: PolicyGate, list: readonly ObjectFacts[], pages: number, reasons: boolean): Promise<{ ms: number; blockedMs: number }> {
  const now = new Date();
  await gate.decide(viewer, list, now, { reasons }); // warm-up
  const times: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let i = 0; i < pages; i++) {
    const t = performance.now();
    const out = await gate.decide(viewer, list, now, { reasons });
    times.push(performance.now() - t);
    if (out.length !== list.length) throw new Error(`expected ${list.length} decisions, got ${out.length}`);
    await new Promise((r) => setTimeout(r, 5)); // let the monitor sample between pages
  }
  loop.disable();
  times.sort((a, b) => a - b);
  return { ms: percentile(times, 50), blockedMs: loop.max / 1e6 };
}

async function main(): Promise<void> {
  const decisions = number('decisions');
  const pageSize = number('page');
  const pages = number('pages');
  const workers = number('workers');
  const list = Array.from({ length: pageSize }, (_, i) => facts(i));
  const inProcess = await WasmPolicy.load(undefined, { workers: 0 });
  const pooled = await WasmPolicy.load(undefined, { workers });
  process.stderr.write('measuring wasm (in process, then on worker threads)…\n');
  const one = await single(inProcess, decisions);
  const lean = await page(inProcess, list, pages, false);
  const full = await page(inProcess, list, pages, true);
  const pool = await page(pooled, list, pages, false);
  await pooled.close();
  const server = await OpaServerProcess.start({ opaBinary: opaBinary(), bundle: policiesBundleDir(), log: createLogger('opa', 'warn') });
  const opa = new OpaServerPolicy(server.url, inProcess.revision, server);
  try {
    process.stderr.write('measuring the OPA server…\n');
    const oneServer = await single(opa, Math.min(decisions, 1000));
    const pageServer = await page(opa, list, pages, false);
    const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    const lines = [
      reportHeader('policy', `${availableParallelism()} cores, policy revision ${inProcess.revision}`),
      `  one decision, wasm in process:   p50 ${one.p50.toFixed(3)} ms, p99 ${one.p99.toFixed(3)} ms   target p99 ≤ 1 ms: ${met(one.p99 <= 1)}`,
      `  one decision, OPA server:        p50 ${oneServer.p50.toFixed(3)} ms, p99 ${oneServer.p99.toFixed(3)} ms   ratio server/wasm (p99) ${(oneServer.p99 / one.p99).toFixed(1)}`,
      `  ${pageSize}-object page, wasm in process (main thread): ${lean.ms.toFixed(1)} ms, event loop blocked up to ${lean.blockedMs.toFixed(0)} ms` +
        `   (with reasons: ${full.ms.toFixed(1)} ms)`,
      `  ${pageSize}-object page, wasm on ${workers} worker threads:  ${pool.ms.toFixed(1)} ms, event loop blocked up to ${pool.blockedMs.toFixed(0)} ms` +
        `   ratio to in process ${(pool.ms / lean.ms).toFixed(2)}${pageSize === 10000 ? `   target ≤ 50 ms: ${met(pool.ms <= 50)}` : ''}`,
      `  ${pageSize}-object page, OPA server: ${pageServer.ms.toFixed(1)} ms   ratio server/wasm workers ${(pageServer.ms / pool.ms).toFixed(2)}, server/wasm in process ${(pageServer.ms / lean.ms).toFixed(2)}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await opa.close();
    await inProcess.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
