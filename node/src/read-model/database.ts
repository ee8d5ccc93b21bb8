/**
 * The read model's database port, with two implementations running the same SQL:
 * PGlite (PostgreSQL compiled to WASM, the embedded default, on a worker thread of its own: pglite-thread.ts) and a
 * PostgreSQL server (pg).
 */
import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import { openPgliteThread } from './pglite-thread.js';

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs fn in one transaction: all of it is committed, or none of it. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs one statement with planner settings (e.g. `enable_bitmapscan = off`) that apply to it alone: SET LOCAL in a
   * transaction of its own. On PGlite the database's thread runs the whole transaction at once, so the database is
   * never held waiting for the caller's thread (a query worker runs at a lower priority than the alerts' writes).
   */
  queryWith<T = Record<string, unknown>>(settings: readonly string[], text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /**
   * The same database for work that must not wait behind users' queries: the ledger listener's writes (an alert is
   * delivered only once its block is stored) and the audit log's (a consultation or disclosure is recorded before it
   * is answered). On PGlite, which runs one statement at a time, its statements go ahead of every statement waiting
   * (pglite-worker.ts); on a server they have connections of their own.
   */
  readonly urgent: Database;
  close(): Promise<void>;
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly urgent: Database;
  constructor(private readonly pool: pg.Pool, urgentPool: pg.Pool | null, private readonly normal?: PostgresDatabase) {
    this.urgent = urgentPool ? new PostgresDatabase(urgentPool, null, this) : this;
  }
  async query<T>(text: string, params: unknown[] = []): Promise<{ rows: T[] }> {
    const r = await this.pool.query(text, params);
    return { rows: r.rows as T[] };
  }
  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN', fn);
  }
  async queryWith<T>(settings: readonly string[], text: string, params: unknown[] = []): Promise<{ rows: T[] }> {
    // BEGIN and the settings in one round trip (a simple query of several statements, none with parameters).
    const begin = ['BEGIN', ...settings.map((setting) => `SET LOCAL ${setting}`)].join('; ');
    return this.inTransaction(begin, (tx) => tx.query<T>(text, params));
  }
  /** fn on one connection between `begin` (BEGIN, and what goes with it) and COMMIT, or ROLLBACK if anything fails. */
  private async inTransaction<T>(begin: string, fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(begin);
      const result = await fn({ query: async <R>(text: string, params: unknown[] = []) => ({ rows: (await client.query(text, params)).rows as R[] }) });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> {
    if (this.normal) return this.normal.close();
    await this.pool.end();
    if (this.urgent !== this) await (this.urgent as PostgresDatabase).pool.end();
  }
}

/**
 * Placeholders of a multi-row VALUES list: `($1,$2::jsonb),($3,$4::jsonb)` for 2 rows of width 2
 * with a cast on column 1. `offset` is the number of parameters that come before the list.
 */
export function valuesPlaceholders(rows: number, width: number, casts: Record<number, string> = {}, offset = 0): string {
  const groups: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < width; c++) cells.push(`$${offset + r * width + c + 1}${casts[c] ?? ''}`);
    groups.push(`(${cells.join(',')})`);
  }
  return groups.join(',');
}

export type DatabaseOptions = { kind: 'pglite'; dir: string | null /* null = in memory */ }
  /** connections: of each pool (default 4 for queries, 2 urgent). */
  | { kind: 'postgres'; url: string; connections?: { queries: number; urgent: number } };

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.kind === 'pglite') {
    if (opts.dir) await mkdir(opts.dir, { recursive: true });
    return openPgliteThread(opts.dir);
  }
  // int8 (bigint) as JS number: block numbers and counts stay far below 2^53.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  // JIT off: the read model's statements are short, but the planner's estimates for statements over arrays (a block's
  // correlation) pass jit_above_cost, and compiling them took 1.5 s of a 1.7 s statement (docs/benchmarks.md).
  // No parallel workers: a parallel plan (the area search's read of the newest rows was one, from 100k objects) forks
  // server processes for a single statement, whose start-up cost more than the statement; under fifty analysts at once
  // the requests a second doubled without them (docs/benchmarks.md). Many statements at once use the cores already.
  const settings = { connectionString: opts.url, options: '-c jit=off -c max_parallel_workers_per_gather=0' };
  const pool = new pg.Pool({ ...settings, max: opts.connections?.queries ?? 4 });
  const urgent = new pg.Pool({ ...settings, max: opts.connections?.urgent ?? 2 });
  // An idle connection the server drops (a restart, an administrator) is replaced by the next query; without a listener
  // its error would end the process.
  for (const p of [pool, urgent]) p.on('error', () => undefined);
  await pool.query('SELECT 1');
  return new PostgresDatabase(pool, urgent);
}
