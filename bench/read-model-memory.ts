/**
 * bench/read-model-memory — what one PGlite read model (its database thread, pglite-thread.ts) costs in resident memory,
 * against a bare Node worker thread started in the same run: four fresh databases on disk opened one after the other
 * (as the demo opens its four agencies'; the first also pays for what the process shares, e.g. the optimised WASM code),
 * then N objects of bench/read-scale's data stored into the first, and the time of each query kind on them (the median
 * of repeated runs), so that a memory setting that makes queries slower shows here.
 *
 *   npm run bench:read-model-memory -- [--objects 20000] [--databases 4] [--runs 25]
 */
import '@popart/node/quiet-contract-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openDatabase, migrate, ThreatStore, type Database, type ThreatQuery } from '@popart/node';
import { benchArgs, percentile, reportHeader } from './bench-kit.js';
import { filterOf, QUERY_KINDS, random } from './read-scale-data.js';
import { storeBundles } from './read-scale-rows.js';

const HELP = `Usage: npm run bench:read-model-memory -- [options]

Resident memory (RSS) of PGlite read models, each on its own thread, against a bare worker thread measured in the
same run; then N objects stored into one of them and each query kind timed.

  --objects N     objects stored into the first database, in bundles of 40 (default 20000)
  --databases D   fresh databases opened one after the other (default 4, the demo's agencies)
  --runs R        runs of each query kind (default 25; the median is printed)
  -h, --help      this help
`;

const { number } = benchArgs(HELP, {
  objects: { type: 'string', default: '20000' },
  databases: { type: 'string', default: '4' },
  runs: { type: 'string', default: '25' },
});
const bundles = Math.ceil(number('objects') / 40);
const databases = Math.max(1, number('databases'));
const runs = Math.max(1, number('runs'));

const MiB = 2 ** 20;
const rss = (): number => process.memoryUsage().rss / MiB;
/** RSS once the threads that just started have settled (their startup garbage collected or not, as it stays). */
async function settledRss(): Promise<number> {
  await new Promise((r) => setTimeout(r, 1500));
  return rss();
}

/** A worker thread that does nothing: what any thread of the process costs, the baseline. */
async function bareWorker(): Promise<Worker> {
  const w = new Worker('require("node:worker_threads").parentPort.postMessage("up"); setInterval(() => {}, 60_000);', { eval: true });
  await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
  return w;
}

async function timeKinds(db: Database, store: ThreatStore): Promise<string[]> {
  const rnd = random(11);
  const ids = (await store.search({}, null, 200)).map((r) => r.id);
  const page = await store.search({}, null, 200);
  const cursor = page.at(-1) ? { modified: page.at(-1)!.modified, id: page.at(-1)!.id } : null;
  const out: string[] = [];
  for (const kind of QUERY_KINDS) {
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const f = filterOf(kind, rnd, bundles);
      const q: ThreatQuery = {};
      if (f?.categories) q.categories = f.categories as string[];
      if (f?.bbox) q.bbox = f.bbox as [number, number, number, number];
      if (f?.text) q.text = f.text as string;
      const st = kind === 'by id'
        ? { text: 'SELECT * FROM threat_objects WHERE id = $1', params: [ids[i % ids.length]] }
        : store.searchStatement(q, kind === 'page 5' ? cursor : null, 51);
      const t0 = performance.now();
      // An area is read by its own statement, in a transaction with its planner settings (ThreatStore.areaStatement).
      if (kind === 'bbox') await store.search(q, null, 51);
      else await db.query(st.text, st.params);
      if (i >= 2) times.push(performance.now() - t0); // the first two warm the caches, as a node that has been answering
    }
    times.sort((a, b) => a - b);
    out.push(`    ${kind.padEnd(10)} p50 ${percentile(times, 50).toFixed(2)} ms, p90 ${percentile(times, 90).toFixed(2)} ms`);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'popart-read-model-memory-'));
  const opened: Database[] = [];
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
  const lines = [reportHeader('read-model-memory', `${databases} databases, ${bundles * 40} objects, load average ${load()} at start`)];
  let bare: Worker | null = null;
  try {
    const before = await settledRss();
    bare = await bareWorker();
    const base = await settledRss();
    const bareCost = base - before;
    const costs: number[] = [];
    let last = base;
    for (let i = 0; i < databases; i++) {
      const db = await openDatabase({ kind: 'pglite', dir: join(dir, `db${i}`) });
      opened.push(db);
      await migrate(db);
      const now = await settledRss();
      costs.push(now - last);
      last = now;
    }
    const next = costs.slice(1);
    const nextMean = next.length ? next.reduce((a, b) => a + b, 0) / next.length : costs[0]!;
    lines.push(`  bare worker thread: ${bareCost.toFixed(0)} MiB (process ${before.toFixed(0)} MiB before it)`);
    lines.push(`  each database, empty (schema migrated): ${costs.map((c) => c.toFixed(0)).join(', ')} MiB; after the first ${nextMean.toFixed(0)} MiB each = ${(nextMean / Math.max(bareCost, 1)).toFixed(1)}× a bare worker thread`);

    const db = opened[0]!;
    const store = new ThreatStore(db);
    const t0 = performance.now();
    await storeBundles(store, bundles);
    const stored = (performance.now() - t0) / 1000;
    const size = (await db.query<{ size: number }>('SELECT pg_database_size(current_database())::float8 AS size')).rows[0]!.size / MiB;
    const withData = await settledRss();
    lines.push(`  first database with ${bundles * 40} objects (${size.toFixed(0)} MiB on disk, stored in ${stored.toFixed(1)} s): +${(withData - last).toFixed(0)} MiB = ${(costs[0]! + withData - last).toFixed(0)} MiB in all`);
    lines.push(`  query kinds on it (${runs} runs each):`, ...await timeKinds(db, store));
    lines.push(`  process: ${rss().toFixed(0)} MiB with ${databases} databases; load average ${load()} at the end`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const db of opened) await db.close();
    await bare?.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
