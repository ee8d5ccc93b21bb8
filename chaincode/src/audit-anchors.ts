/**
 * Anchors of the agencies' audit logs (LED Art. 25): each node keeps its own hash-chained audit log
 * and periodically writes the hash of its head to the ledger, so that rewriting already anchored
 * entries is detectable even by someone who re-hashes the whole local chain.
 *
 * An anchor covers a contiguous segment [from_seq, to_seq] of one organisation's log and carries the
 * hash of entry to_seq. The anchors of an organisation continue each other without gap or overlap,
 * starting at entry 1. Only the organisation itself anchors its log (the creator's MSP must be the
 * anchor's agency_msp).
 *
 *   \0audit-anchor\0<mspId>\0<to_seq, 16 digits>\0   AuditAnchor of every segment, in seq order
 *   audit-anchor~head~<mspId>                         the latest AuditAnchor of the organisation
 */
import { ContractError } from './errors.js';
import type { TxContext, TxStub } from './fabric.js';
import { asRecord, parseJson } from './input.js';
import { collectRows, marshal, txTimeIso, unmarshal } from './records.js';
import { requireCallerAgency } from './registry.js';

export const AUDIT_ANCHOR_INDEX = 'audit-anchor';
const HEAD_PREFIX = 'audit-anchor~head~';
/** Sequence numbers are written with this many digits in keys, so byte order is numeric order. */
const SEQ_DIGITS = 16;

/** What a node submits: the segment of its log and the hash of the segment's last entry. */
export interface AuditAnchorInput {
  agency_msp: string;
  from_seq: number;
  to_seq: number;
  head_hash: string;
}

/** An anchor as stored on the ledger. */
export interface AuditAnchor extends AuditAnchorInput {
  tx_id: string;
  /** Transaction timestamp, ISO 8601. */
  anchored_at: string;
}

const FIELDS = ['agency_msp', 'from_seq', 'to_seq', 'head_hash'] as const;
const HASH = /^[0-9a-f]{64}$/;

export const auditAnchorKey = (stub: TxStub, mspId: string, toSeq: number): string =>
  stub.createCompositeKey(AUDIT_ANCHOR_INDEX, [mspId, String(toSeq).padStart(SEQ_DIGITS, '0')]);
export const auditAnchorHeadKey = (mspId: string): string => HEAD_PREFIX + mspId;

function invalid(property: string, message: string, more: Record<string, unknown> = {}): ContractError {
  return new ContractError('INVALID_ARGUMENT', `anchor ${property}: ${message}`, { objectId: null, property, message, ...more });
}

function seqOf(anchor: Record<string, unknown>, property: 'from_seq' | 'to_seq'): number {
  const v = anchor[property];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw invalid(property, 'must be an integer of at least 1');
  return v;
}

/** Checks the shape of an anchor argument (not yet its place in the organisation's sequence). */
export function parseAnchor(anchorJson: string): AuditAnchorInput {
  const anchor = asRecord(parseJson(anchorJson, 'anchor'), 'anchor');
  for (const key of Object.keys(anchor)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw invalid(key, `unknown property (an anchor has ${FIELDS.join(', ')})`);
  }
  const msp = anchor.agency_msp;
  if (typeof msp !== 'string' || msp === '') throw invalid('agency_msp', 'must be the MSP id of the anchoring organisation');
  const from = seqOf(anchor, 'from_seq');
  const to = seqOf(anchor, 'to_seq');
  if (to < from) throw invalid('to_seq', `must not be below from_seq (${from})`);
  if (String(to).length > SEQ_DIGITS) throw invalid('to_seq', `must have at most ${SEQ_DIGITS} digits`);
  const hash = anchor.head_hash;
  if (typeof hash !== 'string' || !HASH.test(hash)) throw invalid('head_hash', 'must be a lower-case hex SHA-256 (64 characters)');
  return { agency_msp: msp, from_seq: from, to_seq: to, head_hash: hash };
}

export async function latestAuditAnchor(stub: TxStub, mspId: string): Promise<AuditAnchor | undefined> {
  return unmarshal<AuditAnchor>(await stub.getState(auditAnchorHeadKey(mspId)));
}

/** Stores an anchor of the caller's audit log that continues its previous one. */
export async function anchorAuditLog(ctx: TxContext, anchorJson: string): Promise<AuditAnchor> {
  const { stub } = ctx;
  const caller = ctx.clientIdentity.getMSPID();
  const input = parseAnchor(anchorJson);
  if (input.agency_msp !== caller) {
    throw new ContractError('SPOOFED_CREATOR', `${caller} cannot anchor the audit log of ${input.agency_msp}; an organisation anchors only its own log`, {
      objectId: null, property: 'agency_msp', msp_id: caller,
    });
  }
  await requireCallerAgency(ctx);
  const previous = await latestAuditAnchor(stub, caller);
  const expected = previous ? previous.to_seq + 1 : 1;
  if (input.from_seq !== expected) {
    const what = input.from_seq < expected ? 'overlaps the previous anchor' : 'leaves a gap after the previous anchor';
    throw invalid('from_seq', `${input.from_seq} ${what}; the next anchor of ${caller} starts at ${expected}`, { expected_from_seq: expected });
  }
  const anchor: AuditAnchor = { ...input, tx_id: stub.getTxID(), anchored_at: txTimeIso(stub) };
  const bytes = marshal(anchor);
  await stub.putState(auditAnchorKey(stub, caller, anchor.to_seq), bytes);
  await stub.putState(auditAnchorHeadKey(caller), bytes);
  return anchor;
}

/** Every anchor of an organisation's audit log, in sequence order. */
export async function listAuditAnchors(stub: TxStub, mspId: string): Promise<AuditAnchor[]> {
  if (typeof mspId !== 'string' || mspId === '') throw invalid('mspId', 'must be an MSP id');
  const rows = await collectRows(stub.getStateByPartialCompositeKey(AUDIT_ANCHOR_INDEX, [mspId]));
  return rows.map((r) => unmarshal<AuditAnchor>(r.value)).filter((a): a is AuditAnchor => a !== undefined);
}
