/**
 * Opening an existing block log: every line is checked (shape, number, hash, link to the previous
 * block, signatures against the genesis membership, unique txIds) and its write sets are replayed
 * into a fresh world state, checking that every recorded read saw the version the chain implies.
 * When the contract is given, every transaction is also executed again (the contract is deterministic:
 * its only clock is the signed transaction timestamp) and must produce exactly the recorded writes and
 * event, so a value altered in a write set is caught even if every hash after it was recomputed.
 * The first problem stops the replay with a LedgerIntegrityError naming the block.
 */
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import { HASHED_PREFIX, hashedKey, MemoryState, type PrivateWriteEntry } from '@popart/chaincode';
import type { PrivateStore } from './private-store.js';
import { blockHash, blockShapeProblem, fromBase64, GENESIS_PREVIOUS_HASH, type Block } from './block.js';
import { readLines } from './block-log.js';
import { LedgerIntegrityError } from './errors.js';
import { addMemberKey, normaliseOrgs, ROTATE_KEY_FN, rotationKey, verifyWithAny, type MemberKeys, type OrgMembership } from './proposal.js';
import { runTransaction } from './contract-runner.js';

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
async function reexecutionMismatch(contract: object, state: MemoryState, tx: Tx, store: PrivateStore | undefined): Promise<string | null> {
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
  state: MemoryState;
  txIds: Set<string>;
  /** Byte offset of every block's line; `offsets.length` is the height. */
  offsets: number[];
  size: number;
  lastHash: string;
}

/**
 * `store`: the organisations' private data (read, not yet settled); its values are checked against the hashes
 * the blocks record, and transactions whose transient inputs the submitter's store kept are executed again.
 */
export async function replayChain(path: string, contract?: object, store?: PrivateStore): Promise<ReplayedChain> {
  const file = basename(path);
  function fail(n: number, what: string, cause?: unknown): never {
    throw new LedgerIntegrityError(n, what, cause === undefined ? { file } : { file, cause });
  }
  const state = new MemoryState();
  const txIds = new Set<string>();
  const offsets: number[] = [];
  let size = 0;
  let lastHash = GENESIS_PREVIOUS_HASH;
  let membership: { orgs: OrgMembership[]; keys: MemberKeys } | null = null;

  for await (const line of readLines(path)) {
    const n = offsets.length;
    if (!line.terminated) {
      fail(n, 'the last line is incomplete: the ledger stopped while writing this block, which was therefore never committed. ' +
        `Refusing to open; after checking the file, remove the incomplete last line (${line.byteLength} bytes) to recover`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch (err) {
      fail(n, `line ${n + 1} is not valid JSON`, err);
    }
    const problem = blockShapeProblem(parsed);
    if (problem) fail(n, `malformed block: ${problem}`);
    const block = parsed as Block;
    if (block.number !== n) {
      fail(n, `line ${n + 1} holds block number ${block.number}: blocks are missing, inserted or out of order`);
    }
    if (blockHash(block) !== block.hash) fail(n, 'the block hash does not match its content (the block was modified)');
    if (block.previousHash !== lastHash) fail(n, `previousHash does not match the hash of block ${n - 1}`);

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
      const keys: MemberKeys = membership?.keys ?? new Map();
      for (const [i, tx] of block.transactions.entries()) {
        const where = `transaction ${i} (${tx.txId})`;
        if (!keys.has(tx.mspId)) fail(n, `${where} was submitted by ${tx.mspId}, which is not a member`);
        if (!verifyWithAny(tx, keys.get(tx.mspId))) fail(n, `${where}: the signature does not verify with ${tx.mspId}'s keys`);
        if (txIds.has(tx.txId)) fail(n, `${where}: the txId was already committed earlier in the chain`);
        txIds.add(tx.txId);
        if (tx.fn === ROTATE_KEY_FN) {
          if (tx.rwset.reads.length || tx.rwset.writes.length || tx.event) fail(n, `${where}: a key rotation must not read or write state`);
          try {
            addMemberKey(keys, tx.mspId, rotationKey(tx));
          } catch (err) {
            fail(n, `${where}: invalid key rotation: ${(err as Error).message}`, err);
          }
          continue;
        }
        for (const read of tx.rwset.reads) {
          const current = state.get(read.key)?.version ?? null;
          if (current !== read.version) {
            fail(n, `${where}: replay mismatch, the read of ${JSON.stringify(read.key)} recorded version ${read.version ?? 'none'} ` +
              `but the chain gives ${current ?? 'none'} at this point`);
          }
        }
        if (contract) {
          const mismatch = await reexecutionMismatch(contract, state, tx, store);
          if (mismatch) fail(n, `${where}: ${mismatch} (the write set was altered, or a private store)`);
        } else if (store && tx.rwset.writes.some((w) => w.key.startsWith(HASHED_PREFIX))) {
          const mismatch = privateHashMismatch(tx, store);
          if (mismatch) fail(n, `${where}: ${mismatch} (a private store was altered)`);
        }
        state.apply(tx.rwset.writes.map((w) => ({ key: w.key, value: w.value === null ? null : fromBase64(w.value) as Buffer })), `${n}:${i}`);
      }
    }
    offsets.push(line.offset);
    size = line.offset + line.byteLength;
    lastHash = block.hash;
  }
  if (!membership) throw new LedgerIntegrityError(0, 'the block log is empty (no genesis block)', { file });
  return { orgs: membership.orgs, keys: membership.keys, state, txIds, offsets, size, lastHash };
}
