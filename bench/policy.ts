/**
 * bench/policy — cost of policy decisions: one decision in process (Rego compiled to wasm), and
 * filtering a 10,000-object result page for one user; the same against an OPA server started in the
 * same run (same bundle), reported as a ratio.
 *
 * Targets: one decision p99 ≤ 1 ms in process; a 10,000-object page ≤ 50 ms.
 *   node bench/dist/policy.js [--decisions 2000] [--page 10000] [--pages 5]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger } from '@popart/node';
import { opaBinary, OpaServerPolicy, OpaServerProcess, policiesBundleDir, WasmPolicy, type ObjectFacts, type PolicyGate, type Viewer } from '@popart/node/policy';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '2000' },
    page: { type: 'string', default: '10000' },
    pages: { type: 'string', default: '5' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run bench:policy -- [--decisions N] [--page N] [--pages N]\n');
  process.exit(0);
}

const viewer: Viewer = {
  username: 'mad-operator', displayName: 'mad-operator', role: 'operator',
  agency: { key: 'mad', mspId: 'MadMSP', identityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03', level: 'local' },
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

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(gate: PolicyGate, decisions: number, pageSize: number, pages: number): Promise<{ p50: number; p99: number; page: number }> {
  const now = new Date();
  const single: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const f = facts(i);
    const t = performance.now();
    await gate.decide(viewer, [f], now);
    single.push(performance.now() - t);
  }
  single.sort((a, b) => a - b);
  const page = Array.from({ length: pageSize }, (_, i) => facts(i));
  await gate.decide(viewer, page, now); // warm-up
  const times: number[] = [];
  for (let i = 0; i < pages; i++) {
    const t = performance.now();
    const out = await gate.decide(viewer, page, now);
    times.push(performance.now() - t);
    if (out.length !== pageSize) throw new Error(`expected ${pageSize} decisions, got ${out.length}`);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(single, 50), p99: pct(single, 99), page: pct(times, 50) };
}

async function main(): Promise<void> {
  const decisions = Number(values.decisions);
  const pageSize = Number(values.page);
  const pages = Number(values.pages);
  const wasm = await WasmPolicy.load();
  process.stderr.write('measuring wasm (in process)…\n');
  const w = await measure(wasm, decisions, pageSize, pages);
  const server = await OpaServerProcess.start({ opaBinary: opaBinary(), bundle: policiesBundleDir(), log: createLogger('opa', 'warn') });
  const opa = new OpaServerPolicy(server.url, wasm.revision, server);
  try {
    process.stderr.write('measuring the OPA server…\n');
    const o = await measure(opa, Math.min(decisions, 1000), pageSize, pages);
    const lines = [
      `bench/policy  (${new Date().toISOString()}, node ${process.version}, policy revision ${wasm.revision})`,
      `  one decision, wasm in process:   p50 ${w.p50.toFixed(3)} ms, p99 ${w.p99.toFixed(3)} ms   target p99 ≤ 1 ms: ${w.p99 <= 1 ? 'met' : 'NOT met'}`,
      `  one decision, OPA server:        p50 ${o.p50.toFixed(3)} ms, p99 ${o.p99.toFixed(3)} ms   ratio server/wasm (p99) ${(o.p99 / w.p99).toFixed(1)}`,
      `  ${pageSize}-object page, wasm:      ${w.page.toFixed(1)} ms (median of ${pages})${pageSize === 10000 ? `   target ≤ 50 ms: ${w.page <= 50 ? 'met' : 'NOT met'}` : ''}`,
      `  ${pageSize}-object page, OPA server: ${o.page.toFixed(1)} ms   ratio server/wasm ${(o.page / w.page).toFixed(2)}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await opa.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
