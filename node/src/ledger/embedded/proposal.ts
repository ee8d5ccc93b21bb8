/**
 * Signed transaction proposals: what a client signs, and how the ledger checks it. Signatures are
 * ECDSA P-256 / SHA-256, DER, base64, with S in the lower half of the curve order (as Fabric requires).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@popart/schemas';
import { signLowS, verifyLowS } from '../../keys/ecdsa.js';
import { EndorsementError } from './errors.js';

export interface SignedProposal {
  txId: string;
  /** MSP id of the submitting organisation; its key in the genesis block must verify `signature`. */
  mspId: string;
  clientId: string;
  /** ISO 8601 transaction time chosen by the client: the only clock the contract sees. */
  timestamp: string;
  fn: string;
  args: string[];
  /** Private inputs passed to the contract and never recorded. */
  transient?: Record<string, string>;
  /** base64 DER ECDSA-SHA256 over `proposalDigestInput(proposal)`, low S. */
  signature: string;
}

export type UnsignedProposal = Omit<SignedProposal, 'signature'>;

/** The canonical text that is signed: canonical JSON of txId, mspId, clientId, timestamp, fn, args (not transient). */
export function proposalDigestInput(p: UnsignedProposal): string {
  return canonicalJson({ txId: p.txId, mspId: p.mspId, clientId: p.clientId, timestamp: p.timestamp, fn: p.fn, args: p.args });
}

export function signProposal(p: UnsignedProposal, privateKey: KeyObject): SignedProposal {
  const signature = signLowS(privateKey, Buffer.from(proposalDigestInput(p), 'utf8')).toString('base64');
  return { ...p, signature };
}

/** True when `signature` is a canonical base64, low-S ECDSA-SHA256 signature of the proposal by the key. */
export function verifyProposal(p: Omit<SignedProposal, 'transient'>, publicKey: string | KeyObject): boolean {
  if (typeof p.signature !== 'string') return false;
  const der = Buffer.from(p.signature, 'base64');
  if (der.length === 0 || der.toString('base64') !== p.signature) return false;
  let input: string;
  try {
    input = proposalDigestInput(p);
  } catch {
    return false;
  }
  return verifyLowS(publicKey, Buffer.from(input, 'utf8'), der);
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isIsoTimestamp(value: unknown): value is string {
  return typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
}

/** Problems with a proposal's shape, one sentence naming the field, or null when well formed. */
export function proposalShapeProblem(p: unknown): string | null {
  if (!p || typeof p !== 'object') return 'the proposal must be an object';
  const r = p as Record<string, unknown>;
  for (const field of ['txId', 'mspId', 'clientId', 'fn', 'signature'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '') return `${field} must be a non-empty string`;
  }
  if (!isIsoTimestamp(r.timestamp)) return 'timestamp must be an ISO 8601 date-time, e.g. 2025-03-01T10:00:00.000Z';
  if (!Array.isArray(r.args) || !r.args.every((a) => typeof a === 'string')) return 'args must be an array of strings';
  if (r.transient !== undefined) {
    const t = r.transient;
    if (!t || typeof t !== 'object' || Array.isArray(t) || !Object.values(t).every((v) => typeof v === 'string')) {
      return 'transient must be an object of strings';
    }
  }
  return null;
}

/** An organisation of the ledger: its MSP id and the ECDSA P-256 public key (SPKI PEM) that signs its transactions. */
export interface OrgMembership {
  mspId: string;
  publicKeyPem: string;
}

/** The org's public keys, oldest first; a transaction verifies with any of them (rotation keeps old keys valid for what they signed). */
export type MemberKeys = Map<string, KeyObject[]>;

function p256Key(pem: unknown, what: string): KeyObject {
  if (typeof pem !== 'string') throw new Error(`${what} must be a PEM string`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`${what} is not a public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error(`${what} must be an ECDSA P-256 key`);
  return key;
}

const spki = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

/** Checks a membership list and returns it with keys normalised to SPKI PEM; throws a message naming the org. */
export function normaliseOrgs(orgs: unknown): { orgs: OrgMembership[]; keys: MemberKeys } {
  if (!Array.isArray(orgs) || orgs.length === 0) throw new Error('orgs must be a non-empty array of { mspId, publicKeyPem }');
  const out: OrgMembership[] = [];
  const keys: MemberKeys = new Map();
  orgs.forEach((o: unknown, i) => {
    const r = (o && typeof o === 'object' ? o : {}) as Record<string, unknown>;
    if (typeof r.mspId !== 'string' || r.mspId === '') throw new Error(`orgs[${i}].mspId must be a non-empty string`);
    if (keys.has(r.mspId)) throw new Error(`orgs[${i}].mspId ${r.mspId} appears twice`);
    const key = p256Key(r.publicKeyPem, `orgs[${i}].publicKeyPem (${r.mspId})`);
    keys.set(r.mspId, [key]);
    out.push({ mspId: r.mspId, publicKeyPem: spki(key) });
  });
  return { orgs: out, keys };
}

/**
 * Key rotation is a membership transaction handled by the ledger itself (like a channel config update in
 * Fabric), not by the contract: signed with one of the org's current keys, args = [new key SPKI PEM, proof],
 * where the proof is the new key's signature over `rotationProofInput` (possession of the new key).
 */
export const ROTATE_KEY_FN = 'popart.membership.rotateKey';

export function rotationProofInput(p: { txId: string; mspId: string }, newKeyPem: string): Buffer {
  return Buffer.from(canonicalJson({ purpose: 'popart-key-rotation', txId: p.txId, mspId: p.mspId, publicKeyPem: newKeyPem }), 'utf8');
}

/** The new key a rotation transaction adds, after checking its proof; throws a sentence saying what is wrong. */
export function rotationKey(p: Pick<SignedProposal, 'txId' | 'mspId' | 'args'>): KeyObject {
  if (p.args.length !== 2) throw new Error('a key rotation takes 2 arguments: the new public key (SPKI PEM) and its proof signature');
  const key = p256Key(p.args[0], 'the new key');
  const proof = Buffer.from(p.args[1] as string, 'base64');
  if (!verifyLowS(key, rotationProofInput(p, p.args[0] as string), proof)) throw new Error('the proof of possession does not verify with the new key');
  return key;
}

/** Adds a rotated key to the org's keys (no duplicate). */
export function addMemberKey(keys: MemberKeys, mspId: string, key: KeyObject): void {
  const list = keys.get(mspId) ?? [];
  if (!list.some((k) => k.equals(key))) list.push(key);
  keys.set(mspId, list);
}

export function verifyWithAny(p: Omit<SignedProposal, 'transient'>, keys: readonly KeyObject[] | undefined): boolean {
  return !!keys && keys.some((k) => verifyProposal(p, k));
}

/** Refuses a proposal that is malformed, from an unknown MSP, or not signed by one of that MSP's keys. */
export function endorse(p: SignedProposal, keys: ReadonlyMap<string, KeyObject[]>): void {
  const problem = proposalShapeProblem(p);
  if (problem) throw new EndorsementError(`malformed proposal: ${problem}`);
  const own = keys.get(p.mspId);
  if (!own) throw new EndorsementError(`unknown MSP ${p.mspId}: not a member of this ledger`);
  if (!verifyWithAny(p, own)) throw new EndorsementError(`transaction ${p.txId}: the signature does not verify with ${p.mspId}'s key (or has a high S)`);
}
