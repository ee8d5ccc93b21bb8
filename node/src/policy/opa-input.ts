/**
 * The input documents of the Rego policies (policies/README.md describes them): the node passes the
 * time, the subject and the facts of each object; the policies never read a clock.
 */
import type { Viewer } from '../identity.js';
import type { DecideOptions, Decision, ObjectFacts } from './policy.js';

export const ENTRYPOINTS = {
  release: 'popart/release/decision',
  releaseMany: 'popart/release/decisions',
  visibility: 'popart/visibility/decision',
  redaction: 'popart/redaction/decision',
  routing: 'popart/routing/decision',
  decisions: 'popart/gate/decisions',
  verdicts: 'popart/gate/verdicts',
  redactionPaths: 'popart/redaction/paths',
  subjectFields: 'popart/gate/subject_fields',
} as const;

export interface Subject { agency: string; role: string; username: string; exercise?: string }

/** The subject of a decision; `exercise` when the request asked for an exercise's objects explicitly. */
export function subjectOf(viewer: Viewer): Subject {
  return { agency: viewer.agency.key, role: viewer.role, username: viewer.username, ...(viewer.exercise ? { exercise: viewer.exercise } : {}) };
}

/** The release check is about the agency: a subject with no user. */
export function agencySubject(agencyKey: string): Subject {
  return { agency: agencyKey, role: 'analyst', username: `${agencyKey}-node` };
}

/**
 * An object's facts as the policies read them. `redactable` (the policy's popart/redaction/paths) keeps
 * only the property paths a redaction rule names: the others cannot change a decision, and an object
 * has dozens of them, which would make up most of the input of a large page.
 */
export function objectInput(o: ObjectFacts, redactable?: ReadonlySet<string>): Record<string, unknown> {
  return {
    id: o.id, type: o.type, publisher: o.publisher, tlp: o.tlp, audience: o.audience,
    category: o.category, severity: o.severity, area: o.area,
    ...(o.countries?.length ? { countries: o.countries } : {}),
    ...(o.exercise ? { exercise: o.exercise } : {}),
    properties: !redactable ? o.properties : o.present ? o.present(redactable) : o.properties.filter((p) => redactable.has(p)),
  };
}

/** The redaction paths from what popart/redaction/paths returned (absent: no filtering). */
export function toRedactable(raw: unknown): ReadonlySet<string> | undefined {
  return isStringList(raw) ? new Set(raw) : undefined;
}

/** The subject fields from what popart/gate/subject_fields returned (absent or malformed: undefined, every field counts). */
export function toFieldList(raw: unknown): readonly string[] | undefined {
  return isStringList(raw) ? raw : undefined;
}

/** What the policy's list entrypoints (paths, fields) return when well formed: strings. */
function isStringList(raw: unknown): raw is string[] {
  return Array.isArray(raw) && raw.every((x) => typeof x === 'string');
}

interface RawDecision {
  id?: string;
  allow?: boolean;
  reasons?: string[];
  rule?: string;
  remove?: string[];
  coarsen?: { path: string; decimals: number }[];
}

/** The gate's entrypoint: decisions with reasons, or verdicts without them. */
export function pageEntrypoint(options?: DecideOptions): string {
  return options?.reasons === false ? ENTRYPOINTS.verdicts : ENTRYPOINTS.decisions;
}

/** A decision as the node uses it, from what the policy returned (absent fields deny). */
export function toDecision(raw: unknown, options?: DecideOptions): Decision {
  const r = (raw ?? {}) as RawDecision;
  const missing = options?.reasons === false ? [] : ['the policy returned no decision'];
  return {
    allow: r.allow === true,
    reasons: Array.isArray(r.reasons) ? r.reasons : missing,
    rule: typeof r.rule === 'string' ? r.rule : 'undefined',
    remove: Array.isArray(r.remove) ? r.remove : [],
    coarsen: Array.isArray(r.coarsen) ? r.coarsen : [],
  };
}

/** A routing result as the node uses it (absent fields route to nobody). */
export function toRouting(raw: unknown): { recipients: string[]; reasons: Record<string, string[]> } {
  const r = (raw ?? {}) as { recipients?: unknown; reasons?: unknown };
  return {
    recipients: Array.isArray(r.recipients) ? r.recipients.filter((x): x is string => typeof x === 'string') : [],
    reasons: r.reasons && typeof r.reasons === 'object' ? (r.reasons as Record<string, string[]>) : {},
  };
}
