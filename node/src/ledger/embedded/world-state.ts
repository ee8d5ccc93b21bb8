/**
 * The embedded ledger's world state on disk: an LMDB environment in `<dir>/state/` (a B+tree, memory-mapped:
 * O(log n) inserts and range scans, values read from the file, not held in the JavaScript heap).
 *
 * Three databases in one environment, written together in one LMDB transaction per block (or per batch of
 * blocks when replaying), so the store is always a consistent snapshot of the state after some block:
 *   state  UTF-8 key → [version length][version "block:tx"][value]   (byte order = Fabric's key order)
 *   txids  SHA-256 of a txId → version                               (duplicate txIds refused across restarts)
 *   meta   "head" → { height, lastHash, digest }                      (the snapshot's block height and hash)
 * An organisation's private store (private-store.ts) is a store of the same kind, of its own, opened with `privateData`
 * to use two more (the world state does not open them):
 *   private     <MSP id> \0 <collection> \0 <key> → value         (the organisation's private values)
 *   transients  SHA-256 of a txId → JSON of its transient data       (what it submitted, for re-execution)
 *   and in meta "private" → { <MSP id>: { offset, sha256 } }           (how much of its private log the store holds)
 * `digest` is the XOR of SHA-256(key, 0, entry) over every entry, kept up to date on each write, so that a scan
 * of the store can tell whether its content is still what the ledger wrote (see `scanDigest`).
 *
 * Sealing: closing the store writes `<dir>/state/snapshot.json` { height, lastHash, digest, fileSha256 } (temp file,
 * rename), the SHA-256 of the closed data file; opening hashes the file again (about 1 GB/s, in a worker thread
 * while the block log is checked: `openChecking`) and removes the seal before anything is written. A store found without its seal (the ledger stopped without closing) is checked by
 * the slower entry scan instead.
 */
import { createHash } from 'node:crypto';
import { mkdir, open as openFile, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { StateReader, WriteEntry } from '@popart/chaincode';
import { fileSha256 } from './file-hash.js';

/** The world state the ledger applies committed write sets to. */
export interface CommittedState extends StateReader {
  apply(writes: readonly WriteEntry[], version: string): void;
}

/** Which block the stored state is the state after. */
export interface StateHead {
  /** Blocks applied (the next block to apply is number `height`). */
  height: number;
  /** Hash of block `height - 1`. */
  lastHash: string;
  /** XOR of the entries' SHA-256 (hex). */
  digest: string;
}

/**
 * Address space reserved for the map (the file grows only as needed): large enough that lmdb never remaps while
 * the ledger runs (each remap kept the old mapping, counting the same pages several times in RSS).
 */
const MAP_SIZE = 2 ** 36;

/** LMDB's limit on key size (bytes). */
export const MAX_KEY_BYTES = 1978;

const HEAD = Buffer.from('head');
const PRIVATE_MARK = Buffer.from('private');

/** How much of one organisation's private log (private-store.ts) the snapshot holds: its first `offset` bytes, and their SHA-256. */
export interface PrivateLogMark { offset: number; sha256: string }
export type PrivateMarks = Record<string, PrivateLogMark>;

const privateKey = (mspId: string, collection: string, key: string): Buffer => Buffer.from(`${mspId}\u0000${collection}\u0000${key}`, 'utf8');
const encodeKey = (key: string): Buffer => Buffer.from(key, 'utf8');

function entryOf(value: Uint8Array, version: string): Buffer {
  const v = Buffer.from(version, 'latin1');
  return Buffer.concat([Buffer.from([v.length]), v, value]);
}

function decodeEntry(entry: Buffer): { value: Uint8Array; version: string } {
  const n = entry[0] as number;
  return { version: entry.toString('latin1', 1, 1 + n), value: entry.subarray(1 + n) };
}

function xorInto(acc: Buffer, key: Buffer, entry: Buffer): void {
  const h = createHash('sha256').update(key).update(Buffer.from([0])).update(entry).digest();
  for (let i = 0; i < 32; i++) acc[i] = (acc[i] as number) ^ (h[i] as number);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (key: string): boolean => !LONE_SURROGATE.test(key);

/** Why a key cannot be stored (not well-formed UTF-16, or too long), or null. */
export function keyProblem(key: string): string | null {
  if (!wellFormed(key)) return `the key ${JSON.stringify(key)} is not well-formed Unicode (a lone surrogate)`;
  const bytes = Buffer.byteLength(key, 'utf8');
  return bytes > MAX_KEY_BYTES ? `a key of ${bytes} bytes is longer than the ${MAX_KEY_BYTES} bytes the world state takes` : null;
}

/** How the store was found when opened: sealed and intact, sealed but altered since, or without a seal. */
export type SealCheck = 'intact' | 'altered' | 'unsealed';

export interface OpenOptions {
  /** An organisation's private store (private-store.ts): also its private values and transient data. */
  privateData?: boolean;
}

interface Seal extends StateHead { fileSha256: string }

const SEAL_FILE = 'snapshot.json';
const DATA_FILE = 'data.mdb';

/** The SHA-256 of a file computed in a worker thread (file-hash-worker.ts); '' when it cannot be read. */
function hashInWorker(path: string): Promise<string> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./file-hash-worker.js', import.meta.url), { workerData: { path } });
    let done = false;
    const finish = (hash: string): void => {
      if (done) return;
      done = true;
      resolve(hash);
      void worker.terminate();
    };
    worker.once('message', (m: { sha256?: string }) => finish(m.sha256 ?? ''));
    worker.once('error', () => finish(''));
    worker.once('exit', () => finish(''));
  });
}

async function readSeal(dir: string): Promise<Seal | null> {
  try {
    return JSON.parse(await readFile(join(dir, SEAL_FILE), 'utf8')) as Seal;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { height: -1, lastHash: '', digest: '', fileSha256: '' }; // unreadable: found altered
  }
}

export class DiskState implements CommittedState {
  private digest: Buffer;
  private headValue: StateHead | null;

  private constructor(private readonly dir: string, private readonly fsync: boolean, private readonly root: RootDatabase, private readonly state: Database<Buffer, Buffer>,
    private readonly txids: Database<Buffer, Buffer>, private readonly meta: Database<Buffer, Buffer>,
    private readonly privateDbs: { values: Database<Buffer, Buffer>; transients: Database<Buffer, Buffer> } | null) {
    const raw = meta.get(HEAD);
    this.headValue = raw ? JSON.parse(raw.toString('utf8')) as StateHead : null;
    this.digest = Buffer.from(this.headValue?.digest ?? '0'.repeat(64), 'hex');
  }

  /**
   * Opens (or creates) the store in the folder `dir` (a name without a dot: lmdb takes a path with an extension
   * for a file), checking and removing its seal; `fsync` false lets the OS
   * flush (the block log is the durable record: a store that lost its last blocks has them replayed).
   */
  static async open(dir: string, fsync: boolean, options: OpenOptions = {}): Promise<{ state: DiskState; seal: SealCheck }> {
    const { state, seal } = await DiskState.openChecking(dir, fsync, options);
    return { state, seal: await seal };
  }

  /**
   * As `open`, but the data file is hashed against its seal in a worker thread while the caller goes on: the caller
   * must not write to the store before `seal` resolves (the digest is of the file as it was closed). `seal` never rejects.
   */
  static async openChecking(dir: string, fsync: boolean, options: OpenOptions = {}): Promise<{ state: DiskState; seal: Promise<SealCheck> }> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const seal = await readSeal(dir);
    const fileHash = seal ? hashInWorker(join(dir, DATA_FILE)) : Promise.resolve('');
    if (seal) await rm(join(dir, SEAL_FILE), { force: true });
    const root = open({ path: dir, compression: false, noSync: !fsync, mapSize: MAP_SIZE, maxDbs: options.privateData ? 5 : 3, encoding: 'binary', keyEncoding: 'binary' });
    const db = (name: string): Database<Buffer, Buffer> => root.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary', compression: false });
    const state = new DiskState(dir, fsync, root, db('state'), db('txids'), db('meta'), options.privateData ? { values: db('private'), transients: db('transients') } : null);
    const head = state.head();
    const matches = !!seal && !!head && seal.height === head.height && seal.lastHash === head.lastHash && seal.digest === head.digest;
    return { state, seal: fileHash.then((hash): SealCheck => (!seal ? 'unsealed' : matches && hash === seal.fileSha256 ? 'intact' : 'altered')) };
  }

  /** The private-data databases: only in an organisation's private store (opened with `privateData`). */
  private private(): { values: Database<Buffer, Buffer>; transients: Database<Buffer, Buffer> } {
    if (!this.privateDbs) throw new Error(`the store in ${this.dir} holds no private data: open it with { privateData: true }`);
    return this.privateDbs;
  }

  /** The block the stored state is at, or null for a new (empty) store. */
  head(): StateHead | null { return this.headValue; }

  get(key: string): { value: Uint8Array; version: string } | undefined {
    if (!wellFormed(key)) return undefined;
    const raw = this.state.get(encodeKey(key));
    return raw ? decodeEntry(raw) : undefined;
  }

  *range(startKey: string, endKey: string): Iterable<{ key: string; value: Uint8Array; version: string }> {
    for (const { key, value } of this.state.getRange({ start: encodeKey(startKey), end: encodeKey(endKey) })) {
      yield { key: key.toString('utf8'), ...decodeEntry(value) };
    }
  }

  /** Applies one transaction's writes; only inside `commit`. */
  apply(writes: readonly WriteEntry[], version: string): void {
    for (const w of writes) {
      const key = encodeKey(w.key);
      const old = this.state.get(key);
      if (old) xorInto(this.digest, key, old);
      if (w.value === null) {
        if (old) this.state.removeSync(key);
      } else {
        const entry = entryOf(w.value, version);
        xorInto(this.digest, key, entry);
        this.state.putSync(key, entry);
      }
    }
  }

  /** Whether a transaction with this id was committed (in a block the store holds). */
  hasTx(txId: string): boolean {
    return this.txids.get(txIdKey(txId)) !== undefined;
  }

  /**
   * Runs `work` (which calls `apply` and `recordTx`) in one LMDB transaction and records the new head: the
   * store then holds the state after block `height - 1`, whose hash is `lastHash`, or, if anything throws,
   * exactly what it held before.
   */
  commit(height: number, lastHash: string, work: () => void): void {
    const before = Buffer.from(this.digest);
    try {
      this.root.transactionSync(() => {
        work();
        const head: StateHead = { height, lastHash, digest: this.digest.toString('hex') };
        this.meta.putSync(HEAD, Buffer.from(JSON.stringify(head), 'utf8'));
        this.headValue = head;
      });
    } catch (err) {
      this.digest = before;
      const raw = this.meta.get(HEAD);
      this.headValue = raw ? JSON.parse(raw.toString('utf8')) as StateHead : null;
      throw err;
    }
  }

  /** Records a committed transaction id; only inside `commit`. */
  recordTx(txId: string, version: string): void {
    this.txids.putSync(txIdKey(txId), Buffer.from(version, 'latin1'));
  }

  /** The value `mspId` holds for `key` in `collection` (its private data), or undefined. */
  privateGet(mspId: string, collection: string, key: string): Buffer | undefined {
    if (!wellFormed(key)) return undefined;
    return this.private().values.get(privateKey(mspId, collection, key));
  }

  /** Stores (or, with null, deletes) a private value of `mspId`; only inside `commit` or `transaction`. */
  privatePut(mspId: string, collection: string, key: string, value: Uint8Array | null): void {
    const k = privateKey(mspId, collection, key);
    if (value === null) this.private().values.removeSync(k);
    else this.private().values.putSync(k, Buffer.from(value));
  }

  /** Every private value `mspId` holds, in key order. */
  *privateEntries(mspId: string): Iterable<{ collection: string; key: string; value: Buffer }> {
    const prefix = Buffer.from(`${mspId}\u0000`, 'utf8');
    const end = Buffer.from(`${mspId}\u0001`, 'utf8');
    for (const { key, value } of this.private().values.getRange({ start: prefix, end })) {
      const rest = key.toString('utf8', prefix.length);
      const cut = rest.indexOf('\u0000');
      yield { collection: rest.slice(0, cut), key: rest.slice(cut + 1), value };
    }
  }

  /** The transient data kept for a transaction (JSON text), or undefined. */
  transientGet(txId: string): string | undefined {
    return this.private().transients.get(txIdKey(txId))?.toString('utf8');
  }

  /** Keeps a transaction's transient data; only inside `commit` or `transaction`. */
  transientPut(txId: string, json: string): void {
    this.private().transients.putSync(txIdKey(txId), Buffer.from(json, 'utf8'));
  }

  /** How much of each private log the snapshot holds (empty for a new store). */
  privateMarks(): PrivateMarks {
    const raw = this.meta.get(PRIVATE_MARK);
    return raw ? JSON.parse(raw.toString('utf8')) as PrivateMarks : {};
  }

  /** Records how much of each private log the snapshot holds; only inside `commit` or `transaction`. */
  setPrivateMarks(marks: PrivateMarks): void {
    this.meta.putSync(PRIVATE_MARK, Buffer.from(JSON.stringify(marks), 'utf8'));
  }

  /** Runs `work` in one LMDB transaction without moving the head (private values applied after a replay). */
  transaction(work: () => void): void {
    this.root.transactionSync(work);
  }

  /** Number of keys in the state. */
  get size(): number { return this.state.getCount(); }

  /** The digest recomputed from every entry in the store (hex): equals `head().digest` unless the store was altered. */
  scanDigest(): string {
    const acc = Buffer.alloc(32);
    for (const { key, value } of this.state.getRange({})) xorInto(acc, key, value);
    return acc.toString('hex');
  }

  /** Empties the store (every database), e.g. before rebuilding it from the block log. */
  clear(): void {
    this.root.transactionSync(() => {
      this.state.clearSync();
      this.txids.clearSync();
      this.meta.clearSync();
      this.privateDbs?.values.clearSync();
      this.privateDbs?.transients.clearSync();
    });
    this.headValue = null;
    this.digest = Buffer.alloc(32);
  }

  /** Closes the store and seals it (see the top of this file), unless `seal` is false (a store refused when opened). */
  async close(seal = true): Promise<void> {
    await this.root.close();
    const head = this.headValue;
    if (!head || !seal) return;
    const record: Seal = { ...head, fileSha256: await fileSha256(join(this.dir, DATA_FILE)) };
    const tmp = join(this.dir, `${SEAL_FILE}.tmp`);
    const fh = await openFile(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(record) + '\n');
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, SEAL_FILE));
  }
}

function txIdKey(txId: string): Buffer {
  return createHash('sha256').update(txId, 'utf8').digest();
}
