/**
 * The thread PGlite runs on (node/src/read-model/pglite-thread.ts starts it): one PGlite instance per worker, so that the
 * database's work (WASM, most of a node's CPU under query load) never holds the thread that delivers alerts.
 *
 * PGlite runs one statement at a time. The statements wait here in two lanes, urgent ones (the ledger listener's writes,
 * the audit log's) first, each lane in order. A transaction holds the database from its BEGIN to its COMMIT or ROLLBACK:
 * its statements come with its id and run at once, every other statement waits.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgliteStartParams } from './pglite-settings.js';
import type { WorkerError, WorkerReply, WorkerRequest, WorkerSetup } from './pglite-thread.js';

/** One statement (or transaction) at a time, urgent ones first, each lane in order. */
class Lanes {
  private readonly waiting: [(() => Promise<void>)[], (() => Promise<void>)[]] = [[], []];
  private busy = false;
  private scheduled = false;

  add(urgent: boolean, job: () => Promise<void>): void {
    this.waiting[urgent ? 0 : 1].push(job);
    this.schedule();
  }

  /**
   * The next job is chosen after the messages that have arrived meanwhile are queued (setImmediate runs after the
   * event loop has delivered them): an urgent statement sent while a long query ran goes next, not after the queries
   * whose messages came in the same batch.
   */
  private schedule(): void {
    if (this.busy || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.busy) return;
      const job = this.waiting[0].shift() ?? this.waiting[1].shift();
      if (!job) return;
      this.busy = true;
      void job().finally(() => {
        this.busy = false;
        this.schedule();
      });
    });
  }
}

/** What a PostgreSQL error says (message, code, detail, constraint…), as plain fields that cross to the other thread. */
function errorFields(err: unknown): WorkerError {
  const e = (err ?? {}) as Record<string, unknown>;
  const fields: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: err instanceof Error ? err.message : String(err),
    fields,
  };
}

const setup = workerData as WorkerSetup;
// pg_trgm (the text index) and btree_gist (the area index, with the time): PGlite ships both; they are loaded here
// and created by the migration (query-indexes.ts).
const options = {
  extensions: { pg_trgm, btree_gist }, pgliteWasmModule: setup.pgliteWasmModule, initdbWasmModule: setup.initdbWasmModule, startParams: pgliteStartParams(),
};
const db = setup.dir ? new PGlite(setup.dir, options) : new PGlite(options);
const lanes = new Lanes();
/** The transaction holding the database (its client's and its own id) and what ends its slot. */
let current: { client: number; id: number; release: () => void } | null = null;
let nextClient = 1;

const statement = (m: WorkerRequest & { op: 'query' | 'exec' }) => async (): Promise<unknown[] | undefined> => {
  if (m.op === 'exec') {
    await db.exec(m.text);
    return undefined;
  }
  const { settings } = m;
  if (settings?.length && m.tx === undefined) {
    // The statement's own settings, in a transaction that this thread runs from BEGIN to COMMIT without waiting.
    return db.transaction(async (tx) => {
      for (const setting of settings) await tx.exec(`SET LOCAL ${setting}`);
      return (await tx.query(m.text, m.params)).rows;
    });
  }
  return (await db.query(m.text, m.params)).rows;
};

/**
 * Serves one client: the thread that opened the database (client 0, on parentPort) or one attached later through a
 * port of its own (a query worker). Each client numbers its transactions; the pair (client, tx) names one. Only the
 * owner closes the database; an attached client that goes away (its thread ended) gives up the transaction it held.
 */
function serve(port: MessagePort, client: number): void {
  const reply = (id: number, run: () => Promise<unknown[] | undefined>): Promise<void> => run().then(
    (rows) => port.postMessage({ id, ok: true, rows } satisfies WorkerReply),
    (err: unknown) => port.postMessage({ id, ok: false, error: errorFields(err) } satisfies WorkerReply),
  );
  const holds = (tx: number): boolean => current?.client === client && current.id === tx;
  const endTransaction = async (commit: boolean): Promise<void> => {
    const tx = current;
    try {
      await db.query(commit ? 'COMMIT' : 'ROLLBACK');
    } finally {
      current = null;
      tx?.release();
    }
  };
  port.on('message', (m: WorkerRequest) => {
    switch (m.op) {
      case 'query':
      case 'exec':
        if (m.tx === undefined) lanes.add(m.urgent, () => reply(m.id, statement(m)));
        else if (holds(m.tx)) void reply(m.id, statement(m));
        else void reply(m.id, () => Promise.reject(new Error('the transaction has ended')));
        return;
      case 'begin':
        lanes.add(m.urgent, () => new Promise<void>((release) => {
          void reply(m.id, async () => {
            try {
              await db.query('BEGIN');
            } catch (err) {
              release();
              throw err;
            }
            current = { client, id: m.tx, release };
            return undefined;
          });
        }));
        return;
      case 'end':
        if (!holds(m.tx)) void reply(m.id, () => Promise.reject(new Error('the transaction has ended')));
        else void reply(m.id, async () => (await endTransaction(m.commit), undefined));
        return;
      case 'attach':
        serve(m.port, nextClient++);
        void reply(m.id, async () => undefined);
        return;
      case 'close':
        if (client !== 0) void reply(m.id, () => Promise.reject(new Error('only the database\'s owner closes it')));
        else lanes.add(false, () => reply(m.id, async () => (await db.close(), undefined)));
        return;
    }
  });
  if (client !== 0) {
    port.on('close', () => {
      if (current?.client === client) void endTransaction(false).catch(() => undefined);
    });
  }
}

const port = parentPort as unknown as MessagePort;
serve(port, 0);

db.waitReady.then(
  () => port.postMessage({ id: 0, ok: true, rows: undefined } satisfies WorkerReply),
  (err: unknown) => port.postMessage({ id: 0, ok: false, error: errorFields(err) } satisfies WorkerReply),
);
