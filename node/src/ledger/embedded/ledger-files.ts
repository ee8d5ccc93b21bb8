/**
 * Opening the embedded ledger's files in its data directory: the block log (created with its genesis block
 * when missing), the world-state snapshot (world-state.ts), the organisations' private logs (private-store.ts);
 * the chain is verified against the snapshot and the blocks after it replayed (chain-replay.ts).
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { canonicalJson } from '@popart/schemas';
import { GENESIS_PREVIOUS_HASH, sealBlock } from './block.js';
import { BlockLogWriter, createLog } from './block-log.js';
import { replayChain, type ReplayedChain } from './chain-replay.js';
import { LedgerError, LedgerIntegrityError } from './errors.js';
import { PrivateStore } from './private-store.js';
import { normaliseOrgs, type OrgMembership } from './proposal.js';
import { DiskState, type SealCheck } from './world-state.js';

export interface EmbeddedLedgerOptions {
  /** Data directory (created if missing); holds blocks.jsonl, state/ (the world state) and private/. */
  dir: string;
  /** The membership: required to create a new ledger (it becomes block 0); on reopen it must match block 0, or be omitted. */
  orgs?: OrgMembership[];
  /** An instance of the contract class, e.g. `new ThreatExchangeContract()`. */
  contract: object;
  /** Block cutting: at most this many transactions per block (default 200). */
  batchMaxTx?: number;
  /** Block cutting: at most this long (ms) between a block's first transaction and its cut (default 2). */
  batchTimeoutMs?: number;
  /** fdatasync every block before answering its submitters (default true). */
  fsync?: boolean;
  /**
   * Execute every transaction replayed when opening (those after the world-state snapshot) again, and require
   * the recorded writes and events (default true). Catches altered write sets even where every later hash was recomputed.
   */
  reexecuteOnOpen?: boolean;
  /**
   * When the ledger stopped without closing (no seal on its world-state snapshot): read and hash every entry of
   * the snapshot when opening, and require the digest recorded with it (default true; about 45 s of CPU at a million objects).
   */
  checkStateOnOpen?: boolean;
  /**
   * Also verify the whole chain in full when opening (every signature, read version and re-execution, as when the
   * state is rebuilt) into a scratch store beside the snapshot, and require the snapshot to hold exactly the state
   * that gives: catches a snapshot rewritten together with its seal and digest. As slow as a rebuild (default false).
   */
  fullCheckOnOpen?: boolean;
}

export const BLOCK_FILE = 'blocks.jsonl';
export const STATE_DIR = 'state';

export function positiveInt(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new LedgerError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  return value;
}

function checkOrgs(orgs: OrgMembership[]): OrgMembership[] {
  try {
    return normaliseOrgs(orgs).orgs;
  } catch (err) {
    throw new LedgerError((err as Error).message, { cause: err });
  }
}

function sameMembership(a: readonly OrgMembership[], b: readonly OrgMembership[]): boolean {
  const key = (orgs: readonly OrgMembership[]): string => canonicalJson([...orgs].sort((x, y) => (x.mspId < y.mspId ? -1 : 1)));
  return key(a) === key(b);
}

export interface LedgerFiles {
  dir: string;
  file: string;
  chain: ReplayedChain;
  state: DiskState;
  privateStore: PrivateStore;
  writer: BlockLogWriter;
}

/**
 * Refuses a snapshot altered since the ledger wrote it: a sealed one whose data file no longer has the SHA-256
 * its seal records, an unsealed one (the ledger stopped without closing) whose entries no longer hash to the
 * digest recorded with it.
 */
function checkSnapshot(state: DiskState, seal: SealCheck, scan: boolean, file: string): void {
  const head = state.head();
  const altered = seal === 'altered' || (seal === 'unsealed' && scan && head !== null && state.scanDigest() !== head.digest);
  if (!altered) return;
  const how = seal === 'altered' ? 'its data file or its seal changed since the ledger closed it' : 'its entries do not hash to the digest recorded with it';
  throw new LedgerIntegrityError(Math.max(0, (head?.height ?? 1) - 1), `the world-state snapshot taken after this block (${STATE_DIR}/) was altered: ` +
    `${how}. Refusing to open; remove the state folder to rebuild the world state from the block log (every block is then verified)`, { file });
}

/** The whole chain verified into a scratch store; the snapshot must hold the same state (height and digest). */
async function fullCheck(dir: string, file: string, state: DiskState, contract: object): Promise<void> {
  const scratchDir = join(dir, `${STATE_DIR}-check`);
  await rm(scratchDir, { recursive: true, force: true });
  const { state: scratch } = await DiskState.open(scratchDir, false);
  try {
    await replayChain(file, scratch, contract, await PrivateStore.load(dir, false, scratch, { scratch: true }));
    const [verified, snapshot] = [scratch.head(), state.head()];
    if (verified?.height !== snapshot?.height || verified?.digest !== snapshot?.digest) {
      throw new LedgerIntegrityError(Math.max(0, (snapshot?.height ?? 1) - 1), `the world-state snapshot (${STATE_DIR}/) differs from the state ` +
        'the fully verified chain gives: it was rewritten. Refusing to open; remove the state folder to rebuild it from the block log', { file: BLOCK_FILE });
    }
  } finally {
    await scratch.close(false);
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** Opens (or creates) the files of the ledger in `opts.dir`, verifying the chain; the caller closes them. */
export async function openLedgerFiles(opts: EmbeddedLedgerOptions): Promise<LedgerFiles> {
  const dir = resolve(opts.dir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, BLOCK_FILE);
  const given = opts.orgs === undefined ? null : checkOrgs(opts.orgs);
  if (!(await stat(file).catch(() => null))) {
    if (!given) throw new LedgerError(`no ledger in ${dir}: orgs are required to create one`);
    const genesis = sealBlock({ number: 0, previousHash: GENESIS_PREVIOUS_HASH, timestamp: new Date().toISOString(), transactions: [], orgs: given });
    await createLog(file, canonicalJson(genesis) + '\n');
  }
  const fsync = opts.fsync ?? true;
  // The store's data file is hashed against its seal in a worker while the block log is checked up to the
  // snapshot (reading only); it must be found intact before the first block after it is replayed into the store.
  const { state, seal } = await DiskState.openChecking(join(dir, STATE_DIR), fsync);
  const privateStore = await PrivateStore.load(dir, fsync, state);
  try {
    const checked = seal.then((found) => checkSnapshot(state, found, opts.checkStateOnOpen ?? true, BLOCK_FILE));
    // Never left rejected unobserved when the replay fails first.
    checked.catch(() => undefined);
    const chain = await replayChain(file, state, opts.reexecuteOnOpen === false ? undefined : opts.contract, privateStore, () => checked);
    await checked;
    await privateStore.settle(chain.offsets.length);
    if (opts.fullCheckOnOpen) await fullCheck(dir, file, state, opts.contract);
    if (given && !sameMembership(given, chain.orgs)) {
      throw new LedgerError(`the orgs given do not match the membership in the genesis block of ${file} ` +
        `(${chain.orgs.map((o) => o.mspId).join(', ')})`);
    }
    const writer = await BlockLogWriter.open(file, chain.size, fsync);
    return { dir, file, chain, state, privateStore, writer };
  } catch (err) {
    await privateStore.close(false);
    await state.close(false);
    throw err;
  }
}
