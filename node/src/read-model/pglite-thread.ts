/**
 * PGlite behind the `Database` port, run on a worker thread of its own (pglite-worker.ts): the node's thread, which
 * delivers alerts, only sends statements and receives rows. Statements, transactions and the urgent lane behave as
 * they did in process: one statement at a time, urgent ones first, a transaction's statements never interleaved with
 * others; a PostgreSQL error arrives with its message and fields (code, detail, constraint…).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Database, Sql } from './database.js';

export interface WorkerSetup {
  dir: string | null;
  /** PGlite's WASM, compiled once per process: every worker shares the compiled (and optimised) code. */
  pgliteWasmModule: WasmModule;
  initdbWasmModule: WasmModule;
}

/** A compiled WebAssembly.Module (the project's TypeScript lib has no WebAssembly types). */
type WasmModule = object;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

let compiled: Promise<Pick<WorkerSetup, 'pgliteWasmModule' | 'initdbWasmModule'>> | null = null;

/**
 * Compiles PGlite's two WASM modules the first time a database is opened. Without this each worker compiled and
 * optimised them again: half as much CPU again per database opened (the test suite opens hundreds).
 */
function compiledWasm(): Promise<Pick<WorkerSetup, 'pgliteWasmModule' | 'initdbWasmModule'>> {
  const dist = new URL('./', import.meta.resolve('@electric-sql/pglite'));
  const compile = async (file: string) => wasm.compile(await readFile(new URL(file, dist)));
  compiled ??= Promise.all([compile('pglite.wasm'), compile('initdb.wasm')])
    .then(([pgliteWasmModule, initdbWasmModule]) => ({ pgliteWasmModule, initdbWasmModule }));
  return compiled;
}

export type WorkerRequest =
  /** With `settings` (outside a transaction): BEGIN, SET LOCAL each, the statement and COMMIT, as one step. */
  | { id: number; op: 'query'; text: string; params: unknown[]; urgent: boolean; tx?: number; settings?: readonly string[] }
  | { id: number; op: 'exec'; text: string; urgent: boolean; tx?: number }
  /** Holds the database for transaction tx (BEGIN) until its `end`. */
  | { id: number; op: 'begin'; tx: number; urgent: boolean }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  /**
   * A second client of the same database (a query worker, server/query-worker.ts): the worker answers the requests
   * that come on `port` there, so the rows of that client's queries never pass through this thread.
   */
  | { id: number; op: 'attach'; port: MessagePort }
  | { id: number; op: 'close' };

export interface WorkerError {
  name: string;
  message: string;
  /** The error's own fields with a string or number value: PostgreSQL's code, severity, detail, constraint… */
  fields: Record<string, string | number>;
}

/** Id 0 is the worker's first reply: the database is ready (or could not be opened). */
export type WorkerReply = { id: number; ok: true; rows: unknown[] | undefined } | { id: number; ok: false; error: WorkerError };

export class PgliteWorkerError extends Error {}

function toError(e: WorkerError): Error {
  const err = new PgliteWorkerError(e.message);
  Object.assign(err, e.fields);
  err.name = e.name;
  return err;
}

/**
 * The thread is gone: PostgreSQL's codes for a lost connection (08006) or none (08003), so that callers treat it as
 * the database being unavailable (the listener waits and retries), not as a fault of what they were storing.
 */
function connectionError(code: '08006' | '08003', message: string, cause?: Error): Error {
  return Object.assign(new PgliteWorkerError(message, cause ? { cause } : {}), { code });
}

interface Pending {
  resolve: (rows: unknown[] | undefined) => void;
  reject: (err: Error) => void;
}

/** Where requests go: the database thread itself, or a port attached to it. */
type Endpoint = Pick<Worker, 'postMessage' | 'ref' | 'unref'> & { on(event: 'message', fn: (m: WorkerReply) => void): unknown };

/** The database thread (or a port to it) and the requests it has not answered yet. */
class PgliteThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextTx = 1;
  private stopped: Error | null = null;

  constructor(private readonly worker: Endpoint) {
    worker.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.rows);
      else p.reject(toError(m.error));
    });
  }

  /** The worker's failures: every request waiting, and every later one, gets a lost connection. */
  watch(worker: Worker): void {
    worker.on('error', (err) => this.stop(connectionError('08006', `the read model's database thread failed: ${err.message}`, err)));
    worker.on('exit', (code) => this.stop(connectionError('08006', `the read model's database thread stopped (exit code ${code})`)));
  }

  /** A port of its own to the database thread, for a client on another thread (connectPglitePort there). */
  async attach(): Promise<MessagePort> {
    const { port1, port2 } = new MessageChannel();
    await this.send({ op: 'attach', port: port2 }, [port2]);
    return port1;
  }

  nextTransaction(): number {
    return this.nextTx++;
  }

  /** The worker's first reply (id 0): the database is open. */
  ready(): Promise<void> {
    return this.wait(0).then(() => undefined);
  }

  /** Sends a request (the id is set here) and waits for its answer. */
  send(req: DistributiveOmit<WorkerRequest, 'id'>, transfer?: MessagePort[]): Promise<unknown[] | undefined> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const answer = this.wait(id);
    try {
      this.worker.postMessage({ ...req, id }, transfer);
    } catch (err) {
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return answer;
  }

  /** Closes the database (after the statements already waiting) and ends the thread. */
  async close(worker: Worker): Promise<void> {
    if (this.stopped) return;
    try {
      await this.send({ op: 'close' });
    } finally {
      this.stop(connectionError('08003', 'the read model\'s database is closed'));
      await worker.terminate();
    }
  }

  /** An attached client leaves: its port is closed, the database stays open for the others. */
  detach(port: MessagePort): void {
    this.stop(connectionError('08003', 'this connection to the read model is closed'));
    port.close();
  }

  /** The port's other end is gone (the database thread ended). */
  lost(): void {
    this.stop(connectionError('08006', 'the read model\'s database thread is gone'));
  }

  private wait(id: number): Promise<unknown[] | undefined> {
    return new Promise((resolve, reject) => {
      // A thread that has work to do holds the process open; an idle one does not (as PGlite in process did not).
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  private stop(err: Error): void {
    if (this.stopped) return;
    this.stopped = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.worker.unref();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly urgent: Database;
  constructor(private readonly thread: PgliteThread, private readonly closeThread: () => Promise<void>, private readonly isUrgent = false, normal?: PgliteDatabase) {
    this.urgent = isUrgent ? this : new PgliteDatabase(thread, closeThread, true, this);
    this.normal = normal ?? this;
  }
  private readonly normal: PgliteDatabase;
  async query<T>(text: string, params: unknown[] = []): Promise<{ rows: T[] }> {
    return { rows: (await this.thread.send({ op: 'query', text, params, urgent: this.isUrgent })) as T[] };
  }
  async exec(text: string): Promise<void> {
    await this.thread.send({ op: 'exec', text, urgent: this.isUrgent });
  }
  async queryWith<T>(settings: readonly string[], text: string, params: unknown[] = []): Promise<{ rows: T[] }> {
    return { rows: (await this.thread.send({ op: 'query', text, params, urgent: this.isUrgent, settings })) as T[] };
  }
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const tx = this.thread.nextTransaction();
    await this.thread.send({ op: 'begin', tx, urgent: this.isUrgent });
    let result: T;
    try {
      result = await fn({ query: async <R>(text: string, params: unknown[] = []) => ({ rows: (await this.thread.send({ op: 'query', text, params, urgent: this.isUrgent, tx })) as R[] }) });
    } catch (err) {
      await this.thread.send({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.thread.send({ op: 'end', tx, commit: true });
    return result;
  }
  async close(): Promise<void> {
    if (this.isUrgent) return this.normal.close();
    await this.closeThread();
  }

  /** A port for another thread's client of this database (connectPglitePort). */
  attach(): Promise<MessagePort> {
    return this.thread.attach();
  }
}

/** A new cluster made by PostgreSQL's initdb in a process of its own (pglite-initdb.ts), in `dir` (which must not exist). */
function initdbProcess(dir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(new URL('./pglite-initdb.js', import.meta.url)), dir], { maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`could not create a PGlite database in ${dir}: ${stderr.trim().split('\n').slice(-5).join(' ') || err.message}`, { cause: err }));
      else resolve();
    });
  });
}

let template: Promise<string> | null = null;

const TEMPLATE_PREFIX = 'popart-pglite-template-';

/**
 * Removes the templates of processes that ended without removing theirs (killed: no 'exit' handler ran). A template's
 * folder is named after its process's pid; one whose process no longer exists is removed, any other left alone.
 */
async function removeStaleTemplates(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = name.startsWith(TEMPLATE_PREFIX) ? parseInt(name.slice(TEMPLATE_PREFIX.length), 10) : NaN;
    if (!(pid > 0) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') await rm(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/**
 * The process's template database: a cluster fresh from initdb, made once per process in a temporary folder (removed
 * when the process exits, or by the next process that makes one if this one was killed) and copied for every new
 * database on disk.
 */
function templateDatabase(): Promise<string> {
  template ??= (async () => {
    await removeStaleTemplates();
    const dir = await mkdtemp(join(tmpdir(), `${TEMPLATE_PREFIX}${process.pid}-`));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await initdbProcess(join(dir, 'pgdata'));
    return join(dir, 'pgdata');
  })().catch((err: unknown) => {
    template = null; // the next database tries again
    throw err;
  });
  return template;
}

/**
 * A new database in `dir` (empty or missing) is a copy of the process's template (templateDatabase), made by
 * PostgreSQL's initdb in a process of its own: PGlite creating it on the database's thread left about 110 MiB per
 * database there (a second PGlite instance, initdb's WASM instance and a tar of the cluster in memory), and a copy is
 * quicker than initdb anyway. It is copied beside `dir` and renamed into place, so that a copy that stops half-way
 * leaves no database that looks whole. A `dir` that holds a database already, or other files, is left to PGlite.
 */
async function createDatabase(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0) return;
  const source = await templateDatabase();
  const fresh = join(dirname(dir), `.${basename(dir)}.new-${process.pid}`);
  await rm(fresh, { recursive: true, force: true });
  try {
    await cp(source, fresh, { recursive: true });
    await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(fresh, dir);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

/** Opens PGlite (in memory when dir is null) on a thread of its own. */
export async function openPgliteThread(dir: string | null): Promise<Database> {
  if (dir !== null) await createDatabase(dir);
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dir, ...await compiledWasm() } satisfies WorkerSetup });
  const thread = new PgliteThread(worker);
  thread.watch(worker);
  try {
    await thread.ready();
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return new PgliteDatabase(thread, () => thread.close(worker));
}

/**
 * A port to the database thread of `db` (opened by openPgliteThread), for a client on another thread: pass it (in a
 * transfer list) and open it there with connectPglitePort. The client's statements share the database's lanes.
 */
export function attachPglite(db: Database): Promise<MessagePort> {
  if (!(db instanceof PgliteDatabase)) throw new Error(`only PGlite's database thread takes other clients (this read model is ${db.kind})`);
  return db.attach();
}

/**
 * The database behind a port from attachPglite, as the same `Database` port (urgent lane and transactions included).
 * close() closes this connection only; the database stays open for its owner.
 */
export function connectPglitePort(port: MessagePort): Database {
  const thread = new PgliteThread(port);
  port.on('close', () => thread.lost());
  port.unref(); // as the thread's own client: only a connection with statements waiting holds the process open
  return new PgliteDatabase(thread, async () => thread.detach(port));
}
