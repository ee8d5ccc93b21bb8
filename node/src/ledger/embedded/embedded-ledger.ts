/**
 * The embedded ledger: runs the contract in process against the block log on disk.
 *
 * submit: endorse (signature, membership, function name), then simulate one transaction at a time
 * against committed state plus the writes of transactions already accepted into blocks that are not
 * yet durable; the transaction joins the open block. A block is cut at `batchMaxTx` transactions or
 * `batchTimeoutMs` after its first transaction (waiting for a block still being written, so blocks
 * grow under load: group commit), appended in one write (+ fdatasync), then applied to the world state
 * on disk in one store transaction (world-state.ts), its submitters answered and its block published.
 * If an append or an apply fails the ledger closes itself (an unapplied block is replayed on the next open).
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import type { PrivateWriteEntry, RwSet, TxInfo, WriteEntry } from '@popart/chaincode';
import { committedTx, sealBlockLine, type Block, type CommittedTx } from './block.js';
import { BlockFeed } from './block-feed.js';
import { readLines, type BlockLogWriter } from './block-log.js';
import { runTransaction, transactionNames } from './contract-runner.js';
import { EndorsementError, LedgerError, LedgerUnavailableError } from './errors.js';
import { openLedgerFiles, positiveInt, type EmbeddedLedgerOptions, type LedgerFiles } from './ledger-files.js';
import { PendingState } from './pending-state.js';
import type { PrivateStore, PrivateTx } from './private-store.js';
import { addMemberKey, endorse, ROTATE_KEY_FN, rotationKey, type MemberKeys, type OrgMembership, type SignedProposal } from './proposal.js';
import { keyProblem, type DiskState } from './world-state.js';

export { BLOCK_FILE, type EmbeddedLedgerOptions } from './ledger-files.js';

export interface SubmitReceipt { txId: string; blockNumber: number; txIndex: number; result: string }

interface Accepted {
  tx: CommittedTx;
  writes: WriteEntry[];
  /** Private values (for the collections' members) and the transient data they came from: never in the block. */
  privateWrites: PrivateWriteEntry[];
  transient: Record<string, string> | undefined;
  result: string;
  txIndex: number;
  resolve: (r: SubmitReceipt) => void;
  reject: (err: Error) => void;
}

/**
 * Data directories open in this process (two ledgers appending to one file would corrupt it), with the
 * ledger's closing when it is being closed: opening it again then waits for that close (the store is sealed).
 */
const openDirs = new Map<string, { closing: Promise<void> | null }>();

/** What simulating a transaction produced. */
interface Executed { result: string; rw: RwSet }

export class EmbeddedLedger {
  private readonly pending: PendingState;
  private readonly feed = new BlockFeed();
  /** txIds accepted into blocks not yet applied (the committed ones are in the world state). */
  private readonly acceptedTxIds = new Set<string>();
  private readonly batchMaxTx: number;
  private readonly batchTimeoutMs: number;

  /** Number of durable blocks, and the durable length of the file. */
  private durableHeight: number;
  private durableSize: number;
  private readonly offsets: number[];
  private lastHash: string;

  /** The block transactions are being accepted into. */
  private openBlock: Accepted[] = [];
  private openBlockNumber: number;
  private cutTimer: NodeJS.Timeout | null = null;
  private cutWhenIdle = false;
  private writesInFlight = 0;

  private simulating: Promise<void> = Promise.resolve();
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | null = null;
  private failure: Error | null = null;

  /** Readers (evaluate) and the block applier take turns on the committed state. */
  private readers = 0;
  private applyWaiting = false;
  private wakeApplier: (() => void) | null = null;
  private readonly readerQueue: (() => void)[] = [];

  private readonly dir: string;
  private readonly file: string;
  private readonly members: OrgMembership[];
  private readonly keys: MemberKeys;
  /** orgKeys' last answer, and the number of keys it was made from. */
  private pems: { count: number; map: ReadonlyMap<string, readonly string[]> } | null = null;
  private readonly committed: DiskState;
  private readonly writer: BlockLogWriter;
  private readonly privateStore: PrivateStore;

  private constructor(private readonly contract: object, private readonly functions: Set<string>, files: LedgerFiles, opts: EmbeddedLedgerOptions) {
    ({ dir: this.dir, file: this.file, state: this.committed, writer: this.writer, privateStore: this.privateStore } = files);
    const { chain } = files;
    this.members = chain.orgs;
    this.keys = chain.keys;
    this.pending = new PendingState(this.committed);
    this.offsets = chain.offsets;
    this.durableHeight = chain.offsets.length;
    this.durableSize = chain.size;
    this.lastHash = chain.lastHash;
    this.openBlockNumber = this.durableHeight;
    this.batchMaxTx = positiveInt('batchMaxTx', opts.batchMaxTx, 200, 1);
    this.batchTimeoutMs = positiveInt('batchTimeoutMs', opts.batchTimeoutMs, 2, 0);
  }

  /**
   * Opens (or creates) the ledger in `opts.dir`: verifies the chain against the world-state snapshot and
   * replays the blocks after it (ledger-files.ts). Throws LedgerIntegrityError naming the first bad block.
   */
  static async open(opts: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
    if (!opts || typeof opts.dir !== 'string' || opts.dir === '') throw new LedgerError('dir must be a directory path');
    if (!opts.contract || typeof opts.contract !== 'object') throw new LedgerError('contract must be an instance of the contract class');
    positiveInt('batchMaxTx', opts.batchMaxTx, 200, 1);
    positiveInt('batchTimeoutMs', opts.batchTimeoutMs, 2, 0);
    const dir = resolve(opts.dir);
    for (let open = openDirs.get(dir); open; open = openDirs.get(dir)) {
      if (!open.closing) throw new LedgerError(`the ledger in ${dir} is already open in this process`);
      await open.closing.catch(() => undefined);
    }
    openDirs.set(dir, { closing: null });
    try {
      return new EmbeddedLedger(opts.contract, transactionNames(opts.contract), await openLedgerFiles(opts), opts);
    } catch (err) {
      openDirs.delete(dir);
      throw err;
    }
  }

  /**
   * Endorses and simulates the transaction now (one at a time), then commits it in the next block.
   * Resolves once that block is durable and applied. A contract error rejects with the contract's
   * own Error and nothing is recorded.
   */
  async submit(proposal: SignedProposal): Promise<SubmitReceipt> {
    this.assertOpen();
    endorse(proposal, this.keys);
    const p: SignedProposal = { ...proposal, args: [...proposal.args] };
    let execute = (): Promise<Executed> => this.execute(p);
    let committed: ((r: SubmitReceipt) => void) | null = null;
    if (p.fn === ROTATE_KEY_FN) {
      // A membership transaction adding a key for the submitting org (key rotation): checked here, not by the
      // contract; committed in order with the other transactions, the key trusted once its block is durable.
      let key: KeyObject;
      try {
        key = rotationKey(p);
      } catch (err) {
        throw new EndorsementError(`key rotation ${p.txId} refused: ${(err as Error).message}`);
      }
      execute = async () => ({ result: '', rw: { reads: [], writes: [], privateWrites: [], event: null } });
      committed = () => addMemberKey(this.keys, p.mspId, key);
    } else {
      this.assertFunction(p.fn);
    }
    return new Promise<SubmitReceipt>((resolveTx, rejectTx) => {
      const resolve = committed ? (r: SubmitReceipt): void => { committed(r); resolveTx(r); } : resolveTx;
      this.simulating = this.simulating.then(() => this.simulate(p, execute, resolve, rejectTx));
    });
  }

  /** Runs the contract function of a proposal against the pending state. */
  private async execute(p: SignedProposal): Promise<Executed> {
    const info: TxInfo = { txId: p.txId, timestamp: new Date(p.timestamp), mspId: p.mspId, clientId: p.clientId };
    if (p.transient) info.transient = new Map(Object.entries(p.transient).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
    const { result, ctx } = await runTransaction(this.contract, this.pending, info, p.fn, p.args, this.privateStore);
    return { result, rw: ctx.stub.rwSet() };
  }

  private async simulate(p: SignedProposal, execute: () => Promise<Executed>, resolveTx: (r: SubmitReceipt) => void, rejectTx: (e: Error) => void): Promise<void> {
    try {
      this.assertOpen();
      const duplicate = (): boolean => this.acceptedTxIds.has(p.txId) || this.committed.hasTx(p.txId);
      if (duplicate()) throw new EndorsementError(`transaction ${p.txId} was already submitted (duplicate txId)`);
      const { result, rw } = await execute();
      this.assertOpen();
      for (const w of rw.writes) {
        const problem = keyProblem(w.key);
        if (problem) throw new EndorsementError(`${p.fn} refused: it writes a key the ledger cannot store: ${problem}`);
      }
      const txIndex = this.openBlock.length;
      this.acceptedTxIds.add(p.txId);
      this.pending.accept(rw.writes, `${this.openBlockNumber}:${txIndex}`);
      this.openBlock.push({
        tx: committedTx(p, rw), writes: rw.writes, privateWrites: rw.privateWrites, transient: p.transient, result, txIndex, resolve: resolveTx, reject: rejectTx,
      });
      if (this.openBlock.length >= this.batchMaxTx) this.cut();
      else this.cutTimer ??= setTimeout(() => this.onCutTimer(), this.batchTimeoutMs);
    } catch (err) {
      rejectTx(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onCutTimer(): void {
    this.cutTimer = null;
    if (this.writesInFlight > 0) this.cutWhenIdle = true;
    else this.cut();
  }

  /** Seals the open block and queues its append. */
  private cut(): void {
    if (this.cutTimer) clearTimeout(this.cutTimer);
    this.cutTimer = null;
    this.cutWhenIdle = false;
    const txs = this.openBlock;
    if (txs.length === 0) return;
    this.openBlock = [];
    const last = txs[txs.length - 1] as Accepted;
    const { block, line } = sealBlockLine({ number: this.openBlockNumber++, previousHash: this.lastHash, timestamp: last.tx.timestamp, transactions: txs.map((a) => a.tx) });
    this.lastHash = block.hash;
    this.writesInFlight++;
    this.writing = this.writing.then(() => this.persist(block, line, txs));
  }

  private async persist(block: Block, line: Buffer, txs: Accepted[]): Promise<void> {
    try {
      if (this.failure) throw this.failure;
      try {
        // Private values first: a block in the log always has its members' private values on disk.
        const privateTxs: PrivateTx[] = txs.filter((a) => a.privateWrites.length > 0).map((a) => ({
          block: block.number, tx: a.txIndex, txId: a.tx.txId, mspId: a.tx.mspId, privateWrites: a.privateWrites, transient: a.transient,
        }));
        if (privateTxs.length > 0) await this.privateStore.append(privateTxs);
        await this.writer.append(line);
      } catch (err) {
        this.fail(new LedgerUnavailableError(`writing block ${block.number} to ${this.file} failed; the ledger closed itself: ${(err as Error).message}`, { cause: err }));
        throw this.failure;
      }
      await this.applyCommitted(block, txs);
      this.offsets.push(this.durableSize);
      this.durableSize += line.length;
      this.durableHeight = block.number + 1;
      this.feed.publish(block);
      for (const a of txs) a.resolve({ txId: a.tx.txId, blockNumber: block.number, txIndex: a.txIndex, result: a.result });
    } catch (err) {
      for (const a of txs) a.reject(err as Error);
    } finally {
      this.writesInFlight--;
      if (this.writesInFlight === 0 && this.cutWhenIdle) this.cut();
    }
  }

  /** Applies a durable block's write sets (one store transaction) once no query is reading the committed state. */
  private async applyCommitted(block: Block, txs: Accepted[]): Promise<void> {
    this.applyWaiting = true;
    if (this.readers > 0) await new Promise<void>((wake) => { this.wakeApplier = wake; });
    try {
      this.committed.commit(block.number + 1, block.hash, () => {
        for (const a of txs) {
          this.pending.commit(a.writes, `${block.number}:${a.txIndex}`);
          this.committed.recordTx(a.tx.txId, `${block.number}:${a.txIndex}`);
        }
      });
      this.privateStore.apply(block.number + 1, block.hash, txs.map((a) => ({ txId: a.tx.txId, privateWrites: a.privateWrites })));
    } catch (err) {
      // The block is durable in the log: the next open replays it into the state.
      this.fail(new LedgerUnavailableError(`applying block ${block.number} to the world state failed; the ledger closed itself: ${(err as Error).message}`, { cause: err }));
      throw this.failure;
    } finally {
      this.applyWaiting = false;
      for (const wake of this.readerQueue.splice(0)) wake();
    }
    for (const a of txs) this.acceptedTxIds.delete(a.tx.txId);
  }

  private async readLock(): Promise<void> {
    while (this.applyWaiting) await new Promise<void>((wake) => this.readerQueue.push(wake));
    this.readers++;
  }

  private readUnlock(): void {
    this.readers--;
    if (this.readers === 0 && this.wakeApplier) {
      const wake = this.wakeApplier;
      this.wakeApplier = null;
      wake();
    }
  }

  /** Runs a transaction function read-only against committed state; nothing is recorded. */
  async evaluate(mspId: string, fn: string, args: string[]): Promise<string> {
    this.assertOpen();
    if (!this.keys.has(mspId)) throw new EndorsementError(`unknown MSP ${mspId}: not a member of this ledger`);
    this.assertFunction(fn);
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new EndorsementError('args must be an array of strings');
    await this.readLock();
    try {
      const info: TxInfo = { txId: randomBytes(32).toString('hex'), timestamp: new Date(), mspId, clientId: `evaluate::${mspId}` };
      return (await runTransaction(this.contract, this.committed, info, fn, args, this.privateStore)).result;
    } finally {
      this.readUnlock();
    }
  }

  /** Number of durable blocks (the genesis block is block 0). */
  height(): number {
    return this.durableHeight;
  }

  /** Committed blocks from `fromBlock` on, read back from disk, then live ones until return() or close(). */
  blocks(fromBlock: number): AsyncIterable<Block> {
    return this.feed.iterate(fromBlock, () => this.durableHeight, (from, to) => this.readBlocks(from, to), () => this.unavailable());
  }

  private async *readBlocks(from: number, to: number): AsyncGenerator<Block> {
    const start = this.offsets[from];
    const end = this.offsets[to] ?? this.durableSize;
    if (start === undefined) return;
    for await (const line of readLines(this.file, start, end)) {
      yield JSON.parse(line.text) as Block;
    }
  }

  /** Calls `listener` with every block committed from now on; returns the unsubscribe function. */
  onBlock(listener: (b: Block) => void): () => void {
    return this.feed.onBlock(listener);
  }

  /**
   * The private values an organisation's store holds (collection, key, value), as that organisation's peer would
   * have them on disk: for checks and tests. Another organisation's values are never served by evaluate.
   */
  privateDataOf(mspId: string): { collection: string; key: string; value: Uint8Array }[] {
    return this.privateStore.heldBy(mspId);
  }

  /** The membership from the genesis block. */
  orgs(): OrgMembership[] {
    return this.members.map((o) => ({ ...o }));
  }

  /** Every org's trusted public keys (SPKI PEM), oldest first: the genesis key and the keys rotated in since. */
  orgKeys(): ReadonlyMap<string, readonly string[]> {
    // Asked for every block a listener reads: exported again only when a key has been added (keys are never removed).
    const count = [...this.keys.values()].reduce((n, list) => n + list.length, 0);
    if (this.pems?.count !== count) {
      this.pems = { count, map: new Map([...this.keys].map(([msp, list]) => [msp, list.map((k) => k.export({ type: 'spki', format: 'pem' }).toString())])) };
    }
    return this.pems.map;
  }

  /**
   * Stops accepting transactions; transactions already simulated are committed first, queued ones
   * are refused (LedgerUnavailableError). Then live iterators end and the file is closed.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.shutdown();
      const open = openDirs.get(this.dir);
      if (open && !open.closing) open.closing = this.closing;
    }
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await this.simulating;
    this.cut();
    await this.writing;
    if (this.cutTimer) clearTimeout(this.cutTimer);
    this.feed.end();
    await this.writer.close().catch(() => undefined);
    await this.committed.close().catch(() => undefined);
    await this.privateStore.close().catch(() => undefined);
    openDirs.delete(this.dir);
  }

  private fail(err: Error): void {
    this.failure = err;
    this.closed = true;
    if (this.cutTimer) clearTimeout(this.cutTimer);
    this.cutTimer = null;
    for (const a of this.openBlock.splice(0)) a.reject(err);
    this.feed.end();
    void this.close();
  }

  private unavailable(): LedgerUnavailableError {
    return this.failure instanceof LedgerUnavailableError ? this.failure : new LedgerUnavailableError(`the embedded ledger in ${this.dir} is closed`);
  }

  private assertOpen(): void {
    if (this.closed) throw this.unavailable();
  }

  private assertFunction(fn: string): void {
    if (typeof fn !== 'string' || !this.functions.has(fn)) {
      throw new EndorsementError(`${String(fn)} is not a transaction function of the contract`);
    }
  }
}
