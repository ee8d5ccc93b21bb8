/**
 * The part of fabric-contract-api the contract depends on, in one place.
 *
 * fabric-contract-api is CommonJS and assigns its decorators with Object.assign, which Node's ESM
 * loader cannot see as named exports: everything is taken from the default export here.
 *
 * `TxContext` is the subset of Fabric's transaction context the contract uses. Both a real
 * fabric-contract-api Context (on a peer) and `SimulatedTxContext` (embedded ledger, tests) satisfy
 * it. Its runtime value is fabric-contract-api's Context class, so the decorator metadata of every
 * transaction names the Context type and fabric-contract-api recognises the first parameter as the
 * context rather than as a transaction argument.
 */
import fabric from 'fabric-contract-api';

export const { Contract, Transaction, Returns, Info } = fabric;

/**
 * Loading fabric-shim (through fabric-contract-api) installs process-wide handlers that log an uncaught exception
 * or unhandled rejection and carry on (its winston logger has `exitOnError: false`). A node, or the chaincode
 * server, in an unknown state after such an error must stop and be restarted, not go on serving; and a test
 * process must fail. The two handlers are recognised by their names and removed, restoring Node's own behaviour.
 */
export function restoreCrashOnUncaughtErrors(): void {
  for (const l of process.listeners('uncaughtException')) {
    if (l.name === 'bound _uncaughtException') process.off('uncaughtException', l);
  }
  for (const l of process.listeners('unhandledRejection')) {
    if (l.name === 'loggerUnhandledRejectionFn') process.off('unhandledRejection', l);
  }
}
restoreCrashOnUncaughtErrors();

/** One key/value row from a range or partial composite key query. */
export interface StateRow { key: string; value: Uint8Array }

/**
 * What fabric-shim's state query iterator and the simulated one have in common. On a peer the
 * resolved iterator has next()/close() but no Symbol.asyncIterator, so the contract always walks it
 * with next() (see `collectRows` in records.ts).
 */
export interface StateRowIterator {
  next(): Promise<{ value?: StateRow | undefined; done?: boolean | undefined }>;
  close(): Promise<unknown>;
}

/** Transaction timestamp: `seconds` is a Long on a peer and a number in the simulation. */
export interface TxTimestamp { seconds: number | { toString(): string }; nanos: number }

export interface TxStub {
  getTxID(): string;
  getTxTimestamp(): TxTimestamp;
  getState(key: string): Promise<Uint8Array>;
  putState(key: string, value: Uint8Array): Promise<void>;
  deleteState(key: string): Promise<void>;
  createCompositeKey(objectType: string, attributes: string[]): string;
  getStateByRange(startKey: string, endKey: string): Promise<StateRowIterator>;
  getStateByPartialCompositeKey(objectType: string, attributes: string[]): Promise<StateRowIterator>;
  setEvent(name: string, payload: Uint8Array): void;
  /** Transient data of the proposal: given to the endorsing peers, never recorded in a block. */
  getTransient(): Map<string, Uint8Array>;
  /** Private data collections (see private-data.ts): the value from this peer's copy (members only). */
  getPrivateData(collection: string, key: string): Promise<Uint8Array>;
  /** SHA-256 of a private value, readable on every peer of the channel; empty when absent. */
  getPrivateDataHash(collection: string, key: string): Promise<Uint8Array>;
  putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void>;
  deletePrivateData(collection: string, key: string): Promise<void>;
}

export interface TxContext {
  stub: TxStub;
  clientIdentity: { getMSPID(): string; getID(): string };
}

/** Runtime value behind the `TxContext` type, used only by decorator metadata (see above). */
export const TxContext = fabric.Context as unknown as new () => TxContext;
