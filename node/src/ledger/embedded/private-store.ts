/**
 * Private data of the embedded ledger, kept per organisation as a Fabric peer keeps its private data store.
 *
 * One collection per organisation, `private-<MSP id>`, its only member that organisation (as in the network's
 * chaincode definition). The block log holds only the SHA-256 of each private value (in the public write set,
 * see chaincode's `hashedKey`).
 *
 * Two parts per organisation, as the block log and the world state:
 * - **the private log**, `<dir>/private/<MSP id>.jsonl` (0600), one line per committed transaction that gave that
 *   organisation something, appended and fsynced before the block's line (a block on disk always has its private
 *   values):
 *
 *     { block, tx, txId, writes?: [{ collection, key, value (base64) | null }], transient?: { name: text } }
 *
 *   `writes` are the private values of collections the organisation is a member of; `transient` is the transient
 *   data of a transaction the organisation itself submitted (its own content), kept so that opening the ledger can
 *   execute that transaction again;
 * - **its store**, `<dir>/private/<MSP id>-store/`: an LMDB store of the world state's kind (world-state.ts), sealed
 *   the same way when closed, holding the values and kept transient data of the blocks applied, and how much of the
 *   log they hold (offset and SHA-256). Nothing of one organisation is in another's files or in the shared ones.
 *
 * Opening hashes each log up to its store's mark (an altered or shortened log is refused) and reads only the lines
 * after it: those of blocks replayed after the world-state snapshot. Lines of a block that never reached the block
 * log (a crash between the two appends) are cut off. A store without its seal (the ledger stopped without closing)
 * has every value checked against the hash the world state records. The values are read from the stores' files,
 * not held in memory. Reading is for members only: the contract's getPrivateData runs with the calling
 * organisation's copy, and the ledger never returns another organisation's values.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { hashedKey, privateCollectionOf, type PrivateStateReader, type PrivateWriteEntry } from '@popart/chaincode';
import { LedgerIntegrityError } from './errors.js';
import { DiskState, type PrivateLogMark, type SealCheck } from './world-state.js';

interface Line {
  block: number;
  tx: number;
  txId: string;
  writes?: { collection: string; key: string; value: string | null }[];
  transient?: Record<string, string>;
}

/** What one committed transaction leaves in the private stores. */
export interface PrivateTx {
  block: number;
  tx: number;
  txId: string;
  /** Organisation that submitted it (keeps its transient data). */
  mspId: string;
  privateWrites: readonly PrivateWriteEntry[];
  transient: Record<string, string> | undefined;
}

/** One organisation's log and store: the log's size, the SHA-256 of all of it so far, the lines after the store's mark (until `settle`). */
interface Org {
  store: DiskState;
  size: number;
  hash: Hash;
  /** Where the lines read when opening start (the store's mark), and the hash of the log up to there. */
  tailStart: number;
  hashAtTail: Hash;
  tail: { offset: number; line: Line }[];
  /** The store's seal when opened: an unsealed store has its values checked when opening. */
  seal: SealCheck;
}

const b64 = (v: Uint8Array): string => Buffer.from(v).toString('base64');
const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** Streams bytes [start, end) of a file into `hash`, and (with `lines`) returns the complete lines in it with their offsets. */
async function readInto(path: string, start: number, end: number, hash: Hash, lines?: { offset: number; text: string }[]): Promise<void> {
  if (end <= start) return;
  let carry = Buffer.alloc(0);
  let carryAt = start;
  for await (const chunk of createReadStream(path, { start, end: end - 1, highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer);
    if (!lines) continue;
    let buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let at = 0;
    for (let nl = buf.indexOf(10, at); nl !== -1; nl = buf.indexOf(10, at)) {
      if (nl > at) lines.push({ offset: carryAt + at, text: buf.toString('utf8', at, nl + 1) });
      at = nl + 1;
    }
    carryAt += at;
    buf = buf.subarray(at);
    carry = Buffer.from(buf);
  }
  if (lines && carry.length) lines.push({ offset: carryAt, text: carry.toString('utf8') });
}

/**
 * A line of a private log. An incomplete last line (the ledger stopped while appending it) belongs to a block that never
 * reached the block log: it is read as a line of no block, and `settle` cuts it off.
 */
function parseLine(text: string, incompleteLast: boolean, msp: string, offset: number, atBlock: number): Line {
  if (incompleteLast) return { block: Number.MAX_SAFE_INTEGER, tx: 0, txId: '' };
  try {
    return JSON.parse(text) as Line;
  } catch (err) {
    throw new LedgerIntegrityError(atBlock, `${msp}'s private log holds a line at byte ${offset} that is not JSON (${(err as Error).message}). ` +
      `Refusing to open; restore private/${encodeURIComponent(msp)}.jsonl from a backup`, { file: `private/${encodeURIComponent(msp)}.jsonl`, cause: err });
  }
}

export class PrivateStore implements PrivateStateReader {
  private collections = new Map<string, string[]>();
  private readonly orgs = new Map<string, Org>();
  /** From `setOrgs` until `settle`: what the lines after the stores' marks recorded per transaction. */
  private recorded = new Map<string, Map<string, PrivateWriteEntry[]>>();
  /** Transient data read after the marks (until `settle`) and of blocks appended but not yet applied, by txId. */
  private readonly transients = new Map<string, { mspId: string; data: Record<string, string> }>();
  /** Stores opened (closed by `close` even when opening failed half-way). */
  private readonly opened: DiskState[] = [];

  /**
   * @param worldState the world-state store the chain is replayed into (its height decides which lines are read)
   * @param scratch a verification of the whole chain into a scratch world state: every log read from its start, the
   *   organisations' stores left alone, nothing written
   */
  private constructor(private readonly folder: string, private readonly fsync: boolean, private readonly worldState: DiskState, private readonly scratch: boolean) {}

  /** The private logs and stores of the ledger in `dir`: nothing is read until `setOrgs`, nothing applied until `settle`. */
  static async load(dir: string, fsync: boolean, worldState: DiskState, opts: { scratch?: boolean } = {}): Promise<PrivateStore> {
    const folder = join(dir, 'private');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    return new PrivateStore(folder, fsync, worldState, opts.scratch ?? false);
  }

  /**
   * The membership (from the genesis block): one collection per organisation. Opens each organisation's store, hashes
   * its log up to the store's mark (refusing an altered or shortened log, or an altered store) and reads the lines after it.
   */
  async setOrgs(mspIds: readonly string[]): Promise<void> {
    this.collections = new Map(mspIds.map((msp) => [privateCollectionOf(msp), [msp]]));
    const worldHeight = this.worldState.head()?.height ?? 0;
    for (const msp of mspIds) {
      const where = `private/${encodeURIComponent(msp)}`;
      const rebuild = `remove the folder ${where}-store/ and the store is rebuilt from the log, its values checked against the world state`;
      const restore = `restore ${where}.jsonl from a backup (the log is what a rebuild of the store reads)`;
      const refuse = (what: string, remedy: string): never => {
        throw new LedgerIntegrityError(Math.max(0, worldHeight - 1), `${msp}'s ${what} (a private store was altered). Refusing to open; ${remedy}`, { file: `${where}.jsonl` });
      };
      let store: DiskState | null = null;
      let seal: SealCheck = 'unsealed';
      if (!this.scratch) {
        ({ state: store, seal } = await DiskState.open(join(this.folder, `${encodeURIComponent(msp)}-store`), this.fsync, { privateData: true }));
        this.opened.push(store);
        if (seal === 'altered') refuse(`private store (${where}-store/) changed since the ledger closed it`, rebuild);
        // Ahead of the world state (rebuilt from the block log, or its last commits lost): the log is read from its
        // start, and the values it gives are checked against the world state as those of an unsealed store.
        if ((store.head()?.height ?? 0) > worldHeight) {
          store.clear();
          seal = 'unsealed';
        }
      }
      const mark = store?.privateMarks()[msp] ?? { offset: 0, sha256: EMPTY_SHA256 };
      const path = this.file(msp);
      const size = (await stat(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      }))?.size ?? 0;
      if (size < mark.offset) refuse(`private log (${where}.jsonl) is shorter (${size} bytes) than the ${mark.offset} bytes its store holds`, restore);
      const hash = createHash('sha256');
      await readInto(path, 0, mark.offset, hash);
      const hashAtTail = hash.copy();
      if (hash.copy().digest('hex') !== mark.sha256) refuse(`private log (${where}.jsonl) no longer has the SHA-256 it had when its store recorded it`, restore);
      const texts: { offset: number; text: string }[] = [];
      await readInto(path, mark.offset, size, hash, texts);
      const tail = texts.map(({ offset, text }, i) => ({ offset, line: parseLine(text, i === texts.length - 1 && !text.endsWith('\n'), msp, offset, Math.max(0, worldHeight - 1)) }));
      if (store) this.orgs.set(msp, { store, size, hash, tailStart: mark.offset, hashAtTail, tail, seal });
      for (const { line } of tail) {
        if (line.transient) this.transients.set(line.txId, { mspId: msp, data: line.transient });
        if (!line.writes) continue;
        const byOrg = this.recorded.get(line.txId) ?? new Map<string, PrivateWriteEntry[]>();
        byOrg.set(msp, [...(byOrg.get(msp) ?? []), ...line.writes.map((w) => ({ collection: w.collection, key: w.key, value: w.value === null ? null : Buffer.from(w.value, 'base64') }))]);
        this.recorded.set(line.txId, byOrg);
      }
    }
  }

  members(collection: string): readonly string[] | undefined { return this.collections.get(collection); }

  get(mspId: string, collection: string, key: string): Uint8Array | undefined {
    return this.collections.get(collection)?.includes(mspId) ? this.orgs.get(mspId)?.store.privateGet(mspId, collection, key) : undefined;
  }

  /** Transient data of a committed transaction, when its submitter's store kept it. */
  transientOf(txId: string): Record<string, string> | undefined {
    const held = this.transients.get(txId);
    if (held) return held.data;
    for (const { store } of this.orgs.values()) {
      const json = store.transientGet(txId);
      if (json !== undefined) return JSON.parse(json) as Record<string, string>;
    }
    return undefined;
  }

  /** The private values recorded for a transaction after the stores' marks, per member organisation (for checks when opening). */
  recordedWrites(txId: string): Map<string, PrivateWriteEntry[]> {
    return this.recorded.get(txId) ?? new Map();
  }

  /**
   * After the chain was verified up to `height`: cuts off the lines of blocks that are not in the block log (the end
   * of those files), applies the others to the organisations' stores, and checks the values of a store that was
   * not sealed against the hashes the world state records.
   */
  async settle(height: number): Promise<void> {
    for (const [msp, org] of this.orgs) {
      const kept = org.tail.filter((t) => t.line.block < height);
      if (kept.length !== org.tail.length) {
        // Lines are appended in block order: those of blocks that never reached the log are the file's end.
        const cut = org.tail.find((t) => t.line.block >= height)!.offset;
        if (kept.some((t) => t.offset > cut)) {
          throw new LedgerIntegrityError(height - 1, `${msp}'s private log holds lines out of block order`, { file: `private/${encodeURIComponent(msp)}.jsonl` });
        }
        await truncate(this.file(msp), cut);
        if (this.fsync) await this.sync(msp);
        for (const t of org.tail) if (t.line.block >= height) this.transients.delete(t.line.txId);
        org.hash = org.hashAtTail.copy();
        await readInto(this.file(msp), org.tailStart, cut, org.hash);
        org.size = cut;
      }
      org.store.commit(height, this.worldState.head()?.lastHash ?? '', () => {
        for (const { line } of kept) {
          for (const w of line.writes ?? []) org.store.privatePut(msp, w.collection, w.key, w.value === null ? null : Buffer.from(w.value, 'base64'));
          if (line.transient) org.store.transientPut(line.txId, JSON.stringify(line.transient));
        }
        org.store.setPrivateMarks({ [msp]: this.markOf(org) });
      });
      org.tail = [];
      if (org.seal === 'unsealed') this.checkValues(msp, org.store, height);
    }
    this.transients.clear();
    this.recorded = new Map();
  }

  /** Every value of an unsealed store must hash to what the world state records for it. */
  private checkValues(msp: string, store: DiskState, height: number): void {
    for (const { collection, key, value } of store.privateEntries(msp)) {
      const recorded = this.worldState.get(hashedKey(collection, key));
      if (recorded && Buffer.from(recorded.value).equals(createHash('sha256').update(value).digest())) continue;
      const block = recorded ? Number(recorded.version.split(':')[0]) : height - 1;
      throw new LedgerIntegrityError(block, `${msp}'s private value of ${JSON.stringify(key)} in ${collection} does not match the hash ` +
        `the world state records (a private store was altered). Refusing to open; remove the folder private/${encodeURIComponent(msp)}-store/ ` +
        'and the store is rebuilt from the log', { file: `private/${encodeURIComponent(msp)}-store/` });
    }
  }

  /** Appends (and fsyncs) the private values and own transient data of a block's transactions, before the block itself. */
  async append(txs: readonly PrivateTx[]): Promise<void> {
    const byOrg = new Map<string, Line[]>();
    const add = (msp: string, line: Line): void => {
      const list = byOrg.get(msp) ?? [];
      const same = list.find((l) => l.txId === line.txId);
      if (same) Object.assign(same, line.writes ? { writes: [...(same.writes ?? []), ...line.writes] } : {}, line.transient ? { transient: line.transient } : {});
      else list.push(line);
      byOrg.set(msp, list);
    };
    for (const t of txs) {
      const base = { block: t.block, tx: t.tx, txId: t.txId };
      if (t.transient && t.privateWrites.length > 0) add(t.mspId, { ...base, transient: t.transient });
      for (const w of t.privateWrites) {
        for (const msp of this.collections.get(w.collection) ?? []) {
          add(msp, { ...base, writes: [{ collection: w.collection, key: w.key, value: w.value === null ? null : b64(w.value) }] });
        }
      }
    }
    for (const [msp, lines] of byOrg) {
      const org = this.orgs.get(msp);
      if (!org) throw new LedgerIntegrityError(0, `${msp} has no private store`);
      const bytes = Buffer.from(lines.map((l) => JSON.stringify(l) + '\n').join(''), 'utf8');
      const fh = await open(this.file(msp), 'a', 0o600);
      try {
        await fh.write(bytes);
        if (this.fsync) await fh.datasync();
      } finally {
        await fh.close();
      }
      org.size += bytes.length;
      org.hash.update(bytes);
    }
    for (const t of txs) if (t.transient && t.privateWrites.length > 0) this.transients.set(t.txId, { mspId: t.mspId, data: t.transient });
  }

  /**
   * Applies a durable block's private values to the members' stores, with the transient data its submitters kept,
   * after the world state applied the block (a store is never ahead of it but after a crash between the two, which
   * the next open finds and repairs).
   */
  apply(height: number, lastHash: string, txs: readonly { txId: string; privateWrites: readonly PrivateWriteEntry[] }[]): void {
    const touched = new Map<string, { writes: PrivateWriteEntry[]; transients: [string, Record<string, string>][] }>();
    const of = (msp: string) => touched.get(msp) ?? touched.set(msp, { writes: [], transients: [] }).get(msp)!;
    for (const t of txs) {
      for (const w of t.privateWrites) for (const msp of this.collections.get(w.collection) ?? []) of(msp).writes.push(w);
      const transient = this.transients.get(t.txId);
      if (transient) {
        of(transient.mspId).transients.push([t.txId, transient.data]);
        this.transients.delete(t.txId);
      }
    }
    for (const [msp, { writes, transients }] of touched) {
      const org = this.orgs.get(msp)!;
      org.store.commit(height, lastHash, () => {
        for (const w of writes) org.store.privatePut(msp, w.collection, w.key, w.value);
        for (const [txId, data] of transients) org.store.transientPut(txId, JSON.stringify(data));
        org.store.setPrivateMarks({ [msp]: this.markOf(org) });
      });
    }
  }

  /** Every value an organisation holds (for tests and checks). */
  heldBy(mspId: string): { collection: string; key: string; value: Uint8Array }[] {
    const org = this.orgs.get(mspId);
    return org ? [...org.store.privateEntries(mspId)] : [];
  }

  /** Closes the organisations' stores, sealing them unless `seal` is false (opening was refused). */
  async close(seal = true): Promise<void> {
    for (const store of this.opened.splice(0)) await store.close(seal);
  }

  private markOf(org: Org): PrivateLogMark {
    return { offset: org.size, sha256: org.hash.copy().digest('hex') };
  }

  private async sync(msp: string): Promise<void> {
    const fh = await open(this.file(msp), 'r+');
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  private file(mspId: string): string {
    return join(this.folder, `${encodeURIComponent(mspId)}.jsonl`);
  }
}
