/**
 * Private data of the embedded ledger, kept per organisation as a Fabric peer keeps its private data store.
 *
 * One collection per organisation, `private-<MSP id>`, its only member that organisation (as in the network's
 * chaincode definition). The block log holds only the SHA-256 of each private value (in the public write set,
 * see chaincode's `hashedKey`); the values live in `<dir>/private/<MSP id>.jsonl` (0600), one line per
 * committed transaction that gave that organisation something:
 *
 *   { block, tx, txId, writes?: [{ collection, key, value (base64) | null }], transient?: { name: text } }
 *
 * `writes` are the private values of collections the organisation is a member of; `transient` is the transient
 * data of a transaction the organisation itself submitted (its own content), kept so that opening the ledger
 * can execute that transaction again. Lines are appended and fsynced before the block's line, so a block on
 * disk always has its private values; lines of a block that never reached the log (a crash between the two
 * appends) are dropped when the ledger opens. Reading is for members only: the contract's getPrivateData runs
 * with the calling organisation's copy, and the ledger never returns another organisation's file.
 */
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryPrivateState, privateCollectionOf, type PrivateStateReader, type PrivateWriteEntry } from '@popart/chaincode';

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

const b64 = (v: Uint8Array): string => Buffer.from(v).toString('base64');

export class PrivateStore implements PrivateStateReader {
  private memory = new MemoryPrivateState(new Map());
  private collections = new Map<string, string[]>();
  /** Lines read from disk per organisation, until `settle`. */
  private loaded = new Map<string, Line[]>();
  private readonly transients = new Map<string, Record<string, string>>();

  private constructor(private readonly folder: string, private readonly fsync: boolean) {}

  /** Reads every organisation's file in `<dir>/private` (nothing is applied until `settle`). */
  static async load(dir: string, fsync = true): Promise<PrivateStore> {
    const folder = join(dir, 'private');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    return new PrivateStore(folder, fsync);
  }

  /** The membership (from the genesis block): one collection per organisation. Reads their files. */
  async setOrgs(mspIds: readonly string[]): Promise<void> {
    this.collections = new Map(mspIds.map((msp) => [privateCollectionOf(msp), [msp]]));
    this.memory = new MemoryPrivateState(this.collections);
    for (const msp of mspIds) {
      const text = await readFile(this.file(msp), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      });
      const lines = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line);
      this.loaded.set(msp, lines);
      for (const line of lines) if (line.transient) this.transients.set(line.txId, line.transient);
    }
  }

  members(collection: string): readonly string[] | undefined { return this.collections.get(collection); }
  get(mspId: string, collection: string, key: string): Uint8Array | undefined { return this.memory.get(mspId, collection, key); }

  /** Transient data of a committed transaction, when its submitter's store kept it. */
  transientOf(txId: string): Record<string, string> | undefined { return this.transients.get(txId); }

  /** The private values recorded for a transaction, per member organisation (for checks when opening). */
  recordedWrites(txId: string): Map<string, PrivateWriteEntry[]> {
    const out = new Map<string, PrivateWriteEntry[]>();
    for (const [msp, lines] of this.loaded) {
      const line = lines.find((l) => l.txId === txId && l.writes);
      if (line?.writes) out.set(msp, line.writes.map((w) => ({ collection: w.collection, key: w.key, value: w.value === null ? null : Buffer.from(w.value, 'base64') })));
    }
    return out;
  }

  /**
   * After the chain was verified up to `height`: drops the lines of blocks that are not in the log (rewriting
   * those files) and applies the others in order.
   */
  async settle(height: number): Promise<void> {
    for (const [msp, lines] of this.loaded) {
      const kept = lines.filter((l) => l.block < height);
      if (kept.length !== lines.length) {
        const tmp = `${this.file(msp)}.tmp`;
        await writeFile(tmp, kept.map((l) => JSON.stringify(l) + '\n').join(''), { mode: 0o600 });
        await rename(tmp, this.file(msp));
        for (const l of lines) if (l.block >= height) this.transients.delete(l.txId);
      }
      for (const line of kept) {
        for (const w of line.writes ?? []) this.memory.put(msp, w.collection, w.key, w.value === null ? null : Buffer.from(w.value, 'base64'));
      }
    }
    this.loaded = new Map();
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
      const fh = await open(this.file(msp), 'a', 0o600);
      try {
        await fh.write(lines.map((l) => JSON.stringify(l) + '\n').join(''));
        if (this.fsync) await fh.datasync();
      } finally {
        await fh.close();
      }
    }
    for (const t of txs) if (t.transient && t.privateWrites.length > 0) this.transients.set(t.txId, t.transient);
  }

  /** Applies a durable block's private values to the members' copies. */
  apply(writes: readonly PrivateWriteEntry[]): void {
    this.memory.apply(writes);
  }

  /** Every value an organisation holds (for tests and checks). */
  heldBy(mspId: string): { collection: string; key: string; value: Uint8Array }[] {
    return this.memory.heldBy(mspId);
  }

  private file(mspId: string): string {
    return join(this.folder, `${encodeURIComponent(mspId)}.jsonl`);
  }
}
