/**
 * A query worker (server/query-pool.ts starts it): executes read-only GraphQL operations (queries over HTTP) on a
 * thread of its own, so that their work — GraphQL, the policy, the read model's rows, JSON — never holds the node's
 * thread, which delivers alerts.
 *
 * It holds the schema, a policy instance of its own, a connection to the read model (on PGlite a port to the database
 * thread, on PostgreSQL a small pool of its own) and the read-side services, wired as the node wires them
 * (modules/read-services.ts). What holds the node's state stays on the node's thread and is asked for there: the
 * audit log (one hash chain, written in one place: a consultation is recorded there before this worker releases
 * anything, and a failure to record refuses the request as in process), the correlator's progress and the ledger's
 * agency registry. The user comes authenticated, with their role and stated purpose.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { AuditEntry, AuditRecord } from '../modules/audit/index.js';
import { AgencyDirectory } from '../modules/agency/agency-directory.js';
import { CorrelationStore } from '../modules/correlation/correlation-store.js';
import type { CorrelationSource } from '../modules/correlation/correlation-service.js';
import type { RequestContext, Services } from '../modules/context.js';
import { readServices } from '../modules/read-services.js';
import { EgressGate } from '../modules/threat/egress.js';
import { ThreatStore } from '../modules/threat/threat-store.js';
import { NodeError } from '../errors.js';
import type { Logger } from '../log.js';
import { OpaServerPolicy } from '../policy/opa-server-policy.js';
import type { PolicyGate } from '../policy/policy.js';
import { WasmPolicy } from '../policy/wasm-policy.js';
import { openDatabase, type Database } from '../read-model/database.js';
import { connectPglitePort } from '../read-model/pglite-thread.js';
import { makeFormatError } from './format-error.js';
import { isRefusalCode } from './refusal-codes.js';
import { buildSchema } from './schema.js';
import { fromWire, type MainCall, type ThreadPriority, type ToMain, type ToWorker, type WorkerSetup } from './query-messages.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;

/**
 * This thread runs at a lower scheduling priority than the node's others: when the cores are busy, the thread that
 * delivers alerts and the database thread that stores them get the CPU first, and analysts' queries what is left.
 * On Linux a thread's nice value is its own (setpriority on the thread's id); raising it needs no privilege.
 * Elsewhere (no /proc/thread-self) the thread keeps the node's priority, and says so.
 */
function lowerPriority(nice: number): ThreadPriority {
  let tid: number | null = null;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (nice > 0) setPriority(tid, nice);
    // Field 19 of /proc/<tid>/stat, counted after the command name (which may hold spaces) ends with ')'.
    const stat = readFileSync(`/proc/thread-self/stat`, 'utf8');
    return { tid, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
  } catch (err) {
    return { tid, nice: null, error: err instanceof Error ? err.message : String(err) };
  }
}
const priority = lowerPriority(setup.nice);
const send = (m: ToMain): void => port.postMessage(m);

const log: Logger = {
  info: (msg, fields) => send({ kind: 'log', level: 'info', msg, ...(fields ? { fields } : {}) }),
  warn: (msg, fields) => send({ kind: 'log', level: 'warn', msg, ...(fields ? { fields } : {}) }),
  error: (msg, fields) => send({ kind: 'log', level: 'error', msg, ...(fields ? { fields } : {}) }),
  child: () => log,
};

/** Calls on the node's thread and their answers. */
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextCall = 1;
function call<T>(c: MainCall): Promise<T> {
  const id = nextCall++;
  return new Promise<T>((resolve, reject) => {
    calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
    send({ kind: 'call', id, call: c });
  });
}

/** What this thread does not have: the live paths (subscriptions) and the write side run on the node's thread. */
function notHere(what: string): never {
  throw new NodeError('INTERNAL', `${what} runs on the node's thread, not in a query worker`);
}

async function openParts(): Promise<{ db: Database; policy: PolicyGate }> {
  const db = setup.database.kind === 'pglite'
    ? connectPglitePort(setup.database.port)
    : await openDatabase({ kind: 'postgres', url: setup.database.url, connections: { queries: 2, urgent: 1 } });
  const policy = setup.policy.runtime === 'wasm'
    ? await WasmPolicy.load(undefined, { workers: 0 }) // this thread is already off the node's: no threads of its own
    : new OpaServerPolicy(setup.policy.url, setup.policy.revision);
  return { db, policy };
}

async function start(): Promise<ApolloServer<RequestContext>> {
  const { db, policy } = await openParts();
  const store = new ThreatStore(db);
  await store.loadEndedExercises();
  const directory = new AgencyDirectory({ evaluate: (fn, args) => call<string>({ method: 'evaluate', fn, args }) });
  await directory.refresh();
  const correlator: CorrelationSource = {
    options: setup.correlation,
    store: new CorrelationStore(db),
    settled: (block) => call<void>({ method: 'settled', block }),
    onLinks: () => notHere('the correlations subscription'),
  };
  const read = readServices({
    db, store, gate: new EgressGate(policy, (msp) => directory.keyOf(msp)), directory, correlator,
    live: { onRows: () => notHere('the alerts and related subscriptions') },
    audit: { record: (record: AuditRecord) => call<AuditEntry>({ method: 'record', record }) },
  });
  const present: Partial<Services> = { ...read, agencies: directory, ledgerKind: setup.ledgerKind };
  const services = new Proxy(present, {
    get: (target, key) => (typeof key === 'symbol' || key === 'then' || key in target ? Reflect.get(target, key) : notHere(`services.${key}`)),
  }) as Services;
  const apollo = new ApolloServer<RequestContext>({
    schema: buildSchema(setup.version), formatError: makeFormatError(log), includeStacktraceInErrorResponses: false,
    // Said here, not left to NODE_ENV (production in this thread, query-pool.ts): introspection is the node's thread's
    // to allow or refuse (its plugin), and no caching hint is computed (the node's thread answers no-store).
    introspection: true, plugins: [ApolloServerPluginCacheControlDisabled()],
    stopOnTerminationSignals: false, // a worker gets no signals: the pool ends it
  });
  await apollo.start();
  contextServices = services;
  agencies = { directory, seen: -1, refreshing: null };
  return apollo;
}

let contextServices: Services | null = null;
/**
 * This worker's copy of the agency directory and the node's revision it was last brought to. The egress gate names
 * publishers by agency key: before a request, the copy catches up with the node's directory (which learns a new
 * agency before any of its objects is stored), so the gate here is told what it is told on the node's thread.
 */
let agencies: { directory: AgencyDirectory; seen: number; refreshing: Promise<void> | null } | null = null;

async function agenciesAt(revision: number): Promise<void> {
  const a = agencies!;
  // The node's revisions only grow; a refresh started for an older one is waited for, then another is made.
  while (a.seen < revision) {
    if (!a.refreshing) {
      const target = revision;
      a.refreshing = a.directory.refresh().then(() => { a.seen = Math.max(a.seen, target); }).finally(() => { a.refreshing = null; });
    }
    await a.refreshing;
  }
}

async function execute(apollo: ApolloServer<RequestContext>, m: Extract<ToWorker, { kind: 'execute' }>): Promise<void> {
  await agenciesAt(m.agencies);
  const headers = new HeaderMap([['content-type', 'application/json'], ...(m.accept ? [['accept', m.accept] as [string, string]] : [])]);
  const context: RequestContext = { viewer: m.viewer, services: contextServices!, transport: 'http', clientAddress: m.clientAddress };
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body: m.request },
    context: async () => context,
  });
  let body = '';
  if (result.body.kind === 'complete') body = result.body.string;
  else for await (const chunk of result.body.asyncIterator) body += chunk;
  // (only an answer that may carry errors is read again: a large page is not parsed twice)
  const codes = body.includes('"errors"') ? ((JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] }).errors ?? []).map((e) => e.extensions?.code) : [];
  send({
    kind: 'answer', id: m.id, status: result.status ?? 200, headers: [...result.headers], body,
    refusal: codes.some((c) => typeof c === 'string' && isRefusalCode(c)),
  });
}

const started = start();
port.on('message', (m: ToWorker) => {
  if (m.kind === 'reply') {
    const c = calls.get(m.id);
    calls.delete(m.id);
    if (m.ok) c?.resolve(m.value);
    else c?.reject(fromWire(m.error));
    return;
  }
  void started.then((apollo) => execute(apollo, m)).catch((err: unknown) => {
    send({ kind: 'failed', id: m.id, message: err instanceof Error ? err.message : String(err) });
  });
});
started.then(
  () => send({ kind: 'ready', thread: priority }),
  (err: unknown) => send({ kind: 'failed', id: 0, message: err instanceof Error ? err.message : String(err) }),
);
