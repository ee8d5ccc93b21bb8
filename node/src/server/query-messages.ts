/** What the node's thread and a query worker (query-worker.ts) say to each other, and errors as they cross. */
import type { MessagePort } from 'node:worker_threads';
import type { AuditRecord } from '../modules/audit/index.js';
import type { CorrelationOptions } from '../modules/correlation/correlator.js';
import type { Viewer } from '../identity.js';
import { NodeError, type InputIssue, type NodeErrorCode } from '../errors.js';

/** A worker thread's id in the kernel and the nice value it runs at (null: the platform has neither). */
export interface ThreadPriority { tid: number | null; nice: number | null; error?: string }

export interface WorkerSetup {
  version: string;
  ledgerKind: 'embedded' | 'fabric';
  /** The worker's own policy instance: the same wasm, or a client of the same OPA server. */
  policy: { runtime: 'wasm' } | { runtime: 'opa-server'; url: string; revision: string };
  /** PGlite: a port to the node's database thread (transferred); PostgreSQL: a small pool of its own. */
  database: { kind: 'pglite'; port: MessagePort } | { kind: 'postgres'; url: string };
  correlation: CorrelationOptions;
  /** The worker thread's nice value (Linux; 0 = the node's own): analysts' queries yield the cores to alerts. */
  nice: number;
}

/** A GraphQL request as the worker runs it: already authenticated, parsed and checked on the node's thread. */
export interface OperationRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** What the worker asks of the node's thread. */
export type MainCall =
  | { method: 'record'; record: AuditRecord }
  | { method: 'settled'; block: number }
  | { method: 'evaluate'; fn: string; args: string[] };

/** An error as it crosses: a NodeError keeps its code, issues and extensions (the same GraphQL error as in process). */
export interface WireError { message: string; code?: NodeErrorCode; issues?: InputIssue[]; extensions?: Record<string, string | number | boolean> }

export type ToWorker =
  /** `agencies`: the revision of the node's agency directory, which the worker's copy catches up with first. */
  | { kind: 'execute'; id: number; request: OperationRequest; viewer: Viewer | undefined; clientAddress: string; accept: string | undefined; agencies: number }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: WireError };

export type ToMain =
  | { kind: 'ready'; thread: ThreadPriority }
  /** The HTTP answer as Apollo made it; `refusal`: an error refuses what the user sent (charged to their budget). */
  | { kind: 'answer'; id: number; status: number; headers: [string, string][]; body: string; refusal: boolean }
  /** The request (or, with id 0, the worker's start) failed outside GraphQL. */
  | { kind: 'failed'; id: number; message: string }
  | { kind: 'call'; id: number; call: MainCall }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> };

export function toWire(err: unknown): WireError {
  if (err instanceof NodeError) return { message: err.message, code: err.code, issues: err.issues, extensions: err.extensions };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function fromWire(e: WireError): Error {
  if (!e.code) return new Error(e.message);
  return new NodeError(e.code, e.message, { ...(e.issues ? { issues: e.issues } : {}), ...(e.extensions ? { extensions: e.extensions } : {}) });
}
