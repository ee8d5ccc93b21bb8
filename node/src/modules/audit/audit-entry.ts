/**
 * One entry of the node's audit log (LED, Directive (EU) 2016/680, Art. 25): who did what to which
 * objects, when, why, for whom, under which policy decision; chained to the previous entry by hash.
 *
 *   hash = sha256Hex(canonical JSON of every field of the entry, prev_hash included)
 *
 * The hashed form uses the column names and the ISO 8601 time with milliseconds, so anyone holding the
 * rows (or an export of them) can recompute the chain without this code.
 */
import { canonicalJson, sha256Hex } from '@popart/schemas';
import { InputError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditActor, type AuditRecord } from '../../audit-record.js';

export { AUDIT_ACTIONS, type AuditAction, type AuditActor, type AuditRecord } from '../../audit-record.js';

/** prev_hash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  /** ISO 8601 with milliseconds. */
  at: string;
  actor: string;
  actorAgency: string;
  actorRole: string;
  action: AuditAction;
  objectIds: string[];
  purpose: string | null;
  recipients: string[];
  decisionId: string | null;
  policyRevision: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The chain's head: the last entry's seq and hash (0 and GENESIS_HASH when the log is empty). */
export interface AuditHead { seq: number; hash: string }

/** An entry's fields without its place in the chain. */
export type AuditContent = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

export function actorOf(viewer: Viewer): AuditActor {
  return { username: viewer.username, agency: viewer.agency.key, role: viewer.role };
}

function refuse(property: string, message: string): InputError {
  return new InputError('INVALID_ARGUMENT', `audit entry ${property}: ${message}`, { issues: [{ objectIndex: null, objectId: null, property, message }] });
}

function text(value: unknown, property: string): string {
  if (typeof value !== 'string' || value === '') throw refuse(property, 'must be a non-empty string');
  return value;
}

function optionalText(value: unknown, property: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw refuse(property, 'must be a string or null');
  return value;
}

function texts(value: unknown, property: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw refuse(property, 'must be a list of strings');
  return [...(value as string[])];
}

/** Checks a record and gives the content as it will be stored and hashed. */
export function contentOf(record: AuditRecord, now: Date): AuditContent {
  if (!record || typeof record !== 'object') throw refuse('entry', 'must be an object');
  if (!(AUDIT_ACTIONS as readonly string[]).includes(record.action)) throw refuse('action', `must be one of ${AUDIT_ACTIONS.join(', ')}`);
  const at = record.at ?? now;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw refuse('at', 'must be a valid Date');
  let details: Record<string, unknown>;
  try {
    const value = JSON.parse(canonicalJson(record.details ?? {})) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a JSON object');
    details = value as Record<string, unknown>;
  } catch (err) {
    throw refuse('details', (err as Error).message);
  }
  return {
    at: at.toISOString(),
    actor: text(record.actor?.username, 'actor.username'),
    actorAgency: text(record.actor?.agency, 'actor.agency'),
    actorRole: text(record.actor?.role, 'actor.role'),
    action: record.action,
    objectIds: texts(record.objectIds, 'objectIds'),
    purpose: optionalText(record.purpose, 'purpose'),
    recipients: texts(record.recipients, 'recipients'),
    decisionId: optionalText(record.decisionId, 'decisionId'),
    policyRevision: optionalText(record.policyRevision, 'policyRevision'),
    details,
  };
}

/** The hash of an entry: SHA-256 over the canonical JSON of all its fields, prev_hash included. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    actor_agency: e.actorAgency,
    actor_role: e.actorRole,
    action: e.action,
    object_ids: e.objectIds,
    purpose: e.purpose,
    recipients: e.recipients,
    decision_id: e.decisionId,
    policy_revision: e.policyRevision,
    details: e.details,
    prev_hash: e.prevHash,
  });
}

/** Places content after `prev` in the chain. */
export function chainEntry(content: AuditContent, prev: AuditHead): AuditEntry {
  const unhashed = { ...content, seq: prev.seq + 1, prevHash: prev.hash };
  return { ...unhashed, hash: entryHash(unhashed) };
}

/** A row of the audit_log table as both database drivers return it. */
export interface DbAuditRow {
  seq: number | string;
  at: Date | string;
  actor: string;
  actor_agency: string;
  actor_role: string;
  action: AuditAction;
  object_ids: string[];
  purpose: string | null;
  recipients: string[];
  decision_id: string | null;
  policy_revision: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = 'seq, at, actor, actor_agency, actor_role, action, object_ids, purpose, recipients, decision_id, policy_revision, details, prev_hash, hash';

export function entryFromRow(r: DbAuditRow): AuditEntry {
  return {
    seq: Number(r.seq),
    at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
    actor: r.actor,
    actorAgency: r.actor_agency,
    actorRole: r.actor_role,
    action: r.action,
    objectIds: r.object_ids,
    purpose: r.purpose,
    recipients: r.recipients,
    decisionId: r.decision_id,
    policyRevision: r.policy_revision,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Parameters of one row, in AUDIT_COLUMNS order. */
export function rowParams(e: AuditEntry): unknown[] {
  return [e.seq, e.at, e.actor, e.actorAgency, e.actorRole, e.action, JSON.stringify(e.objectIds), e.purpose,
    JSON.stringify(e.recipients), e.decisionId, e.policyRevision, JSON.stringify(e.details), e.prevHash, e.hash];
}

export const ROW_CASTS: Record<number, string> = { 1: '::timestamptz', 6: '::jsonb', 8: '::jsonb', 11: '::jsonb' };
