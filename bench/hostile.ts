/**
 * bench/hostile — ordinary work on the four-agency embedded demo while hostile clients hammer pn.
 *
 * Ordinary work, the same in both phases: pn's analyst publishes a one-indicator bundle every
 * 1000/rate ms (open loop, whatever the answers' latency) and pn's /healthz is probed every 100 ms.
 * Measured: publish → visible in pj's read model (p50/p99) and /healthz latency (p50/p99).
 *
 * Phase 1, quiet: the ordinary work alone. Phase 2, hostile: the same, while `clients` hostile
 * clients (closed loop, each waits for its answer and sends again) send to pn, round robin by kind.
 * The hostile clients run in a child process of their own (same machine, same run: they compete for
 * the cores as a co-located attacker would, but not for the nodes' process, its event loop, heap,
 * garbage collector or libuv thread pool):
 *   aliases   1,000 aliases of threats(first: 200), signed in
 *   oversize  a 6 MiB POST body (half with Content-Length, half chunked)
 *   ws-big    a WebSocket whose connection_init is 6 MiB
 *   login     wrong passwords for pn-operator and for made-up names
 *   poison    publishBundle as pn's operator with NUL in a description, a custom property nested
 *             5,000 levels deep, a `__proto__` property, an upper-case id, a `modified` in 9999
 * Printed: both phases' figures, the ratio hostile/quiet of the p99s (target ≤ 2), the nodes'
 * event-loop delay (p99, max), event-loop utilisation and CPU (ms per s, the nodes' process) in each
 * phase, whether pj kept up with the ledger (no listener stall), and what the hostile requests got
 * back. With --per-kind, each kind is also run alone (clients / 5 clients of it), each hostile phase
 * right after a quiet phase of its own, its ratio against that one (the machine's other load drifts).
 *
 *   node bench/dist/hostile.js [--seconds 30] [--clients 50] [--rate 10] [--per-kind]
 */
import '@popart/node/quiet-contract-logs';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startDemo, type DemoCluster } from '@popart/node/demo';
import { benchArgs, percentile, reportHeader } from './bench-kit.js';
import { demoIdentityId } from './demo-ids.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const PN_IDENTITY = demoIdentityId('pn');
const BIG = 6 * 1024 * 1024;
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status transactionId } }';

const { values, number } = benchArgs('Usage: npm run bench:hostile -- [--seconds S per phase] [--clients N hostile] [--rate publishes/s] [--kinds aliases,oversize,ws-big,login,poison] [--per-kind]\n', {
  seconds: { type: 'string', default: '30' },
  clients: { type: 'string', default: '50' },
  rate: { type: 'string', default: '10' },
  kinds: { type: 'string', default: 'aliases,oversize,ws-big,login,poison' },
  'per-kind': { type: 'boolean', default: false },
  'hostile-child': { type: 'boolean', default: false },
});
const phaseMs = number('seconds') * 1000;
const clients = number('clients');
const rate = number('rate');

function indicator(run: string, n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  const mac = `02:00:${[(n >> 16) & 255, (n >> 8) & 255, n & 255, 9].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  return {
    type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: now, modified: now, created_by_ref: PN_IDENTITY,
    name: `bench ${run} drone controller ${n}`, indicator_types: ['malicious-activity'],
    pattern: `[mac-addr:value = '${mac}']`, pattern_type: 'stix', valid_from: now, object_marking_refs: [GREEN], ...extra,
  };
}

const bundleOf = (...objects: Record<string, unknown>[]): Record<string, unknown> => ({ type: 'bundle', id: `bundle--${randomUUID()}`, objects });

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  try {
    return JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  } catch {
    return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 80)}`, extensions: { code: `HTTP_${res.status}` } }] };
  }
}

async function login(url: string, username: string): Promise<string> {
  const r = await gql(url, 'mutation($u: String!) { login(username: $u, password: "demo") { token } }', { u: username });
  const token = (r.data?.login as { token?: string } | undefined)?.token;
  if (!token) throw new Error(`login ${username} failed: ${JSON.stringify(r.errors)}`);
  return token;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The publishBundle request body of a poison object, as JSON text (a 5,000-level nesting is written, not serialised). */
function poisonBody(run: string, n: number): string {
  const base = indicator(run, n);
  let object: string;
  switch (n % 5) {
    case 0: object = JSON.stringify({ ...base, description: 'controller\u0000hidden' }); break;
    case 1: object = JSON.stringify(base).replace(/\}$/, `,"x_popart_payload":${'{"x_level":'.repeat(5000)}{"leaf":"x"}${'}'.repeat(5000)}}`); break;
    case 2: object = JSON.stringify(base).replace(/^\{/, '{"__proto__":{"x":1},'); break;
    case 3: object = JSON.stringify({ ...base, id: String(base.id).toUpperCase().replace('INDICATOR--', 'indicator--') }); break;
    default: object = JSON.stringify({ ...base, modified: '9999-12-31T23:59:59.999Z' });
  }
  return `{"query":${JSON.stringify(PUBLISH)},"variables":{"b":{"type":"bundle","id":"bundle--${randomUUID()}","objects":[${object}]}}}`;
}

async function postText(url: string, body: string, token: string): Promise<{ errors?: { extensions?: { code?: string } }[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  return (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
}

/** POSTs BIG bytes; resolves with the status (or the network error's code). */
function oversize(url: string, chunked: boolean): Promise<string> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': BIG }) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(`HTTP_${res.statusCode}`));
      res.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'error'));
    });
    req.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'error'));
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < BIG) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function wsBig(url: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('error', () => undefined);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'x'.repeat(BIG) } })));
    socket.once('close', (code) => resolve(`WS_${code}`));
  });
}

interface Run { label: string; quiet: Phase; phase: Phase; got: HostileReport; kinds: Kind[] }

interface Phase { publishMs: number[]; healthMs: number[]; lost: number; failed: string[]; loopP99: number; loopMax: number; elu: number; cpuMsPerS: number }

const KINDS = ['aliases', 'oversize', 'ws-big', 'login', 'poison'] as const;
type Kind = (typeof KINDS)[number];
const kinds = values.kinds.split(',').map((k) => k.trim()).filter((k): k is Kind => (KINDS as readonly string[]).includes(k));

interface HostileOptions { url: string; token: string; run: string; clients: number; kinds: Kind[] }

/** The hostile clients (child process): closed loops until told to stop; sends back outcome counts per kind. */
async function hostileClients(opts: HostileOptions): Promise<void> {
  const outcomes: Record<string, Record<string, number>> = {};
  const count = (kind: string, outcome: string): void => {
    const m = (outcomes[kind] ??= {});
    m[outcome] = (m[outcome] ?? 0) + 1;
  };
  let stop = false;
  process.once('message', () => {
    stop = true;
  });
  const aliasQuery = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: threats(first: 200) { edges { node { id } } }`).join(' ')} }`;
  let p = 0;
  await Promise.all(Array.from({ length: opts.clients }, async (_, c) => {
    const kind = opts.kinds[c % opts.kinds.length] as Kind;
    for (let i = 0; !stop; i++) {
      let outcome: string;
      try {
        switch (kind) {
          case 'aliases': {
            const r = await gql(opts.url, aliasQuery, {}, opts.token);
            outcome = r.errors?.[0]?.extensions?.code ?? 'EXECUTED';
            break;
          }
          case 'oversize':
            outcome = await oversize(opts.url, i % 2 === 1);
            break;
          case 'ws-big':
            outcome = await wsBig(opts.url);
            break;
          case 'login': {
            const r = await gql(opts.url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: i % 2 ? 'pn-operator' : `nobody-${c}-${i}`, p: `guess-${i}` });
            outcome = r.errors?.[0]?.extensions?.code ?? 'SIGNED_IN';
            break;
          }
          case 'poison': {
            const r = await postText(opts.url, poisonBody(opts.run, p++), opts.token);
            outcome = r.errors?.[0]?.extensions?.code ?? 'COMMITTED';
            break;
          }
        }
      } catch (err) {
        const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
        outcome = cause?.code ?? (err as Error).message.slice(0, 40);
      }
      count(kind, outcome);
    }
  }));
  const cpu = process.cpuUsage();
  process.send?.({ outcomes, cpuMsPerS: (cpu.user + cpu.system) / 1000 / (process.uptime()) }, () => process.exit(0));
}

/** Starts the hostile clients in a child process; resolves once they run, with a function that stops them and returns their outcomes. */
interface HostileReport { outcomes: Record<string, Record<string, number>>; cpuMsPerS: number }

async function startHostile(opts: HostileOptions): Promise<() => Promise<HostileReport>> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--hostile-child'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const outcomes = new Promise<HostileReport>((resolve, reject) => {
    child.on('message', (m: { ready?: true } | HostileReport) => {
      if ('outcomes' in m) resolve(m);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the hostile clients' process exited (${code})`)));
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  child.send(opts);
  return async () => {
    child.send('stop');
    return outcomes;
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'popart-bench-hostile-'));
  let cluster: DemoCluster | null = null;
  try {
    cluster = await startDemo({ dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'error' });
    const pn = cluster.nodes.pn;
    const pj = cluster.nodes.pj;
    const healthUrl = pn.url.replace(/\/graphql$/, '/healthz');
    const analyst = await login(pn.url, 'pn-analyst');
    const operator = await login(pn.url, 'pn-operator');
    const run = randomUUID().slice(0, 8);

    const arrived = new Map<string, number>();
    pj.listener.onRows((rows) => {
      const t = performance.now();
      for (const r of rows) arrived.set(r.id, t);
    });

    let n = 0;
    const ordinary = async (ms: number): Promise<Phase> => {
      const sent = new Map<string, number>();
      const healthMs: number[] = [];
      const failed: string[] = [];
      const inflight: Promise<void>[] = [];
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const end = performance.now() + ms;
      const prober = (async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          await fetch(healthUrl).then((r) => r.arrayBuffer()).catch(() => undefined);
          healthMs.push(performance.now() - t0);
          await sleep(100);
        }
      })();
      for (let next = performance.now(); next < end; next += 1000 / rate) {
        await sleep(Math.max(0, next - performance.now()));
        const obj = indicator(run, n++);
        sent.set(obj.id as string, performance.now());
        inflight.push(gql(pn.url, PUBLISH, { b: bundleOf(obj) }, analyst).then((r) => {
          if (r.errors) failed.push(r.errors[0]?.extensions?.code ?? r.errors[0]?.message ?? '?');
        }, (err: unknown) => void failed.push(String(err))));
      }
      await Promise.all(inflight);
      await prober;
      loop.disable();
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const cpu = process.cpuUsage(cpu0);
      const cpuMsPerS = (cpu.user + cpu.system) / 1000 / ((performance.now() - t0) / 1000);
      // What has not arrived 10 s after the last publish counts as lost (a stalled listener).
      const deadline = performance.now() + 10_000;
      while ([...sent.keys()].some((id) => !arrived.has(id)) && performance.now() < deadline) await sleep(50);
      const publishMs = [...sent].map(([id, t0]) => (arrived.get(id) ?? NaN) - t0).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
      return { publishMs, healthMs: healthMs.sort((a, b) => a - b), lost: sent.size - publishMs.length, failed, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6, elu, cpuMsPerS };
    };

    // Warm up (JIT, caches), then the quiet phase.
    await ordinary(3000);
    process.stderr.write(`quiet phase: ${phaseMs / 1000} s\n`);
    const quiet = await ordinary(phaseMs);

    // Each hostile phase: the ordinary work while the given clients run (in a child process).
    const runs: Run[] = [];
    const hostile = async (label: string, n: number, ks: Kind[]): Promise<Run> => {
      let before = quiet;
      if (runs.length > 0) {
        process.stderr.write(`quiet phase: ${phaseMs / 1000} s\n`);
        before = await ordinary(phaseMs);
      }
      process.stderr.write(`hostile phase: ${phaseMs / 1000} s with ${n} hostile clients (${ks.join(', ')})\n`);
      const stop = await startHostile({ url: pn.url, token: operator, run, clients: n, kinds: ks });
      const phase = await ordinary(phaseMs);
      return { label, quiet: before, phase, got: await stop(), kinds: ks };
    };
    // Per kind first (each alone, clients / 5 of it), then all together; a login lock of the address
    // taken in one phase still holds in the next (15 min).
    if (values['per-kind']) for (const k of kinds) runs.push(await hostile(k, Math.max(1, Math.round(clients / KINDS.length)), [k]));
    runs.push(await hostile('all', clients, kinds));

    const pnHeight = pn.listener.height();
    const caughtUp = await pj.listener.waitForBlock(pnHeight, 15_000).then(() => true, () => false);
    const pjHealth = (await (await fetch(pj.url.replace(/\/graphql$/, '/healthz'))).json()) as Record<string, unknown>;

    const fmt = (ph: Phase): string =>
      `publish → visible at pj p50 ${percentile(ph.publishMs, 50).toFixed(1)} ms, p99 ${percentile(ph.publishMs, 99).toFixed(1)} ms (${ph.publishMs.length} publishes, ${ph.lost} never arrived, ${ph.failed.length} refused); ` +
      `/healthz p50 ${percentile(ph.healthMs, 50).toFixed(1)} ms, p99 ${percentile(ph.healthMs, 99).toFixed(1)} ms; ` +
      `event-loop delay p99 ${ph.loopP99.toFixed(1)} ms, max ${ph.loopMax.toFixed(1)} ms, utilisation ${(ph.elu * 100).toFixed(0)} %, CPU ${ph.cpuMsPerS.toFixed(0)} ms/s`;
    const ratios = (q: Phase, ph: Phase): string => {
      const ratio = percentile(ph.publishMs, 99) / percentile(q.publishMs, 99);
      const healthRatio = percentile(ph.healthMs, 99) / percentile(q.healthMs, 99);
      return `publish p99 ${ratio.toFixed(2)} (target ≤ 2: ${ratio <= 2 ? 'met' : 'NOT met'}), /healthz p99 ${healthRatio.toFixed(2)}`;
    };
    const lines = [
      reportHeader('hostile', `${phaseMs / 1000} s per phase, ${rate} publishes/s, ${clients} hostile clients in a child process`),
      `  quiet:    ${fmt(quiet)}`,
    ];
    for (const r of runs) {
      if (r.quiet !== quiet) lines.push(`  quiet (before ${r.label}): ${fmt(r.quiet)}`);
      lines.push(`  hostile ${r.label === 'all' ? `(${clients} clients, all kinds)` : `(${r.label} alone, ${Math.max(1, Math.round(clients / KINDS.length))} clients)`}: ${fmt(r.phase)}`);
      lines.push(`    ratio hostile/quiet: ${ratios(r.quiet, r.phase)}`);
      lines.push(`    hostile requests (outcome × count; the clients' process used ${r.got.cpuMsPerS.toFixed(0)} ms/s of CPU):`);
      lines.push(...r.kinds.map((k) => `      ${k.padEnd(9)} ${Object.entries(r.got.outcomes[k] ?? {}).map(([o, c]) => `${o} ×${c}`).join(', ')}`));
    }
    lines.push(`  pj caught up with pn (block ${pnHeight}): ${caughtUp ? 'yes' : 'NO (listener stalled)'}; pj /healthz: ${JSON.stringify(pjHealth.status)}, quarantined ${JSON.stringify((pjHealth.replication as { quarantined?: number } | undefined)?.quarantined ?? '?')}`);
    const refused = [...new Set([...quiet.failed, ...runs.flatMap((r) => [...r.quiet.failed, ...r.phase.failed])])];
    if (refused.length) lines.push(`  ordinary publishes refused: ${JSON.stringify(refused)}`);
    process.stdout.write(lines.join('\n') + '\n');
    if (!caughtUp || runs.some((r) => r.phase.lost > 0)) process.exitCode = 1;
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values['hostile-child']) {
  process.once('message', (opts: HostileOptions) => void hostileClients(opts));
  process.send?.({ ready: true });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
