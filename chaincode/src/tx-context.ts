/**
 * The transaction context the ThreatExchange contract runs in, outside a Fabric peer.
 *
 * On a Fabric peer the contract receives fabric-contract-api's Context (stub + clientIdentity).
 * The contract only uses the subset of that API declared here, so the same contract class runs
 * unchanged against `SimulatedTxContext` (used by the embedded ledger and by the unit tests).
 *
 * A simulated transaction reads from a `StateReader` (committed world state) and records every
 * read (key + version) and write in a read/write set; nothing touches the state until the caller
 * commits the write set. This mirrors Fabric's endorse-then-commit model.
 */

/** Committed world state as seen by a transaction being simulated. */
export interface StateReader {
  /** Value and version (block:tx) of a key, or undefined when absent. */
  get(key: string): { value: Uint8Array; version: string } | undefined;
  /** Keys in [startKey, endKey) in ascending byte order, with values and versions. */
  range(startKey: string, endKey: string): Iterable<{ key: string; value: Uint8Array; version: string }>;
}

/** What the transaction is and who sent it (from the signed proposal). */
export interface TxInfo {
  txId: string;
  /** Transaction timestamp, chosen by the client and signed with the proposal: the only clock the contract sees. */
  timestamp: Date;
  /** MSP id of the submitting organisation, e.g. "PnMSP". */
  mspId: string;
  /** Subject of the submitting identity, e.g. "x509::CN=pn-node::..." (informational). */
  clientId: string;
  /** Transient (private, not recorded on the ledger) inputs. */
  transient?: Map<string, Uint8Array>;
}

export interface ReadEntry { key: string; version: string | null }
export interface WriteEntry { key: string; value: Uint8Array | null /* null = delete */ }
export interface ChaincodeEvent { name: string; payload: Uint8Array }

/** The read/write set and event produced by simulating one transaction. */
export interface RwSet {
  reads: ReadEntry[];
  writes: WriteEntry[];
  event: ChaincodeEvent | null;
}
