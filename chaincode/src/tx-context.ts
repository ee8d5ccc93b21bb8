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

import { createHash } from 'node:crypto';
import { OrderedMap } from '@js-sdsl/ordered-map';

/** Committed world state as seen by a transaction being simulated. */
export interface StateReader {
  /** Value and version (block:tx) of a key, or undefined when absent. */
  get(key: string): { value: Uint8Array; version: string } | undefined;
  /** Keys in [startKey, endKey) in ascending byte order, with values and versions. */
  range(startKey: string, endKey: string): Iterable<{ key: string; value: Uint8Array; version: string }>;
}

/**
 * Private data as held by the organisations' peers (Fabric private data collections). The hash of every
 * private value is public: it lives in the world state under `hashedKey(collection, key)` (see below), is
 * written by the transaction's write set like any key and is readable by every organisation. The value
 * itself is held only by the collection's member organisations.
 */
export interface PrivateStateReader {
  /** Member MSP ids of a collection; undefined for a collection that does not exist. */
  members(collection: string): readonly string[] | undefined;
  /** The value of `key` in `collection` as held by organisation `mspId` (undefined when it holds none). */
  get(mspId: string, collection: string, key: string): Uint8Array | undefined;
}

/** A private write: content that goes only to the collection's members, never into a block. */
export interface PrivateWriteEntry { collection: string; key: string; value: Uint8Array | null /* null = delete */ }

/**
 * Where the hash of a private value is kept in the (public) world state: a key no contract key can take
 * (simple keys may not start with \0, composite keys have a non-empty object type), made of the collection
 * and the SHA-256 of the private key, so the key itself is not disclosed either (as in Fabric's hashed
 * namespace). Its value is the 32-byte SHA-256 of the private value.
 */
export const HASHED_PREFIX = '\u0000\u0000pvt\u0000';
export function hashedKey(collection: string, key: string): string {
  return `${HASHED_PREFIX}${collection}\u0000${createHash('sha256').update(key, 'utf8').digest('hex')}`;
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
  /** Public writes, including the hashes of private values (`hashedKey`). */
  writes: WriteEntry[];
  /** Private values written, for the collections' members only: never recorded in a block. */
  privateWrites: PrivateWriteEntry[];
  event: ChaincodeEvent | null;
}

const COMPOSITE_NS = '\u0000';
const MAX_UNICODE = '\u{10FFFF}';

interface KV { key: string; value: Uint8Array }

/** A ledger without private data collections. */
const NO_COLLECTIONS: PrivateStateReader = { members: () => undefined, get: () => undefined };

/**
 * Private values per organisation in memory, with one collection per organisation by default
 * (`private-<MSP id>`, member: that organisation), as the network's chaincode definition has them.
 * Committed private writes go to every member's copy (`apply`).
 */
export class MemoryPrivateState implements PrivateStateReader {
  private readonly copies = new Map<string, Map<string, Uint8Array>>();
  constructor(private readonly collections: ReadonlyMap<string, readonly string[]>) {}
  /** One collection `private-<msp>` per organisation. */
  static perOrganisation(mspIds: readonly string[]): MemoryPrivateState {
    return new MemoryPrivateState(new Map(mspIds.map((msp) => [privateCollectionOf(msp), [msp]])));
  }
  members(collection: string): readonly string[] | undefined { return this.collections.get(collection); }
  get(mspId: string, collection: string, key: string): Uint8Array | undefined {
    return this.copies.get(mspId)?.get(`${collection}\u0000${key}`);
  }
  /** Commits private writes into the copy of every member of their collection. */
  apply(writes: readonly PrivateWriteEntry[]): void {
    for (const w of writes) {
      for (const msp of this.collections.get(w.collection) ?? []) this.put(msp, w.collection, w.key, w.value);
    }
  }
  /** Sets (or deletes, with null) one organisation's copy of a value. */
  put(mspId: string, collection: string, key: string, value: Uint8Array | null): void {
    let copy = this.copies.get(mspId);
    if (!copy) this.copies.set(mspId, (copy = new Map()));
    if (value === null) copy.delete(`${collection}\u0000${key}`);
    else copy.set(`${collection}\u0000${key}`, value);
  }
  /** Every (collection, key) an organisation holds, for tests. */
  heldBy(mspId: string): { collection: string; key: string; value: Uint8Array }[] {
    return [...(this.copies.get(mspId) ?? [])].map(([k, value]) => {
      const cut = k.indexOf('\u0000');
      return { collection: k.slice(0, cut), key: k.slice(cut + 1), value };
    });
  }
}

/** The private data collection of an organisation: `private-<MSP id>` (as in network-config's chaincode definition). */
export function privateCollectionOf(mspId: string): string {
  return `private-${mspId}`;
}

/** Async iterator with the shape of fabric-shim's StateQueryIterator (next/close and for-await). */
class StateIterator implements AsyncIterable<KV> {
  private index = 0;
  constructor(private readonly rows: KV[]) {}
  async next(): Promise<{ value: KV; done: false } | { value: undefined; done: true }> {
    const row = this.rows[this.index++];
    return row ? { value: row, done: false } : { value: undefined, done: true };
  }
  async close(): Promise<void> { this.index = this.rows.length; }
  [Symbol.asyncIterator](): AsyncIterator<KV> {
    return { next: () => this.next() as Promise<IteratorResult<KV>> };
  }
}

/**
 * The subset of fabric-shim's ChaincodeStub the contract uses, simulated against committed state.
 * Like Fabric, reads see committed state only (a transaction does not read its own writes).
 */
export class SimulatedStub {
  private readonly reads = new Map<string, string | null>();
  private readonly writes = new Map<string, Uint8Array | null>();
  private readonly privateWrites = new Map<string, PrivateWriteEntry>();
  private event: ChaincodeEvent | null = null;

  constructor(private readonly state: StateReader, private readonly tx: TxInfo, private readonly privateState: PrivateStateReader = NO_COLLECTIONS) {}

  getTxID(): string { return this.tx.txId; }
  getTxTimestamp(): { seconds: number; nanos: number } {
    const ms = this.tx.timestamp.getTime();
    return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
  }
  getDateTimestamp(): Date { return new Date(this.tx.timestamp.getTime()); }
  getMspID(): string { return this.tx.mspId; }
  getTransient(): Map<string, Uint8Array> { return this.tx.transient ?? new Map(); }

  async getState(key: string): Promise<Uint8Array> {
    const hit = this.state.get(key);
    this.reads.set(key, hit?.version ?? null);
    return hit?.value ?? new Uint8Array(0);
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    if (key === '') throw new Error('key must not be empty');
    if (key.startsWith(HASHED_PREFIX)) throw new Error('a key may not start with the private data hash prefix');
    this.writes.set(key, Uint8Array.from(value));
  }
  async deleteState(key: string): Promise<void> {
    if (key.startsWith(HASHED_PREFIX)) throw new Error('a key may not start with the private data hash prefix');
    this.writes.set(key, null);
  }

  /**
   * Private data, as on a peer with memberOnlyRead collections: the caller's organisation must be a member
   * of the collection, and the value comes from that organisation's own copy (empty when it holds none).
   * Like Fabric, a transaction does not read its own private writes.
   */
  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    const members = this.collectionMembers(collection);
    if (!members.includes(this.tx.mspId)) {
      throw new Error(`tx creator does not have read access permission on privatedata in collectionName: ${collection}`);
    }
    const hashed = hashedKey(collection, key);
    this.reads.set(hashed, this.state.get(hashed)?.version ?? null);
    return this.privateState.get(this.tx.mspId, collection, key) ?? new Uint8Array(0);
  }
  /** The SHA-256 of a private value, readable by every organisation (empty when there is none). */
  async getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    this.collectionMembers(collection);
    const hashed = hashedKey(collection, key);
    const hit = this.state.get(hashed);
    this.reads.set(hashed, hit?.version ?? null);
    return hit?.value ?? new Uint8Array(0);
  }
  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    if (key === '') throw new Error('key must not be empty');
    this.collectionMembers(collection);
    const copy = Uint8Array.from(value);
    this.writes.set(hashedKey(collection, key), new Uint8Array(createHash('sha256').update(copy).digest()));
    this.privateWrites.set(`${collection}\u0000${key}`, { collection, key, value: copy });
  }
  async deletePrivateData(collection: string, key: string): Promise<void> {
    this.collectionMembers(collection);
    this.writes.set(hashedKey(collection, key), null);
    this.privateWrites.set(`${collection}\u0000${key}`, { collection, key, value: null });
  }
  private collectionMembers(collection: string): readonly string[] {
    const members = this.privateState.members(collection);
    if (!members) throw new Error(`collection ${collection} could not be found`);
    return members;
  }
  async getStateByRange(startKey: string, endKey: string): Promise<StateIterator> {
    for (const key of [startKey, endKey]) {
      // Like fabric-shim: a range query may not start or end inside the composite key namespace.
      if (key.startsWith(COMPOSITE_NS)) throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
    return this.rangeRows(startKey, endKey);
  }
  private rangeRows(startKey: string, endKey: string): StateIterator {
    const end = endKey === '' ? MAX_UNICODE : endKey;
    const rows: KV[] = [];
    for (const r of this.state.range(startKey, end)) {
      this.reads.set(r.key, r.version);
      rows.push({ key: r.key, value: r.value });
    }
    return new StateIterator(rows);
  }
  createCompositeKey(objectType: string, attributes: string[]): string {
    // Like fabric-shim: the object type and every attribute must be non-empty strings.
    for (const part of [objectType, ...attributes]) {
      if (typeof part !== 'string' || part.length === 0) throw new Error('object type or attribute not a non-zero length string');
    }
    return COMPOSITE_NS + objectType + COMPOSITE_NS + attributes.map((a) => a + COMPOSITE_NS).join('');
  }
  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    const parts = compositeKey.split(COMPOSITE_NS).slice(1, -1);
    return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
  }
  async getStateByPartialCompositeKey(objectType: string, attributes: string[]): Promise<StateIterator> {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.rangeRows(prefix, prefix + MAX_UNICODE);
  }
  setEvent(name: string, payload: Uint8Array): void {
    if (name === '') throw new Error('event name must not be empty');
    this.event = { name, payload: Uint8Array.from(payload) }; // Fabric keeps only the last event of a transaction
  }

  /** The read/write set recorded so far (writes in the order keys were first written). */
  rwSet(): RwSet {
    return {
      reads: [...this.reads].map(([key, version]) => ({ key, version })),
      writes: [...this.writes].map(([key, value]) => ({ key, value })),
      privateWrites: [...this.privateWrites.values()],
      event: this.event,
    };
  }
}

/** The subset of fabric-contract-api's ClientIdentity the contract uses. */
export class SimulatedClientIdentity {
  constructor(private readonly tx: TxInfo) {}
  getMSPID(): string { return this.tx.mspId; }
  getID(): string { return this.tx.clientId; }
}

/** A transaction context with the same shape as fabric-contract-api's Context. */
export class SimulatedTxContext {
  readonly stub: SimulatedStub;
  readonly clientIdentity: SimulatedClientIdentity;
  constructor(state: StateReader, tx: TxInfo, privateState?: PrivateStateReader) {
    this.stub = new SimulatedStub(state, tx, privateState);
    this.clientIdentity = new SimulatedClientIdentity(tx);
  }
}

/**
 * Key order of the world state: the byte order of the keys' UTF-8, as Fabric's state database (and the embedded
 * ledger's store) sorts them. It equals JavaScript string order except that characters above U+FFFF (surrogate
 * pairs in UTF-16) sort after U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800–DFFF) move above E000–FFFF: then UTF-16 code units compare like code points.
    const fx = x >= 0xe000 ? x - 0x800 : x >= 0xd800 ? x + 0x2000 : x;
    const fy = y >= 0xe000 ? y - 0x800 : y >= 0xd800 ? y + 0x2000 : y;
    return fx - fy;
  }
  return a.length - b.length;
}

/**
 * A plain in-memory committed state, for tests and small tools (the embedded ledger keeps its world state on
 * disk). Keys are kept in an ordered map (a red-black tree): inserts, deletes and the start of a range cost
 * O(log n). Order is `compareKeys`. A range is read lazily: consume it before applying further writes.
 */
export class MemoryState implements StateReader {
  private readonly entries = new OrderedMap<string, { value: Uint8Array; version: string }>([], compareKeys);
  get(key: string): { value: Uint8Array; version: string } | undefined { return this.entries.getElementByKey(key); }
  *range(startKey: string, endKey: string): Iterable<{ key: string; value: Uint8Array; version: string }> {
    const end = this.entries.end();
    for (const it = this.entries.lowerBound(startKey); !it.equals(end); it.next()) {
      const [key, e] = it.pointer;
      if (compareKeys(key, endKey) >= 0) return;
      yield { key, value: e.value, version: e.version };
    }
  }
  /** Apply a committed write set at a version (e.g. "12:3" = block 12, tx 3). */
  apply(writes: readonly WriteEntry[], version: string): void {
    for (const w of writes) {
      if (w.value === null) this.entries.eraseElementByKey(w.key);
      else this.entries.setElement(w.key, { value: w.value, version });
    }
  }
  get size(): number { return this.entries.size(); }
  /** Every key in ascending order (a copy). */
  keys(): string[] {
    const out: string[] = [];
    this.entries.forEach(([key]) => { out.push(key); });
    return out;
  }
}
