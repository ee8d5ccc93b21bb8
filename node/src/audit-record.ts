/**
 * What an audited operation is (LED, Directive (EU) 2016/680, Art. 25): its action, who acted and what a caller hands
 * to the audit log. Apart from the log (modules/audit/audit-entry.ts) so that sign-in (auth/) can describe its audit
 * records without importing a module: auth/ and modules/ then depend on each other in one direction only.
 */
/** The LED Art. 25 processing operations, and `authentication`: refused sign-ins, locks and logouts. */
export const AUDIT_ACTIONS = ['collection', 'consultation', 'disclosure', 'alteration', 'erasure', 'authentication'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: a signed-in user, or a part of the node (e.g. username "node:listener", role "system"). */
export interface AuditActor {
  username: string;
  /** Agency key, e.g. "pn". */
  agency: string;
  role: string;
}

/** What a caller hands to `AuditLog.record`. */
export interface AuditRecord {
  actor: AuditActor;
  action: AuditAction;
  /** STIX ids (or other object ids) the action concerned. */
  objectIds?: readonly string[];
  /** Why (the purpose of the processing), when known. */
  purpose?: string | null;
  /** To whom data went: agency keys for a disclosure, usernames for a consultation. */
  recipients?: readonly string[];
  /** Id of the policy decision that allowed it. */
  decisionId?: string | null;
  policyRevision?: string | null;
  /** Anything else worth keeping (JSON; must survive canonical JSON). */
  details?: Record<string, unknown>;
  /** Defaults to now. */
  at?: Date;
}
