/**
 * Opening an existing block log against the world-state snapshot (world-state.ts) at height h:
 * - every line is checked for its hash and its link to the previous block; blocks below h that are
 *   written as canonical JSON are checked from their bytes (block-header.ts) without being parsed, except
 *   the genesis block (the membership) and blocks holding key rotations (the keys that sign later blocks);
 * - the hash of block h-1 must be the one the snapshot recorded, and the log must reach height h;
 * - blocks from h on are checked in full (shape, signatures against the membership, unique txIds) and their
 *   write sets replayed into the state, checking that every recorded read saw the version the chain implies.
 *   When the contract is given, each transaction is also executed again (the contract is deterministic: its
 *   only clock is the signed transaction timestamp) and must produce exactly the recorded writes and event,
 *   so a value altered in a write set is caught even if every hash after it was recomputed.
 * With no snapshot (h = 0) every block is checked in full. The first problem stops the replay with a
 * LedgerIntegrityError naming the block.
 */
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import { HASHED_PREFIX, hashedKey, type PrivateWriteEntry, type StateReader, type WriteEntry } from '@popart/chaincode';
import type { PrivateStore } from './private-store.js';
import { blockHash, blockShapeProblem, fromBase64, GENESIS_PREVIOUS_HASH, type Block } from './block.js';
import { blockHeader } from './block-header.js';
import { readLines, type LogLine } from './block-log.js';
import { LedgerIntegrityError } from './errors.js';
import { addMemberKey, normaliseOrgs, ROTATE_KEY_FN, rotationKey, verifyWithAny, type MemberKeys, type OrgMembership } from './proposal.js';
import { runTransaction } from './contract-runner.js';
import { PendingState } from './pending-state.js';
import type { DiskState } from './world-state.js';

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

type Tx = Block['transactions'][number];

/** Why the private values an organisation holds for a transaction disagree with the hashes the block records, or null. */
function privateHashMismatch(tx: Tx, store: PrivateStore): string | null {
  const hashes = new Map(tx.rwset.writes.map((w) => [w.key, w.value === null ? null : fromBase64(w.value)?.toString('hex') ?? '']));
  for (const [msp, writes] of store.recordedWrites(tx.txId)) {
    for (const w of writes) {
      const recorded = hashes.get(hashedKey(w.collection, w.key));
      const held = w.value === null ? null : createHash('sha256').update(w.value).digest('hex');
      if (recorded === undefined || recorded !== held) return `${msp}'s private value of ${JSON.stringify(w.key)} in ${w.collection} does not match the hash the block records`;
    }
  }
  return null;
}

/** Why re-executed private writes differ from what the members' stores recorded, or null. */
function privateWritesMismatch(tx: Tx, produced: readonly PrivateWriteEntry[], store: PrivateStore): string | null {
  const recorded = store.recordedWrites(tx.txId);
  for (const w of produced) {
    for (const msp of store.members(w.collection) ?? []) {
      const held = recorded.get(msp)?.find((r) => r.collection === w.collection && r.key === w.key);
      if (!held || !sameBytes(held.value, w.value)) return `${msp}'s private store lacks or alters the value of ${JSON.stringify(w.key)} in ${w.collection}`;
    }
  }
  return null;
}

/** Why a re-executed transaction disagrees with what the block recorded, or null when it agrees. */
async function reexecutionMismatch(contract: object, state: StateReader, tx: Tx, store: PrivateStore | undefined): Promise<string | null> {
  const writesPrivate = tx.rwset.writes.some((w) => w.key.startsWith(HASHED_PREFIX));
  const transient = store?.transientOf(tx.txId);
  if (writesPrivate && store) {
    const problem = privateHashMismatch(tx, store);
    if (problem) return problem;
    // Its inputs were transient and are kept only by the submitter's store: without them, the hashes are what can be checked.
    if (!transient) return null;
  }
  let rw;
  try {
    const info = { txId: tx.txId, mspId: tx.mspId, clientId: tx.clientId, timestamp: new Date(tx.timestamp) };
    const { ctx } = await runTransaction(contract, state, transient
      ? { ...info, transient: new Map(Object.entries(transient).map(([k, v]) => [k, Buffer.from(v, 'utf8')])) }
      : info, tx.fn, tx.args, store);
    rw = ctx.stub.rwSet();
  } catch (err) {
    return `re-executing ${tx.fn} fails (${(err as Error).message})`;
  }
  const recorded = new Map(tx.rwset.writes.map((w) => [w.key, w.value === null ? null : fromBase64(w.value)]));
  if (rw.writes.length !== recorded.size) return `re-executing ${tx.fn} writes ${rw.writes.length} keys, the block records ${recorded.size}`;
  for (const w of rw.writes) {
    if (!recorded.has(w.key)) return `re-executing ${tx.fn} writes ${JSON.stringify(w.key)}, which the block does not record`;
    if (!sameBytes(w.value, recorded.get(w.key) ?? null)) return `the recorded value of ${JSON.stringify(w.key)} differs from what ${tx.fn} writes`;
  }
  const event = tx.event ? { name: tx.event.name, payload: fromBase64(tx.event.payload) } : null;
  if ((event === null) !== (rw.event === null) || (event && rw.event && (event.name !== rw.event.name || !sameBytes(event.payload, rw.event.payload)))) {
    return `the recorded event differs from what ${tx.fn} emits`;
  }
  return store ? privateWritesMismatch(tx, rw.privateWrites, store) : null;
}

export interface ReplayedChain {
  orgs: OrgMembership[];
  keys: MemberKeys;
  /** Byte offset of every block's line; `offsets.length` is the height. */
  offsets: number[];
  size: number;
  lastHash: string;
}

/** Replayed write sets are committed to the store in batches of about this many writes. */
const BATCH_WRITES = 50_000;
const ROTATION_MARK = Buffer.from(`"fn":${JSON.stringify(ROTATE_KEY_FN)}`);

/**
 * `state`: the world state on disk, at its snapshot height (0 for a new store); the blocks after it are replayed
 * into it. `store`: the organisations' private data (read, not yet settled); its values are checked against the
 * hashes the blocks record, and transactions whose transient inputs the submitter's store kept are executed again.
 * `beforeWrites`: awaited before anything is written to `state` (the check of its seal, running meanwhile).
 */
export async function replayChain(path: string, state: DiskState, contract?: object, store?: PrivateStore,
  beforeWrites?: () => Promise<void>): Promise<ReplayedChain> {
  const file = basename(path);
  function fail(n: number, what: string, cause?: unknown): never {
    throw new LedgerIntegrityError(n, what, cause === undefined ? { file } : { file, cause });
  }
  const snapshot = state.head();
  const snapshotHeight = snapshot?.height ?? 0;
  const overlay = new PendingState(state);
  let batch: { txId: string; version: string; writes: WriteEntry[] }[] = [];
  let batchWrites = 0;
  const batchTxIds = new Set<string>();
  const offsets: number[] = [];
  let size = 0;
  let lastHash = GENESIS_PREVIOUS_HASH;
  let membership: { orgs: OrgMembership[]; keys: MemberKeys } | null = null;

  let writable = !beforeWrites;
  const flush = async (): Promise<void> => {
    if (!writable) {
      await beforeWrites?.();
      writable = true;
    }
    const txs = batch;
    state.commit(offsets.length, lastHash, () => {
      for (const t of txs) {
        overlay.commit(t.writes, t.version);
        state.recordTx(t.txId, t.version);
      }
    });
    batch = [];
    batchWrites = 0;
    batchTxIds.clear();
  };

  /** Parses a line and checks its shape, number, hash and link. */
  const parseBlock = (n: number, line: LogLine): Block => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch (err) {
      fail(n, `line ${n + 1} is not valid JSON`, err);
    }
    const problem = blockShapeProblem(parsed);
    if (problem) fail(n, `malformed block: ${problem}`);
    const block = parsed as Block;
    checkLink(n, block.number, block.hash, blockHash(block), block.previousHash);
    return block;
  };
  const checkLink = (n: number, number: number, recorded: string, computed: string, previousHash: string): void => {
    if (number !== n) fail(n, `line ${n + 1} holds block number ${number}: blocks are missing, inserted or out of order`);
    if (computed !== recorded) fail(n, 'the block hash does not match its content (the block was modified)');
    if (previousHash !== lastHash) fail(n, `previousHash does not match the hash of block ${n - 1}`);
  };
  /** A key rotation: checked (signature, proof of possession) and its key trusted from then on. */
  const rotate = (n: number, where: string, tx: Tx, keys: MemberKeys): void => {
    if (tx.rwset.reads.length || tx.rwset.writes.length || tx.event) fail(n, `${where}: a key rotation must not read or write state`);
    try {
      addMemberKey(keys, tx.mspId, rotationKey(tx));
    } catch (err) {
      fail(n, `${where}: invalid key rotation: ${(err as Error).message}`, err);
    }
  };
  const signed = (n: number, where: string, tx: Tx, keys: MemberKeys): void => {
    if (!keys.has(tx.mspId)) fail(n, `${where} was submitted by ${tx.mspId}, which is not a member`);
    if (!verifyWithAny(tx, keys.get(tx.mspId))) fail(n, `${where}: the signature does not verify with ${tx.mspId}'s keys`);
  };

  for await (const line of readLines(path)) {
    const n = offsets.length;
    if (!line.terminated) {
      fail(n, 'the last line is incomplete: the ledger stopped while writing this block, which was therefore never committed. ' +
        `Refusing to open; after checking the file, remove the incomplete last line (${line.byteLength} bytes) to recover`);
    }
    const keys: MemberKeys = membership?.keys ?? new Map();
    if (n > 0 && n < snapshotHeight) {
      // Below the snapshot: hash and link from the bytes; only key rotations are read.
      const header = blockHeader(line.bytes);
      if (header) checkLink(n, header.number, header.hash, header.contentHash, header.previousHash);
      const block = header && line.bytes.indexOf(ROTATION_MARK) === -1 ? null : parseBlock(n, line);
      for (const [i, tx] of block?.transactions.entries() ?? []) {
        if (tx.fn !== ROTATE_KEY_FN) continue;
        signed(n, `transaction ${i} (${tx.txId})`, tx, keys);
        rotate(n, `transaction ${i} (${tx.txId})`, tx, keys);
      }
      lastHash = header?.hash ?? (block as Block).hash;
    } else {
      const block = parseBlock(n, line);
      if (n === 0) {
        if (block.transactions.length !== 0) fail(0, 'the genesis block must not hold transactions');
        try {
          membership = normaliseOrgs(block.orgs);
        } catch (err) {
          fail(0, `the genesis membership is invalid: ${(err as Error).message}`, err);
        }
        await store?.setOrgs(membership.orgs.map((o) => o.mspId));
      } else {
        if (block.orgs !== undefined) fail(n, 'only the genesis block may hold the membership');
        if (block.transactions.length === 0) fail(n, 'a block after genesis must hold at least one transaction');
        const last = block.transactions[block.transactions.length - 1];
        if (last && block.timestamp !== last.timestamp) fail(n, 'the block timestamp is not that of its last transaction');
        for (const [i, tx] of block.transactions.entries()) {
          const where = `transaction ${i} (${tx.txId})`;
          signed(n, where, tx, keys);
          if (batchTxIds.has(tx.txId) || state.hasTx(tx.txId)) fail(n, `${where}: the txId was already committed earlier in the chain`);
          batchTxIds.add(tx.txId);
          const writes = tx.rwset.writes.map((w) => ({ key: w.key, value: w.value === null ? null : fromBase64(w.value) as Buffer }));
          batch.push({ txId: tx.txId, version: `${n}:${i}`, writes: tx.fn === ROTATE_KEY_FN ? [] : writes });
          if (tx.fn === ROTATE_KEY_FN) {
            rotate(n, where, tx, keys);
            continue;
          }
          for (const read of tx.rwset.reads) {
            const current = overlay.get(read.key)?.version ?? null;
            if (current !== read.version) {
              fail(n, `${where}: replay mismatch, the read of ${JSON.stringify(read.key)} recorded version ${read.version ?? 'none'} ` +
                `but the chain gives ${current ?? 'none'} at this point`);
            }
          }
          if (contract) {
            const mismatch = await reexecutionMismatch(contract, overlay, tx, store);
            if (mismatch) fail(n, `${where}: ${mismatch} (the write set was altered, or a private store)`);
          } else if (store && tx.rwset.writes.some((w) => w.key.startsWith(HASHED_PREFIX))) {
            const mismatch = privateHashMismatch(tx, store);
            if (mismatch) fail(n, `${where}: ${mismatch} (a private store was altered)`);
          }
          overlay.accept(writes, `${n}:${i}`);
          batchWrites += writes.length;
        }
      }
      lastHash = block.hash;
    }
    if (n === snapshotHeight - 1 && snapshot && lastHash !== snapshot.lastHash) {
      fail(n, `its hash differs from the one the world-state snapshot recorded for it: the block log was rewritten up to here, ` +
        'or the snapshot belongs to another ledger. Refusing to open; if the block log is the right one, remove the state ' +
        'folder to rebuild the world state from it (every block is then verified)');
    }
    offsets.push(line.offset);
    size = line.offset + line.byteLength;
    if (n >= snapshotHeight && batchWrites >= BATCH_WRITES) await flush();
  }
  if (!membership) throw new LedgerIntegrityError(0, 'the block log is empty (no genesis block)', { file });
  if (offsets.length < snapshotHeight) {
    fail(offsets.length, `the block log ends at block ${offsets.length - 1} but the world-state snapshot is at height ${snapshotHeight}: ` +
      'blocks were removed from the end of the log, or the snapshot belongs to another ledger. Refusing to open; if the block log ' +
      'is the right one, remove the state folder to rebuild the world state from it');
  }
  if (offsets.length > snapshotHeight) await flush();
  return { orgs: membership.orgs, keys: membership.keys, offsets, size, lastHash };
}
