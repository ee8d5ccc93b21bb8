/**
 * bench/read-scale — the four-agency demo with N shared objects (bench/read-scale-data.ts: bundles of 40 over 22 sites in
 * Spain and Portugal, 82 % GREEN, 12 % AMBER, 6 % RED), loaded through each agency's publish service (in process, many
 * bundles in flight, no HTTP: the fast path), then the query mix (newest, category, bbox, text, rare text, page 5,
 * by id) asked over GraphQL by analysts of the four agencies while pn publishes an alert a second and mad's operator
 * receives it: one analyst (the baseline), fifty once a second each (open loop) and fifty back to back (closed loop).
 *
 *   npm run bench:read-scale -- [--objects 20000] [--read-model pglite|postgres] [--seconds 30] [--explain]
 */
import '@popart/node/quiet-contract-logs';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openDemoReadModel, startDemo, type DemoCluster, type DemoReadModel } from '@popart/node/demo';
import { freePortBase, openDatabase, migrate, ThreatStore, type Database, type ThreatQuery } from '@popart/node';
import { benchArgs, cpuSecondsBetween, percentile, processTreeCpu, pool, progress, reportHeader, threadsCpu } from './bench-kit.js';
import type { Analyst, ClientResult, ClientTask } from './read-scale-client.js';
import { bundleOf, filterOf, QUERY_KINDS, random, type AgencyKey } from './read-scale-data.js';
import { storeBundles } from './read-scale-rows.js';

const HELP = `Usage: npm run bench:read-scale -- [options]

Loads N objects into the four-agency demo, then measures the query mix of analysts of the four agencies
(one analyst; fifty once a second; fifty back to back) and pn → mad alert delivery meanwhile.

  --objects N           objects to load, in bundles of 40 (default 20000)
  --read-model KIND     pglite (default) or postgres (a server started on 127.0.0.1 for the run)
  --analysts N          analysts of the open and closed loops (default 50)
  --seconds S           length of each loop (default 30)
  --concurrency C       bundles in flight while loading (default 8)
  --max-lag B           the loader waits while the slowest read model is more than B blocks behind the ledger
                        (default 16): it loads at the pace the four read models keep, not only the ledger's
  --query-workers N     each node's query workers (default: POPART_QUERY_WORKERS, else the node's default; 0 = queries on
                        the node's thread)
  --explain             print the plan (EXPLAIN ANALYZE) of each query kind at pj
  --reopen              after the loops, stop the demo and start it again on the loaded data dir with the demo's own
                        command (npm start -- --data-dir DIR --no-seed), as a user would: the time until it is ready,
                        its RSS, and one analyst's queries against the first baseline
  --keep                keep the data dir (ledger, keys, read models) and print where it is, to look into or reopen
  --statements N        (postgres) the N statements that took the server's time, from pg_stat_statements: after the
                        load and after the loops (nested statements, e.g. those of a PL/pgSQL function, marked)
  --pg-settings LIST    (postgres) settings of the server the demo starts, comma-separated name=value (e.g.
                        shared_buffers=2GB,max_wal_size=8GB), to compare a server's configuration on the same load
  --data-dir DIR        a data dir kept by an earlier run (--keep): the demo starts on it and the loops run without
                        loading again (give that run's --objects and --read-model); the dir is kept
  --add N               (with --data-dir) first load N more objects on the kept demo: the load rate at the size it
                        holds (the dir then holds --objects + N; give that as --objects next time)
  --plans-only          only the read model: store the objects' rows straight into one database (no ledger, no
                        policy), print each query kind's plan and time, and stop (docs/read-model.md)
  -h, --help            this help
`;

const { values, number } = benchArgs(HELP, {
  objects: { type: 'string', default: '20000' },
  'read-model': { type: 'string', default: 'pglite' },
  analysts: { type: 'string', default: '50' },
  seconds: { type: 'string', default: '30' },
  concurrency: { type: 'string', default: '8' },
  'max-lag': { type: 'string', default: '16' },
  'query-workers': { type: 'string' },
  explain: { type: 'boolean', default: false },
  'plans-only': { type: 'boolean', default: false },
  statements: { type: 'string', default: '0' },
  reopen: { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
  'pg-settings': { type: 'string' },
  add: { type: 'string', default: '0' },
});
const objects = number('objects');
const bundles = Math.ceil(objects / 40);
const readModelKind = values['read-model'];
if (readModelKind !== 'pglite' && readModelKind !== 'postgres') throw new Error(`--read-model must be pglite or postgres, not "${readModelKind}"`);
const analystCount = number('analysts');
const seconds = number('seconds');
const queryWorkers = values['query-workers'] === undefined ? undefined : number('query-workers');

const USERS: Record<AgencyKey, string> = { pn: 'pn-analyst', pj: 'pj-analyst', mad: 'mad-operator', crm: 'crm-analyst' };
const KEYS = Object.keys(USERS) as AgencyKey[];

async function login(url: string, username: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation { login(username: "${username}", password: "demo") { token } }` }) });
  return ((await res.json()) as { data: { login: { token: string } } }).data.login.token;
}

function runClient(task: ClientTask): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./read-scale-client.js', import.meta.url), { workerData: task });
    worker.once('message', (m: ClientResult) => resolve(m));
    worker.once('error', reject);
  });
}

const ms = (v: number): string => (Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const stats = (xs: number[]): { p50: number; p99: number; max: number; n: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN, n: s.length };
};

/** The cursor after four pages of 50 of the newest, as this user sees them (for the page-5 query). */
async function page4Cursor(url: string, token: string): Promise<string | null> {
  let after: string | null = null;
  for (let i = 0; i < 4; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query($a: String) { threats(first: 50, after: $a, purpose: "bench read-scale") { pageInfo { endCursor } } }', variables: { a: after } }) });
    after = ((await res.json()) as { data: { threats: { pageInfo: { endCursor: string | null } } } }).data.threats.pageInfo.endCursor;
  }
  return after;
}

/** Loads bundles first … first + count - 1 (timestamped a second apart, ending now) and waits for all four read models. */
async function load(cluster: DemoCluster, first: number, count: number): Promise<{ seconds: number; rate: number; committedRate: number; paused: number; mix: Record<string, number> }> {
  const viewers = Object.fromEntries(await Promise.all(KEYS.map(async (k) => {
    const node = cluster.nodes[k];
    const viewer = node.services.sessions.verify(await login(node.url, USERS[k]));
    if (!viewer) throw new Error(`login of ${USERS[k]} failed`);
    return [k, viewer] as const;
  })));
  const mix: Record<string, number> = { green: 0, amber: 0, red: 0 };
  const maxLag = number('max-lag');
  const ledger = cluster.handle.current!;
  let paused = 0;
  const start = Date.now() - count * 1000;
  const t0 = performance.now();
  const r = await pool(count, number('concurrency'), async (i) => {
    const n = first + i;
    // Back-pressure: the slowest read model (its rows, policy and correlation) sets the pace, not the ledger alone.
    const behind = ledger.height() - 1 - maxLag;
    if (behind > 0) {
      const w = performance.now();
      for (const k of KEYS) await cluster.nodes[k].listener.waitForBlock(behind, 600_000);
      paused += performance.now() - w;
    }
    const b = bundleOf(n, new Date(start + i * 1000));
    mix[b.tlp] = (mix[b.tlp] ?? 0) + 40;
    await cluster.nodes[b.publisher].services.publisher.publish(viewers[b.publisher]!, b.bundle);
  }, `loading ${count * 40} objects`);
  if (r.failures.length) throw new Error(`${r.failures.length} bundles failed, first: ${r.failures[0]}`);
  const height = ledger.height() - 1;
  for (const k of KEYS) await cluster.nodes[k].listener.waitForBlock(height, 600_000);
  const seconds = (performance.now() - t0) / 1000; // every object committed and in all four read models
  for (const k of KEYS) await cluster.nodes[k].store.statistics.analyse();
  return { seconds, rate: (count * 40) / seconds, committedRate: (count * 40) / r.seconds, paused: paused / 1000, mix };
}

/**
 * The statements that took the server's time since the last call (all four agencies' databases together), from
 * pg_stat_statements; then its counters are reset.
 */
async function topStatements(db: Database, n: number, during: string): Promise<string> {
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // Planning and execution apart (pg_stat_statements.track_planning is on for the bench's server): a statement planned
  // anew for each call shows its planning here.
  const { rows } = await db.query<{ toplevel: boolean; calls: string; total: number; plan: number; query: string }>(
    `SELECT toplevel, sum(calls)::text AS calls, sum(total_exec_time + total_plan_time) AS total, sum(total_plan_time) AS plan, query FROM pg_stat_statements
     GROUP BY toplevel, query ORDER BY total DESC LIMIT $1`, [n]);
  const { rows: [all] } = await db.query<{ total: number }>('SELECT coalesce(sum(total_exec_time + total_plan_time), 0) AS total FROM pg_stat_statements WHERE toplevel');
  await db.query('SELECT pg_stat_statements_reset()');
  const lines = rows.map((r) => `    ${(r.total / 1000).toFixed(1).padStart(7)} s ${r.calls.padStart(8)} calls ${(r.total / Number(r.calls)).toFixed(2).padStart(8)} ms` +
    ` (planning ${(r.plan / Number(r.calls)).toFixed(2).padStart(6)} ms)${r.toplevel ? '  ' : ' ^'} ${r.query.replace(/\s+/g, ' ').slice(0, 100)}`);
  return [`  statements during ${during} (server time ${(all!.total / 1000).toFixed(1)} s in top-level statements, planning included; ^ nested in a function):`, ...lines].join('\n');
}

/**
 * The CPU each request cost, by where it ran: the nodes' thread (all four nodes share the bench's main thread), their
 * query workers, the process's other threads (V8's GC and compiler helpers, libuv's pool; the clients' own threads are
 * already taken out of `nodeSeconds`, but V8's helpers also work for the clients' heaps, so "other" is an upper bound)
 * and the database server.
 */
function perRequest(
  cluster: DemoCluster, before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>, nodeSeconds: number, serverSeconds: number, requests: number,
): string {
  if (after.size === 0 || requests === 0) return 'CPU per request: unknown here (no /proc/self/task)';
  const grew = (tid: number): number => Math.max(0, (after.get(tid) ?? 0) - (before.get(tid) ?? 0));
  const workers = Object.values(cluster.nodes).flatMap((n) => (n.queries?.threads ?? []).flatMap((t) => (t?.tid ? [t.tid] : [])));
  const main = grew(process.pid);
  const inWorkers = workers.reduce((sum, tid) => sum + grew(tid), 0);
  const other = Math.max(0, nodeSeconds - main - inWorkers);
  const each = (seconds: number): string => `${((seconds * 1000) / requests).toFixed(2)} ms`;
  return `CPU per request: nodes ${each(nodeSeconds)} (their thread ${each(main)}, ${workers.length} query workers ${each(inWorkers)}, ` +
    `other threads ${each(other)})${serverSeconds > 0 ? ` + database server ${each(serverSeconds)}` : ''}`;
}

/** A process's resident memory (MiB): its own (anonymous) and the pages of files it maps (the ledger's state file). */
function rssOf(pid: number | 'self'): { anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}
const rssText = (r: { anon: number; file: number }): string => `rss ${(r.anon + r.file).toFixed(0)} MiB (${r.anon.toFixed(0)} its own, ${r.file.toFixed(0)} mapped files)`;

/**
 * The loaded data dir opened again by the demo's own command, as a user would after a stop (the nodes and the database
 * server of the load already stopped): the seconds until it says it is running, its RSS (the database server apart),
 * and one analyst's queries of each kind against `before` (the baseline of the loaded demo).
 */
async function reopen(dir: string, ids: string[], before: ClientResult): Promise<string[]> {
  // The popart-demo command (node/dist/src/cli/demo.js), beside the package's main module (node/dist/src/index.js).
  const cli = join(dirname(createRequire(import.meta.url).resolve('@popart/node')), 'cli', 'demo.js');
  const base = await freePortBase();
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, '--data-dir', dir, '--read-model', readModelKind, '--no-seed', '--port-base', String(base)], {
    env: { ...process.env, POPART_KEYSTORE_PASSPHRASE: 'bench-passphrase' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const urls = await new Promise<Record<AgencyKey, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo was not running after 10 minutes; its output: ${err.slice(-2000)}`)), 600_000);
    void exited.then((code) => reject(new Error(`the demo exited (${code}) before it was running: ${err.slice(-2000)}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const found = [...out.matchAll(/^\s+(pn|pj|mad|crm)\s.*?(http\S+\/graphql)\s*$/gm)];
      if (/POP-ART demo is running/.test(out) && found.length >= 4) {
        clearTimeout(timer);
        resolve(Object.fromEntries(found.map((m) => [m[1], m[2]])) as Record<AgencyKey, string>);
      }
    });
  });
  const ready = (performance.now() - t0) / 1000;
  const rssReady = rssOf(child.pid!);
  // The demo's log says how long the embedded ledger took to open (its chain verified) and each node's start.
  const log = out + err;
  const ledgerMs = Number(/embedded ledger open, chain verified \{[^}]*"ms":(\d+)/.exec(log)?.[1] ?? NaN);
  const nodesMs = [...log.matchAll(/node ready \{.*?"startupMs":\{"total":(\d+)/g)].map((m) => Number(m[1]));
  const parts = `${Number.isNaN(ledgerMs) ? '' : `the ledger opened and verified in ${(ledgerMs / 1000).toFixed(1)} s, `}` +
    `${nodesMs.length ? `the four nodes started together in ${(Math.max(...nodesMs) / 1000).toFixed(1)} s` : ''}`;
  try {
    const users: Analyst[] = [];
    for (const k of KEYS) {
      const token = await login(urls[k], USERS[k]);
      users.push({ url: urls[k], token, page4: await page4Cursor(urls[k], token) });
    }
    const again = await runClient({ role: 'analysts', mode: 'baseline', analysts: users, perKind: 20, bundles, ids });
    const rssAfter = rssOf(child.pid!);
    return [
      `  reopened by the demo's command (npm start -- --data-dir … --read-model ${readModelKind} --no-seed): running after ${ready.toFixed(1)} s${parts ? ` (${parts})` : ''}; ` +
        `${rssText(rssReady)} then, ${rssText(rssAfter)} after one analyst's queries${readModelKind === 'postgres' ? ' (the database server apart)' : ''}`,
      `    one analyst after the reopen, p50 per kind: ${QUERY_KINDS.map((k) => `${k} ${ms(stats(again.samples[k]!).p50)}`).join(' · ')} ms ` +
        `(ratio to before: ${QUERY_KINDS.map((k) => (stats(again.samples[k]!).p50 / stats(before.samples[k]!).p50).toFixed(1)).join(' · ')})${again.errors.length ? `; ${again.errors.length} errors: ${again.errors[0]}` : ''}`,
    ];
  } finally {
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The plan of each query kind, as a node asks it (51 rows: a page of 50 and whether there is more). */
async function explain(db: Database, store: ThreatStore, toQuery: (f: Record<string, unknown> | null) => ThreatQuery, ids: string[]): Promise<string[]> {
  const rnd = random(7);
  const out: string[] = [];
  const page = await store.search(toQuery(null), null, 200);
  const cursor = page.at(-1) ? { modified: page.at(-1)!.modified, id: page.at(-1)!.id } : null;
  for (const kind of QUERY_KINDS) {
    const filter = kind === 'by id' ? null : toQuery(filterOf(kind, rnd, bundles));
    // An area search (no text) has a statement of its own, run with its planner settings in a transaction.
    const statements: { name: string; text: string; params: unknown[]; settings?: string[] }[] = kind === 'by id'
      ? [{ name: kind, text: 'SELECT * FROM threat_objects WHERE id = $1', params: [ids[0]] }]
      : kind === 'bbox'
        ? [{ name: 'bbox, newest first in the area-and-time index', ...store.areaStatement(filter!, null, 51) }]
        : [{ name: kind, ...store.searchStatement(filter!, kind === 'page 5' ? cursor : null, 51) }];
    for (const st of statements) {
      await db.queryWith(st.settings ?? [], st.text, st.params); // warm, as a node that has been answering
      const plan = await db.queryWith<Record<string, string>>(st.settings ?? [], `EXPLAIN (ANALYZE, COSTS OFF) ${st.text}`, st.params);
      out.push(`-- ${st.name}: ${JSON.stringify(st.params)}${st.settings ? ` (${st.settings.join(', ')})` : ''}`, ...plan.rows.map((r) => Object.values(r)[0]!), '');
    }
  }
  return out;
}

/** --plans-only: the rows of N objects straight into one read model, then each query kind's plan. */
async function plansOnly(dir: string, readModel: DemoReadModel): Promise<void> {
  const db = await openDatabase(readModel.pgUrls ? { kind: 'postgres', url: readModel.pgUrls.pj } : { kind: 'pglite', dir: join(dir, 'plans') });
  try {
    await migrate(db);
    const store = new ThreatStore(db);
    const t0 = performance.now();
    await storeBundles(store, bundles);
    process.stderr.write(`stored ${bundles * 40} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const ids = (await store.search({}, null, 200)).map((r) => r.id);
    const toQuery = (f: Record<string, unknown> | null): ThreatQuery => {
      const q: ThreatQuery = {};
      if (f?.categories) q.categories = f.categories as string[];
      if (f?.bbox) q.bbox = f.bbox as [number, number, number, number];
      if (f?.text) q.text = f.text as string;
      return q;
    };
    process.stdout.write(`${reportHeader('read-scale --plans-only', `${bundles * 40} rows, ${db.kind}`)}\n${(await explain(db, store, toQuery, ids)).join('\n')}\n`);
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const given = values['data-dir'];
  if (given && values['plans-only']) throw new Error('--data-dir is for the loops on a kept demo, not --plans-only');
  const dir = given ? resolve(given) : mkdtempSync(join(tmpdir(), 'popart-read-scale-'));
  if (given && !existsSync(join(dir, 'ledger'))) throw new Error(`--data-dir ${given}: no demo there (kept by an earlier run with --keep)`);
  const added = Math.ceil(number('add') / 40);
  if (added && !given) throw new Error('--add is for a kept demo: give its --data-dir');
  chmodSync(dir, 0o755); // a PostgreSQL server started as root runs as "postgres", who must reach its folder
  let cluster: DemoCluster | null = null;
  let readModel: DemoReadModel | null = null;
  const report: string[] = [reportHeader('read-scale', `${bundles * 40} objects, read model ${readModelKind}, ${analystCount} analysts, ${seconds} s per loop, ${availableParallelism()} cores`)];
  const print = (line: string): void => {
    report.push(line);
    process.stderr.write(`${line}\n`);
  };
  try {
    const statements = number('statements');
    if (statements && readModelKind !== 'postgres') throw new Error('--statements is for --read-model postgres');
    readModel = await openDemoReadModel({
      kind: readModelKind as 'pglite' | 'postgres', dataDir: dir,
      serverSettings: [
        ...(statements ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all', 'pg_stat_statements.track_planning=on'] : []),
        ...(values['pg-settings'] ? values['pg-settings'].split(',').map((s) => s.trim()) : []),
      ],
    });
    if (values['plans-only']) return await plansOnly(dir, readModel);
    // Each analyst a user of its own (the node bounds the requests in progress per user, docs/limits.md).
    const extraUsers = Object.fromEntries(KEYS.map((k) => [k, Array.from({ length: Math.ceil(analystCount / KEYS.length) }, (_, i) => (
      { username: `${k}-bench-${i}`, displayName: `Bench analyst ${i} of ${k}`, role: 'analyst' as const })),
    ]));
    cluster = await startDemo({
      dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'warn', fsync: false, extraUsers,
      ...(readModel.pgUrls ? { pgUrls: readModel.pgUrls } : {}),
      ...(queryWorkers === undefined ? {} : { queryWorkers }),
    });
    print(`  query workers per node: ${cluster.nodes.pn.queries?.workers.length ?? 0}`);
    // The PostgreSQL server the demo started runs detached (pg_ctl): its CPU is counted from its postmaster's pid.
    const postmaster = readModelKind === 'postgres' ? Number(readFileSync(join(dir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) : 0;
    const serverCpu = (): Map<number, number> => (postmaster ? processTreeCpu(postmaster) : new Map());
    if (given && !added) {
      print(`  load: none (the data dir of an earlier run, ${given}); ${rssText(rssOf('self'))}`);
    } else {
      const first = given ? bundles : 0;
      const count = given ? added : bundles;
      const loadCpu0 = process.cpuUsage();
      const loadServer0 = serverCpu();
      const loaded = await load(cluster, first, count);
      const loadCpu = process.cpuUsage(loadCpu0);
      const loadProcess = (loadCpu.user + loadCpu.system) / 1e6;
      const loadServer = cpuSecondsBetween(loadServer0, serverCpu());
      print(`  load: ${count * 40} objects${given ? ` added to the ${bundles * 40} of ${given}` : ''} in all four read models in ${loaded.seconds.toFixed(1)} s = ${loaded.rate.toFixed(0)} objects/s (committed on the ledger at ${loaded.committedRate.toFixed(0)}/s; publishers paused ${loaded.paused.toFixed(0)} s in all for the read models) (GREEN ${loaded.mix.green}, AMBER ${loaded.mix.amber}, RED ${loaded.mix.red}); ${rssText(rssOf('self'))}`);
      print(`    load CPU: process ${(loadProcess / loaded.seconds).toFixed(2)} cores${loadServer > 0 ? ` + database server ${(loadServer / loaded.seconds).toFixed(2)} cores` : ''} = ${((count * 40) / (loadProcess + loadServer)).toFixed(0)} objects per CPU-second`);
      if (statements) print(await topStatements(cluster.nodes.pn.database, statements, 'the load'));
    }
    const ids = (await cluster.nodes.pn.store.search({}, null, 200)).map((r) => r.id);
    const pj = cluster.nodes.pj;
    if (values.explain) print((await explain(pj.database, pj.store, (f) => pj.services.threats.toQuery(f), ids)).join('\n'));

    const users: Analyst[] = [];
    for (const k of KEYS) {
      const url = `${cluster.nodes[k].url}`;
      const token = await login(url, `${k}-bench-0`);
      users.push({ url, token, page4: await page4Cursor(url, token) });
    }
    const analysts: Analyst[] = [];
    for (let i = 0; i < analystCount; i++) {
      const k = i % KEYS.length;
      analysts.push({ ...users[k]!, token: await login(users[k]!.url, `${KEYS[k]}-bench-${Math.floor(i / KEYS.length)}`) });
    }
    // pn's operator publishes the alerts, mad's receives them: users no analyst is.
    const prober = { pn: await login(cluster.nodes.pn.url, 'pn-operator'), mad: await login(cluster.nodes.mad.url, 'mad-operator') };
    const alertTask = (s: number): ClientTask => ({
      role: 'alerts', pnUrl: cluster!.nodes.pn.url, pnToken: prober.pn, madUrl: cluster!.nodes.mad.url, madToken: prober.mad, everyMs: 1000, seconds: s,
    });
    const alertLine = (r: ClientResult): string => {
      const a = stats(r.samples.alert ?? []);
      return `pn→mad alert p50 ${ms(a.p50)} ms, p99 ${ms(a.p99)} ms, max ${ms(a.max)} ms (${a.n} delivered, ${r.missed ?? 0} missed${r.errors.length ? `, ${r.errors.length} errors: ${r.errors[0]}` : ''})`;
    };

    progress('idle alerts', 0, 1);
    const idle = await runClient(alertTask(Math.min(10, seconds)));
    print(`  idle: ${alertLine(idle)}`);
    const base = await runClient({ role: 'analysts', mode: 'baseline', analysts: users, perKind: 20, bundles, ids });
    print(`  one analyst (baseline), p50 per kind: ${QUERY_KINDS.map((k) => `${k} ${ms(stats(base.samples[k]!).p50)}`).join(' · ')} ms${base.errors.length ? `; ${base.errors.length} errors: ${base.errors[0]}` : ''}`);

    for (const mode of ['open', 'closed'] as const) {
      // How long the nodes' thread was kept from its event loop at worst (a stall delays every alert at once).
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const cpu0 = process.cpuUsage();
      const threads0 = threadsCpu();
      const server0 = serverCpu();
      const [load, alerts] = await Promise.all([
        runClient({ role: 'analysts', mode, analysts, seconds, bundles, ids }),
        runClient(alertTask(seconds)),
      ]);
      const cpu = process.cpuUsage(cpu0);
      const threads = threadsCpu();
      const serverSeconds = cpuSecondsBetween(server0, serverCpu());
      loop.disable();
      // The analysts' and the operator's clients are threads of this process: their CPU is the load generator's, not the
      // nodes'. It is taken out (and printed) where the threads' CPU can be read (Linux).
      const clientSeconds = (load.cpuSeconds ?? 0) + (alerts.cpuSeconds ?? 0);
      const processSeconds = (cpu.user + cpu.system) / 1e6 - clientSeconds;
      // Per CPU-second of the nodes and of the database server they use (PostgreSQL's processes; none with PGlite).
      const cpuSeconds = processSeconds + serverSeconds;
      const all = stats(Object.values(load.samples).flat());
      const rps = load.count / load.seconds;
      print(`  ${mode === 'open' ? `open loop (${analystCount} analysts, once a second each)` : `closed loop (${analystCount} analysts back to back)`}: ` +
        `${rps.toFixed(0)} requests/s, all p50 ${ms(all.p50)} ms p99 ${ms(all.p99)} ms max ${ms(all.max)} ms; ` +
        `nodes' CPU ${(processSeconds / load.seconds).toFixed(2)} cores${serverSeconds > 0 ? ` + database server ${(serverSeconds / load.seconds).toFixed(2)} cores` : ''} = ${(load.count / cpuSeconds).toFixed(0)} requests per CPU-second` +
        ` (the bench's clients used ${(clientSeconds / load.seconds).toFixed(2)} cores more${load.cpuSeconds === null ? ': unknown here, counted as the nodes\'' : ''})${load.errors.length ? `; ${load.errors.length} errors: ${load.errors[0]}` : ''}`);
      for (const k of QUERY_KINDS) {
        const s = stats(load.samples[k]!);
        const b = stats(base.samples[k]!).p50;
        print(`    ${k.padEnd(10)} p50 ${ms(s.p50).padStart(5)} ms  p99 ${ms(s.p99).padStart(5)} ms  (${s.n})  p50 ratio to one analyst ${(s.p50 / b).toFixed(1)}`);
      }
      print(`    ${perRequest(cluster, threads0, threads, processSeconds, serverSeconds, load.count)}`);
      print(`    nodes' event loop delay p99 ${ms(loop.percentile(99) / 1e6)} ms, max ${ms(loop.max / 1e6)} ms`);
      print(`    ${alertLine(alerts)}; ratio of p99 to idle ${(stats(alerts.samples.alert ?? []).p99 / stats(idle.samples.alert ?? []).p99).toFixed(1)}`);
    }
    print(`  ${rssText(rssOf('self'))}`);
    if (statements) print(await topStatements(cluster.nodes.pn.database, statements, 'the loops (idle, one analyst, open and closed)'));
    if (values.reopen) {
      await cluster.stop();
      cluster = null;
      readModel.stop();
      readModel = null;
      for (const line of await reopen(dir, ids, base)) print(line);
    }
    process.stdout.write(report.join('\n') + '\n');
  } finally {
    await cluster?.stop();
    readModel?.stop();
    if (values.keep || given) process.stderr.write(`kept the data dir: ${dir} (npm start -- --data-dir ${dir} --read-model ${readModelKind} --no-seed; passphrase bench-passphrase)\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
