/** Blocks of the embedded ledger: their shape, their hash, and the checks made when reading them back. */
import { createHash } from 'node:crypto';
import { canonicalJson, sha256Hex } from '@popart/schemas';
import type { RwSet } from '@popart/chaincode';
import { isIsoTimestamp, type OrgMembership, type SignedProposal } from './proposal.js';

/** A committed transaction: the signed proposal (transient data is never recorded) and what it did. */
export interface CommittedTx extends Omit<SignedProposal, 'transient'> {
  rwset: {
    reads: { key: string; version: string | null }[];
    /** value base64, null = delete */
    writes: { key: string; value: string | null }[];
  };
  /** payload base64 */
  event: { name: string; payload: string } | null;
}

export interface Block {
  number: number;
  /** Hash of the previous block; 64 zeros for the genesis block. */
  previousHash: string;
  /** sha256 hex of the canonical JSON of the block without `hash`. */
  hash: string;
  /** Time of the last transaction (genesis: creation time). */
  timestamp: string;
  transactions: CommittedTx[];
  /** The membership, in the genesis block (number 0) only. */
  orgs?: OrgMembership[];
}

export const GENESIS_PREVIOUS_HASH = '0'.repeat(64);

export function blockHash(block: Omit<Block, 'hash'>): string {
  const { number, previousHash, timestamp, transactions, orgs } = block;
  return sha256Hex(orgs === undefined ? { number, previousHash, timestamp, transactions } : { number, previousHash, timestamp, transactions, orgs });
}

export function sealBlock(block: Omit<Block, 'hash'>): Block {
  return { ...block, hash: blockHash(block) };
}

/**
 * Seals a block and writes its line (canonical JSON + "\n") with one serialisation: `hash` sorts before every
 * other field, so the line is `{"hash":"…",` followed by the hashed text without its opening brace.
 */
export function sealBlockLine(block: Omit<Block, 'hash'>): { block: Block; line: Buffer } {
  const { number, previousHash, timestamp, transactions, orgs } = block;
  const text = canonicalJson(orgs === undefined ? { number, previousHash, timestamp, transactions } : { number, previousHash, timestamp, transactions, orgs });
  const hash = createHash('sha256').update(text, 'utf8').digest('hex');
  return { block: { ...block, hash }, line: Buffer.from(`{"hash":"${hash}",${text.slice(1)}\n`, 'utf8') };
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export function committedTx(p: SignedProposal, rw: RwSet): CommittedTx {
  return {
    txId: p.txId, mspId: p.mspId, clientId: p.clientId, timestamp: p.timestamp, fn: p.fn, args: [...p.args], signature: p.signature,
    rwset: {
      reads: rw.reads.map((r) => ({ key: r.key, version: r.version })),
      writes: rw.writes.map((w) => ({ key: w.key, value: w.value === null ? null : b64(w.value) })),
    },
    event: rw.event ? { name: rw.event.name, payload: b64(rw.event.payload) } : null,
  };
}

/** Decodes canonical base64, or returns null when the text is not canonical base64. */
export function fromBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isHash = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** What is wrong with the shape of one transaction, or null. */
const BLOCK_FIELDS = new Set(['number', 'previousHash', 'hash', 'timestamp', 'transactions', 'orgs']);
const TX_FIELDS = new Set(['txId', 'mspId', 'clientId', 'timestamp', 'fn', 'args', 'signature', 'rwset', 'event']);

const unknownField = (value: Record<string, unknown>, allowed: Set<string>): string | undefined => Object.keys(value).find((k) => !allowed.has(k));

function txShapeProblem(tx: unknown): string | null {
  if (!isObject(tx)) return 'is not an object';
  const extra = unknownField(tx, TX_FIELDS);
  if (extra !== undefined) return `has an unknown field ${JSON.stringify(extra)}`;
  for (const f of ['txId', 'mspId', 'clientId', 'fn', 'signature'] as const) {
    if (typeof tx[f] !== 'string' || tx[f] === '') return `${f} must be a non-empty string`;
  }
  if (!isIsoTimestamp(tx.timestamp)) return 'timestamp is not an ISO date-time';
  if (!Array.isArray(tx.args) || !tx.args.every((a) => typeof a === 'string')) return 'args must be strings';
  const rw = tx.rwset;
  if (!isObject(rw) || !Array.isArray(rw.reads) || !Array.isArray(rw.writes)) return 'rwset must have reads and writes';
  for (const r of rw.reads as unknown[]) {
    if (!isObject(r) || typeof r.key !== 'string' || !(r.version === null || typeof r.version === 'string')) return 'a read is malformed';
  }
  for (const w of rw.writes as unknown[]) {
    if (!isObject(w) || typeof w.key !== 'string' || w.key === '') return 'a write is malformed';
    if (!(w.value === null || (typeof w.value === 'string' && fromBase64(w.value) !== null))) return `the write of ${JSON.stringify(w.key)} is not base64`;
  }
  const ev = tx.event;
  if (ev !== null && !(isObject(ev) && typeof ev.name === 'string' && ev.name !== '' && typeof ev.payload === 'string' && fromBase64(ev.payload) !== null)) {
    return 'event must be null or { name, payload (base64) }';
  }
  return null;
}

/** What is wrong with the shape of a parsed block line, or null (it is then a `Block`). */
export function blockShapeProblem(value: unknown): string | null {
  if (!isObject(value)) return 'is not a JSON object';
  const extra = unknownField(value, BLOCK_FIELDS);
  if (extra !== undefined) return `has an unknown field ${JSON.stringify(extra)}`;
  if (typeof value.number !== 'number' || !Number.isSafeInteger(value.number) || value.number < 0) return 'number is not a block number';
  if (!isHash(value.previousHash)) return 'previousHash is not a sha256 hex';
  if (!isHash(value.hash)) return 'hash is not a sha256 hex';
  if (!isIsoTimestamp(value.timestamp)) return 'timestamp is not an ISO date-time';
  if (!Array.isArray(value.transactions)) return 'transactions is not an array';
  for (const [i, tx] of (value.transactions as unknown[]).entries()) {
    const problem = txShapeProblem(tx);
    if (problem) return `transaction ${i}: ${problem}`;
  }
  return null;
}
