/**
 * The query workers of a node (query-worker.ts): read-only GraphQL operations over HTTP run there, so that the node's
 * thread keeps to the ledger listener, subscriptions and alerts, mutations and sign-in. The node's thread still
 * authenticates, parses and checks each request (size, depth/alias/cost, load budget, introspection) before a worker
 * executes it, and answers the workers' calls for what stays on it (the audit log, the correlator, the ledger).
 *
 * Which operations: queries whose root fields all read the read model through the egress gate (OFF_THREAD_FIELDS);
 * any other operation, or one mixing in another field, runs on the node's thread as before. A worker that dies fails
 * only the requests it held, each answered at once with QUERY_WORKER_FAILED (503), and is replaced; a pool being
 * closed answers what it still holds with NODE_STOPPING.
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { AuditEntry, AuditRecord } from '../modules/audit/index.js';
import type { Viewer } from '../identity.js';
import type { AgencyDirectory } from '../modules/agency/agency-directory.js';
import type { Logger } from '../log.js';
import { OpaServerPolicy } from '../policy/opa-server-policy.js';
import type { PolicyGate } from '../policy/policy.js';
import { WasmPolicy } from '../policy/wasm-policy.js';
import { toWire, type MainCall, type OperationRequest, type ThreadPriority, type ToMain, type ToWorker, type WorkerSetup } from './query-messages.js';

/** Root query fields a worker answers: each reads the read model through the egress gate, nothing else of the node's. */
export const OFF_THREAD_FIELDS: ReadonlySet<string> = new Set(['threats', 'threat', 'explain', 'exportBundle', 'venues', 'venue', 'agencies', 'me', '_version', '__typename']);

/** The HTTP answer to one operation, as Apollo made it in the worker. */
export interface QueryAnswer {
  status: number;
  headers: [string, string][];
  body: string;
  /** An error refuses what the user sent (charged to the user's load budget as in process). */
  refusal: boolean;
}

/** What the node's thread does for its workers. */
export interface MainThreadParts {
  record(record: AuditRecord): Promise<AuditEntry>;
  settled(block: number): Promise<void>;
  evaluate(fn: string, args: string[]): Promise<string>;
}

export interface QueryPoolOptions {
  size: number;
  /** Each worker's setup (on PGlite a port of its own to the database thread, transferred to the worker). */
  setup: () => Promise<WorkerSetup>;
  main: MainThreadParts;
  /** The revision of the node's agency directory (AgencyDirectory.revision). */
  agencies: () => number;
  log: Logger;
}

/** Whether every root field of the operation is one a worker answers. */
function offThread(selections: SelectionSetNode, document: DocumentNode, seen = new Set<string>()): boolean {
  return selections.selections.every((s) => {
    if (s.kind === Kind.FIELD) return OFF_THREAD_FIELDS.has(s.name.value);
    if (s.kind === Kind.INLINE_FRAGMENT) return offThread(s.selectionSet, document, seen);
    if (seen.has(s.name.value)) return true;
    seen.add(s.name.value);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION && offThread(fragment.selectionSet, document, seen);
  });
}

const unavailable = (code: string, message: string): QueryAnswer => ({
  status: 503, headers: [['content-type', 'application/json; charset=utf-8'], ['retry-after', '1']],
  body: `${JSON.stringify({ errors: [{ message, extensions: { code } }] })}\n`, refusal: false,
});

interface Pending { resolve: (answer: QueryAnswer) => void }

/** One worker and the requests it holds. */
class Slot {
  readonly pending = new Map<number, Pending>();
  ready = false;
  /** The thread's id and nice value, as the worker found them once started. */
  thread: ThreadPriority | null = null;

  constructor(readonly worker: Worker) {}

  settleAll(answer: QueryAnswer): void {
    for (const p of this.pending.values()) p.resolve(answer);
    this.pending.clear();
  }
}

export class QueryPool extends EventEmitter<{ dispatch: [Worker] }> {
  private readonly slots = new Set<Slot>();
  private nextId = 1;
  private closing = false;

  private constructor(private readonly opts: QueryPoolOptions) {
    super();
  }

  /** Starts `size` workers and waits until each is ready (a worker that cannot start fails the node's start). */
  static async start(opts: QueryPoolOptions): Promise<QueryPool> {
    const pool = new QueryPool(opts);
    try {
      await Promise.all(Array.from({ length: opts.size }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** The workers running now (replaced ones are not). */
  get workers(): Worker[] {
    return [...this.slots].map((s) => s.worker);
  }

  /** Each ready worker's thread id and nice value (Linux), in the order of `workers`. */
  get threads(): (ThreadPriority | null)[] {
    return [...this.slots].map((s) => s.thread);
  }

  /** How many workers take requests now (a replacement is not ready at once). */
  get readyWorkers(): number {
    return [...this.slots].filter((s) => s.ready).length;
  }

  /** Whether a worker takes this operation: a query whose root fields are all OFF_THREAD_FIELDS, with a worker ready. */
  accepts(operation: OperationDefinitionNode, document: DocumentNode): boolean {
    if (operation.operation !== 'query' || this.closing) return false;
    return [...this.slots].some((s) => s.ready) && offThread(operation.selectionSet, document);
  }

  /** Runs the operation on the least busy worker; a worker's death or the pool's closing is an answer too, never a hang. */
  execute(request: OperationRequest, viewer: Viewer | undefined, clientAddress: string, accept: string | undefined): Promise<QueryAnswer> {
    const ready = [...this.slots].filter((s) => s.ready);
    const slot = ready.reduce<Slot | undefined>((best, s) => (!best || s.pending.size < best.pending.size ? s : best), undefined);
    if (this.closing) return Promise.resolve(unavailable('NODE_STOPPING', 'the node is stopping: ask again shortly'));
    if (!slot) return Promise.resolve(unavailable('QUERY_WORKER_FAILED', 'no query worker is ready (one is being replaced): ask again'));
    const id = this.nextId++;
    return new Promise<QueryAnswer>((resolve) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve });
      slot.worker.postMessage({ kind: 'execute', id, request, viewer, clientAddress, accept, agencies: this.opts.agencies() } satisfies ToWorker);
      this.emit('dispatch', slot.worker);
    });
  }

  /** Ends the workers; requests they still hold are answered NODE_STOPPING. */
  async close(): Promise<void> {
    this.closing = true;
    const slots = [...this.slots];
    this.slots.clear();
    for (const s of slots) s.settleAll(unavailable('NODE_STOPPING', 'the node is stopping: ask again shortly'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private async spawn(): Promise<void> {
    const setup = await this.opts.setup();
    const transferList = setup.database.kind === 'pglite' ? [setup.database.port] : [];
    // NODE_ENV=production in the worker's own environment (a copy; the node's is untouched): graphql-js then skips its
    // development check on every instanceof (about 5 % of a worker's time under fifty analysts, docs/benchmarks.md).
    // What else NODE_ENV would change in Apollo Server the worker sets explicitly (query-worker.ts).
    const env = { ...process.env, NODE_ENV: 'production' };
    const slot = new Slot(new Worker(new URL('./query-worker.js', import.meta.url), { workerData: setup, transferList, env }));
    this.slots.add(slot);
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string): void => {
        this.slots.delete(slot);
        void slot.worker.terminate();
        reject(new Error(`a query worker could not start: ${why}`));
      };
      slot.worker.on('message', (m: ToMain) => {
        if (m.kind === 'ready') {
          slot.ready = true;
          slot.thread = m.thread;
          if (m.thread.error) this.opts.log.warn('a query worker runs at the node\'s priority: its nice value could not be set', { error: m.thread.error });
          if (slot.pending.size === 0) slot.worker.unref();
          resolve();
        } else if (m.kind === 'failed' && m.id === 0) fail(m.message);
        else this.receive(slot, m);
      });
      slot.worker.on('error', (err) => (slot.ready ? this.died(slot, `failed: ${err.message}`) : fail(err.message)));
      slot.worker.on('exit', (code) => (slot.ready ? this.died(slot, `stopped (exit code ${code})`) : fail(`exit code ${code}`)));
    });
  }

  private receive(slot: Slot, m: ToMain): void {
    switch (m.kind) {
      case 'answer':
      case 'failed': {
        const p = slot.pending.get(m.id);
        slot.pending.delete(m.id);
        if (slot.pending.size === 0) slot.worker.unref();
        if (m.kind === 'failed') this.opts.log.error('query failed in a worker', { error: m.message });
        p?.resolve(m.kind === 'answer' ? m : { ...unavailable('INTERNAL_SERVER_ERROR', 'internal error'), status: 500 });
        return;
      }
      case 'call':
        void this.call(m.call).then(
          (value) => slot.worker.postMessage({ kind: 'reply', id: m.id, ok: true, value } satisfies ToWorker),
          (err: unknown) => slot.worker.postMessage({ kind: 'reply', id: m.id, ok: false, error: toWire(err) } satisfies ToWorker),
        );
        return;
      case 'log':
        this.opts.log[m.level](m.msg, m.fields);
        return;
      default:
        return;
    }
  }

  private call(c: MainCall): Promise<unknown> {
    switch (c.method) {
      case 'record': return this.opts.main.record(c.record);
      case 'settled': return this.opts.main.settled(c.block);
      case 'evaluate': return this.opts.main.evaluate(c.fn, c.args);
    }
  }

  /** A worker died: its requests are answered, and another takes its place. */
  private died(slot: Slot, why: string): void {
    if (!this.slots.delete(slot)) return;
    slot.settleAll(unavailable('QUERY_WORKER_FAILED', `the query worker running this request ${why}: ask again`));
    if (this.closing) return;
    this.opts.log.error('a query worker died; starting another', { why });
    const again = (): void => {
      if (this.closing) return;
      this.spawn().catch((err: unknown) => {
        this.opts.log.error('a query worker could not be started; trying again in 5 s', { error: (err as Error).message });
        setTimeout(again, 5000).unref();
      });
    };
    again();
  }
}

/**
 * The default number of query workers: one per node when the machine has a second core for it (bench/read-scale on
 * 2 cores: alerts stop waiting behind analysts' queries), none on a single core (a worker would only add its hop).
 */
export function defaultQueryWorkers(): number {
  return availableParallelism() >= 2 ? 1 : 0;
}

/** What a node gives its query workers. */
export interface QueryWorkersOf {
  size: number;
  version: string;
  ledger: { kind: 'embedded' | 'fabric'; evaluate(fn: string, args: string[]): Promise<string> };
  policy: PolicyGate;
  /** The read model: its connection for each worker (a port to PGlite's thread, or the server's URL). */
  database: () => Promise<WorkerSetup['database']>;
  correlator: Pick<MainThreadParts, 'settled'> & { options: WorkerSetup['correlation'] };
  audit: Pick<MainThreadParts, 'record'>;
  directory: Pick<AgencyDirectory, 'revision'>;
  /** The workers' nice value (default QUERY_WORKER_NICE; 0 = the node's priority). */
  nice?: number;
  log: Logger;
}

/**
 * Query workers run at nice 10 by default: under load the kernel gives a runnable thread of nice 0 about nine times
 * the CPU of one at nice 10, so the threads that store and deliver an alert are not slowed by analysts' queries, which
 * still get every cycle the alerts leave.
 */
export const QUERY_WORKER_NICE = 10;

/**
 * Starts a node's query workers, or none (null) when `size` is 0 or the policy is one a worker cannot open a copy of
 * (only the wasm policy and an OPA server can be: then everything runs on the node's thread, and the log says why).
 */
export async function startQueryWorkers(o: QueryWorkersOf): Promise<QueryPool | null> {
  if (o.size === 0) return null;
  const policy: WorkerSetup['policy'] | null = o.policy instanceof OpaServerPolicy ? { runtime: 'opa-server', url: o.policy.url, revision: o.policy.revision }
    : o.policy instanceof WasmPolicy ? { runtime: 'wasm' } : null;
  if (!policy) {
    o.log.warn('queries run on the node\'s thread: a query worker cannot open this policy runtime', { runtime: o.policy.runtime });
    return null;
  }
  const pool = await QueryPool.start({
    size: o.size, log: o.log, agencies: () => o.directory.revision,
    setup: async () => ({ version: o.version, ledgerKind: o.ledger.kind, policy, correlation: o.correlator.options, nice: o.nice ?? QUERY_WORKER_NICE, database: await o.database() }),
    main: { record: (r) => o.audit.record(r), settled: (b) => o.correlator.settled(b), evaluate: (fn, args) => o.ledger.evaluate(fn, args) },
  });
  o.log.info('query workers ready', { workers: o.size, policy: policy.runtime, nice: pool.threads.map((t) => t?.nice ?? null) });
  return pool;
}
