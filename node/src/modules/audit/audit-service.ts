/**
 * The audit log as auditors and supervisors reach it: their own agency's log only. Reading the log is
 * itself recorded (a consultation of the audit log, with the filter used).
 */
import { actorOf, AUDIT_ACTIONS, type AuditAction, type AuditEntry } from './audit-entry.js';
import { encodeAuditCursor, type AuditFilter, type AuditLog } from './audit-log.js';
import { AuthError, InputError } from '../../errors.js';
import type { AgencySubject, Viewer } from '../../identity.js';

export interface AuditFilterInput {
  from?: string | null;
  to?: string | null;
  actor?: string | null;
  agency?: string | null;
  action?: string | null;
  objectId?: string | null;
}

export interface AuditConnection {
  edges: { cursor: string; node: AuditEntry }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface AuditVerificationView {
  ok: boolean;
  entries: number;
  firstBadSeq: number | null;
  problem: string | null;
  anchorsChecked: number;
  headSeq: number;
  headHash: string;
  lastAnchoredSeq: number | null;
}

function bad(property: string, message: string): InputError {
  return new InputError('INVALID_ARGUMENT', `filter.${property}: ${message}`, { issues: [{ objectIndex: null, objectId: null, property: `filter.${property}`, message }] });
}

function time(value: string | null | undefined, property: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw bad(property, 'must be an RFC 3339 timestamp');
  return t;
}

/** The filter input as the log takes it, or INVALID_ARGUMENT naming the field. */
export function toAuditFilter(input: AuditFilterInput): AuditFilter {
  const filter: AuditFilter = {};
  const from = time(input.from, 'from');
  const to = time(input.to, 'to');
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (input.actor) filter.actor = input.actor;
  if (input.agency) filter.agency = input.agency;
  if (input.objectId) filter.objectId = input.objectId;
  if (input.action) {
    const action = input.action.toLowerCase();
    if (!(AUDIT_ACTIONS as readonly string[]).includes(action)) throw bad('action', `must be one of ${AUDIT_ACTIONS.join(', ')}`);
    filter.action = action as AuditAction;
  }
  return filter;
}

export class AuditService {
  constructor(private readonly log: AuditLog, private readonly agency: AgencySubject) {}

  private ownAgency(viewer: Viewer): void {
    if (viewer.agency.key !== this.agency.key) throw new AuthError('FORBIDDEN', `the audit log of ${this.agency.key} is not open to users of ${viewer.agency.key}`);
  }

  async list(viewer: Viewer, input: AuditFilterInput, first: number, after: string | null): Promise<AuditConnection> {
    this.ownAgency(viewer);
    const filter = toAuditFilter(input);
    const page = await this.log.query(filter, first, after);
    await this.log.record({
      actor: actorOf(viewer), action: 'consultation', purpose: 'audit', objectIds: [],
      details: { resource: 'audit_log', filter: { ...input }, first, after, returned: page.entries.map((e) => e.seq) },
    });
    return {
      edges: page.entries.map((e) => ({ cursor: encodeAuditCursor(e.seq), node: e })),
      pageInfo: { hasNextPage: page.hasNext, endCursor: page.endCursor },
    };
  }

  async verify(viewer: Viewer): Promise<AuditVerificationView> {
    this.ownAgency(viewer);
    const v = await this.log.verify();
    return {
      ok: v.ok, entries: v.entries, firstBadSeq: v.firstBadSeq, problem: v.problem, anchorsChecked: v.anchorsChecked,
      headSeq: v.head.seq, headHash: v.head.hash, lastAnchoredSeq: v.lastAnchoredSeq,
    };
  }
}
