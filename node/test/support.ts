/**
 * Shared test utilities for the node's tests: temporary folders, a real PostgreSQL server on
 * 127.0.0.1, a GraphQL client over HTTP and WebSocket, and the folder where tests leave the STIX
 * bundles the system emitted for the OASIS validator to check.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { openDatabase, type Database } from '../src/read-model/database.js';
import { startLocalPostgres } from '../src/read-model/local-postgres.js';

export function tempDir(prefix = 'popart-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface PostgresServer {
  /** A fresh, empty database on the server. */
  createDatabase(name: string): string;
  stop(): void;
}

/**
 * Starts a throw-away PostgreSQL server (read-model/local-postgres.ts, without fsync) on 127.0.0.1, in a folder of its
 * own. Needs the server binaries (scripts/tools.sh installs them and sets POPART_PG_BIN). As root, the server runs as
 * "postgres". `collation`: the cluster's default text order (another than "C", as an operator's server might have).
 */
export async function startPostgres(opts: { collation?: string } = {}): Promise<PostgresServer> {
  const bin = process.env.POPART_PG_BIN;
  if (!bin) throw new Error('POPART_PG_BIN is not set: run the suite with `npm test`, which installs PostgreSQL and sets it');
  const dir = mkdtempSync(join(tmpdir(), 'popart-pg-'));
  chmodSync(dir, 0o755);
  const server = await startLocalPostgres({ dir: join(dir, 'cluster'), binDir: bin, fsync: false, ...(opts.collation ? { collation: opts.collation } : {}) });
  const psql = (sql: string): void => {
    execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: 'pipe' });
  };
  return {
    createDatabase(name) {
      psql(`CREATE DATABASE "${name}"`);
      return server.url(name);
    },
    stop() {
      try {
        server.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Text that sorts one way by code point (collation "C", as PGlite) and another under a language's rules (capitals,
 * accents and hyphens): the statement that sorts it, and the code point order it must come back in.
 */
export const CODE_POINT_ORDER = {
  sql: "SELECT x FROM unnest(ARRAY['b', 'é', 'a', 'Z', 'É', 'z', 'ä', 'incident--b', 'incident-a']) AS x ORDER BY x",
  sorted: ['Z', 'a', 'b', 'incident--b', 'incident-a', 'z', 'É', 'ä', 'é'],
};

/** The read model's two database implementations, for suites that run on both. */
export interface DatabaseBackend {
  name: 'PGlite' | 'PostgreSQL';
  setup(): Promise<void>;
  /** A fresh, empty database. */
  open(): Promise<Database>;
  teardown(): void;
}

export function databaseBackends(prefix: string): DatabaseBackend[] {
  let pg: PostgresServer | null = null;
  let count = 0;
  return [
    { name: 'PGlite', setup: async () => undefined, open: () => openDatabase({ kind: 'pglite', dir: null }), teardown: () => undefined },
    {
      name: 'PostgreSQL',
      setup: async () => { pg = await startPostgres(); },
      open: async () => openDatabase({ kind: 'postgres', url: pg!.createDatabase(`${prefix}_${++count}`) }),
      teardown: () => pg?.stop(),
    },
  ];
}

/** A node of a plan from `EXPLAIN (FORMAT JSON)`, with the fields the plan tests read. */
export interface PlanNode {
  'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; 'Order By'?: string; Plans?: PlanNode[];
  /** With EXPLAIN ANALYZE: how often the node ran (0: never), and the rows it gave in all. A ModifyTable's operation. */
  'Actual Loops'?: number; 'Actual Rows'?: number; Operation?: string;
}

/**
 * Every node of the plan in an `EXPLAIN (FORMAT JSON)` row's value (PostgreSQL gives it parsed, PGlite as text), the
 * top first, and each as one line (type, relation, index, condition, order) for assertion messages.
 */
export function planNodes(raw: unknown): { nodes: PlanNode[]; described: string } {
  const nodes: PlanNode[] = [];
  const walk = (n: PlanNode): void => {
    nodes.push(n);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0]!.Plan);
  return { nodes, described: describePlan(nodes) };
}

/** Plan nodes as lines for assertion messages. */
export function describePlan(nodes: readonly PlanNode[]): string {
  return nodes.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name'], n['Index Cond'], n['Order By']].filter(Boolean).join(' ')).join('\n');
}

export interface GqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; issues?: { objectIndex: number | null; objectId: string | null; property: string; message: string }[] } }[];
}

export async function gql<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

export async function login(url: string, username: string, password = 'demo'): Promise<string> {
  const r = await gql<{ login: { token: string } }>(url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password });
  if (!r.data?.login.token) throw new Error(`login ${username} failed: ${JSON.stringify(r.errors)}`);
  return r.data.login.token;
}

/** A graphql-ws client authenticated with a token. */
export function wsClient(httpUrl: string, token: string): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
}

/** Collects events of a subscription until stopped. */
export function subscribe<T>(client: Client, query: string): { events: T[]; errors: unknown[]; next(timeoutMs?: number): Promise<T>; stop(): Promise<void> } {
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters: ((v: T) => void)[] = [];
  const unsubscribe = client.subscribe<T>({ query }, {
    next: (v) => {
      if (v.errors) {
        errors.push(v.errors);
        return;
      }
      const data = v.data as T;
      const w = waiters.shift();
      if (w) w(data);
      else events.push(data);
    },
    error: (e) => errors.push(e),
    complete: () => undefined,
  });
  return {
    events,
    errors,
    next(timeoutMs = 5000) {
      const ready = events.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise<T>((resolve, reject) => {
        const waiter = (v: T): void => {
          clearTimeout(t);
          resolve(v);
        };
        const t = setTimeout(() => {
          // A timed-out waiter must not swallow the next event.
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no subscription event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async stop() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** Leaves a bundle the system emitted where the OASIS validator step of `npm test` checks it. */
export function recordEmittedBundle(name: string, bundle: unknown): void {
  const dir = process.env.POPART_STIX_OUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name.replace(/[^a-z0-9-]+/gi, '-')}.json`), JSON.stringify(bundle, null, 2));
}

/**
 * JSON text of a value built without recursion, as a hostile client or a peer would send it: for values nested
 * deeper than JSON.stringify can go, and with ±Infinity written as 1e400/-1e400 (which JSON.parse reads back as
 * ±Infinity; JSON.stringify would write null).
 */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const RAW = Symbol('raw');
  type Raw = { [RAW]: string };
  const stack: unknown[] = [value];
  while (stack.length) {
    const x = stack.pop();
    if (x !== null && typeof x === 'object' && RAW in x) out.push((x as Raw)[RAW]);
    else if (x === Infinity) out.push('1e400');
    else if (x === -Infinity) out.push('-1e400');
    else if (Array.isArray(x)) {
      out.push('[');
      stack.push({ [RAW]: ']' });
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i], ...(i > 0 ? [{ [RAW]: ',' }] : []));
    } else if (x !== null && typeof x === 'object') {
      const entries = Object.entries(x);
      out.push('{');
      stack.push({ [RAW]: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i] as [string, unknown];
        stack.push(v, { [RAW]: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
      }
    } else out.push(JSON.stringify(x) ?? 'null');
  }
  return out.join('');
}

/** Polls `check` every 100 ms until it gives a truthy value, which it returns; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
