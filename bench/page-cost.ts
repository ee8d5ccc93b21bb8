/**
 * bench/page-cost — what one analyst's page costs the node's JavaScript thread, apart from the database: the rows read
 * (search or by id), each object's facts, the policy's decisions (in process, wasm) and the egress gate, as a query
 * worker does them for the `threats` and `threat` queries. Analysts of the four agencies ask bench/read-scale's query
 * mix over N of its objects; the same pages are decided by a policy that keeps its decisions (the node's default,
 * decision-cache.ts) and by one that keeps none, in alternating rounds, and the ratio is printed.
 *
 * The CPU is this thread's own (/proc/thread-self/stat): the database runs on another thread (PGlite) or in another
 * process (PostgreSQL with --pg-url), so it is not counted.
 *
 *   npm run bench:page-cost -- [--objects 20000] [--pages 2000] [--rounds 4] [--pg-url postgres://…]
 */
import '@popart/node/quiet-contract-logs';
import { EgressGate, migrate, openDatabase, ThreatStore, type Database, type ThreatQuery, type Viewer } from '@popart/node';
import { WasmPolicy } from '@popart/node/policy';
import { benchArgs, reportHeader, threadCpuSeconds } from './bench-kit.js';
import { filterOf, IDENTITIES, QUERY_KINDS, random, type AgencyKey } from './read-scale-data.js';
import { storeBundles } from './read-scale-rows.js';

const HELP = `Usage: npm run bench:page-cost -- [options]

The node's CPU (its own thread, not the database's) for one analyst's page: rows, facts, policy decisions and the
egress gate, for bench/read-scale's query mix; with the policy's kept decisions and without them, in alternating
rounds, and the ratio.

  --objects N     objects stored first, in bundles of 40 (default 20000)
  --pages P       pages asked in each round (default 2000)
  --rounds R      rounds of each kind of policy, alternating (default 4)
  --pg-url URL    a PostgreSQL database to store them in (emptied first: give a scratch database); default PGlite in
                  memory on its own thread
  -h, --help      this help
`;

const { values, number } = benchArgs(HELP, {
  objects: { type: 'string', default: '20000' },
  pages: { type: 'string', default: '2000' },
  rounds: { type: 'string', default: '4' },
  'pg-url': { type: 'string' },
});
const bundles = Math.ceil(number('objects') / 40);
const pages = Math.max(1, number('pages'));
const rounds = Math.max(1, number('rounds'));

const LEVELS: Record<AgencyKey, Viewer['agency']['level']> = { pn: 'national', pj: 'partner', mad: 'local', crm: 'regional' };
const mspOf = (key: string): string => `${key[0]!.toUpperCase()}${key.slice(1)}MSP`;
const KEYS = new Map(Object.keys(IDENTITIES).map((k) => [mspOf(k), k]));
/** Three analysts of each agency: the policy's kept decisions are per agency and role, not per user. */
const VIEWERS: Viewer[] = (Object.keys(IDENTITIES) as AgencyKey[]).flatMap((key) => [1, 2, 3].map((n) => ({
  username: `${key}-analyst-${n}`, displayName: `${key} analyst ${n}`, role: 'analyst' as const,
  agency: { key, mspId: mspOf(key), identityId: IDENTITIES[key], level: LEVELS[key] },
})));

interface Ask { viewer: Viewer; query: ThreatQuery | null; after: { modified: string; id: string } | null; id: string | null }

/** The pages of a round: the query mix, round-robin over the analysts (the same pages in every round). */
async function plan(store: ThreatStore): Promise<Ask[]> {
  const rnd = random(19);
  const newest = await store.search({}, null, 250);
  const page5 = newest.at(199);
  const ids = newest.map((r) => r.id);
  const asks: Ask[] = [];
  for (let i = 0; i < pages; i++) {
    const kind = QUERY_KINDS[i % QUERY_KINDS.length]!;
    const viewer = VIEWERS[i % VIEWERS.length]!;
    const f = filterOf(kind, rnd, bundles);
    const query: ThreatQuery = {};
    if (f?.categories) query.categories = f.categories as string[];
    if (f?.bbox) query.bbox = f.bbox as [number, number, number, number];
    if (f?.text) query.text = f.text as string;
    asks.push({
      viewer, query: kind === 'by id' ? null : query, id: kind === 'by id' ? ids[Math.floor(rnd() * ids.length)]! : null,
      after: kind === 'page 5' && page5 ? { modified: page5.modified, id: page5.id } : null,
    });
  }
  return asks;
}

/** This thread's CPU milliseconds per page over a round, and how many objects were handed out. */
async function round(store: ThreatStore, gate: EgressGate, asks: readonly Ask[]): Promise<{ cpuMs: number; shown: number }> {
  const before = threadCpuSeconds();
  let shown = 0;
  for (const a of asks) {
    const rows = a.query ? await store.search(a.query, a.after, 51) : [await store.get(a.id!)].filter((r) => r !== undefined);
    const released = await gate.releaseEach(a.viewer, rows, a.query ? { reasons: false } : undefined);
    shown += released.filter((r) => r.visible).length;
  }
  const after = threadCpuSeconds();
  if (before === null || after === null) throw new Error('this bench reads /proc/thread-self/stat (Linux)');
  return { cpuMs: ((after - before) * 1000) / asks.length, shown };
}

async function main(): Promise<void> {
  const url = values['pg-url'];
  const db: Database = await openDatabase(url ? { kind: 'postgres', url } : { kind: 'pglite', dir: null });
  const kept = await WasmPolicy.load(undefined, { workers: 0 });
  const none = await WasmPolicy.load(undefined, { workers: 0, decisionCache: 0 });
  try {
    if (url) await db.query('DROP TABLE IF EXISTS threat_objects, threat_versions CASCADE');
    await migrate(db);
    const store = new ThreatStore(db);
    const t0 = performance.now();
    await storeBundles(store, bundles);
    const stored = (performance.now() - t0) / 1000;
    const asks = await plan(store);
    const gates = { kept: new EgressGate(kept, (msp) => KEYS.get(msp) ?? 'unknown'), none: new EgressGate(none, (msp) => KEYS.get(msp) ?? 'unknown') };
    // One round of each first, not counted: the code is compiled and the database's caches are warm for both.
    await round(store, gates.none, asks);
    await round(store, gates.kept, asks);
    const results: Record<'kept' | 'none', number[]> = { kept: [], none: [] };
    let shown: Record<'kept' | 'none', number> = { kept: 0, none: 0 };
    for (let r = 0; r < rounds; r++) {
      for (const which of r % 2 === 0 ? (['none', 'kept'] as const) : (['kept', 'none'] as const)) {
        const out = await round(store, gates[which], asks);
        results[which].push(out.cpuMs);
        shown = { ...shown, [which]: out.shown };
      }
    }
    if (shown.kept !== shown.none) throw new Error(`the two policies handed out different pages: ${shown.kept} and ${shown.none} objects`);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const stats = kept.decisionCacheStats;
    const lines = [
      reportHeader('page-cost', `${bundles * 40} objects on ${url ? 'PostgreSQL' : 'PGlite'}, ${pages} pages a round, ${rounds} rounds of each`),
      `  stored in ${stored.toFixed(1)} s; each round hands out ${shown.kept} objects (${(shown.kept / pages).toFixed(1)} a page) to ${VIEWERS.length} analysts of 4 agencies`,
      `  the node's thread, per page (median of the rounds; each round's figure in brackets):`,
      `    policy keeps no decisions:  ${median(results.none).toFixed(3)} ms  [${results.none.map((x) => x.toFixed(3)).join(', ')}]`,
      `    policy keeps its decisions: ${median(results.kept).toFixed(3)} ms  [${results.kept.map((x) => x.toFixed(3)).join(', ')}]`,
      `  ratio kept / none: ${(median(results.kept) / median(results.none)).toFixed(2)}; decisions kept ${stats.size}, reused ${stats.hits}, made ${stats.misses} (${((100 * stats.hits) / Math.max(1, stats.hits + stats.misses)).toFixed(0)} % reused)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await db.close();
    await kept.close();
    await none.close();
  }
}

await main();
