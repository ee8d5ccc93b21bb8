/**
 * Audience of an object, and the marking of objects that refer to another one (a sighting of it, an
 * operator's response to an alert): such an object must never be less restricted than its subject,
 * since it reveals at least the subject's id, and who saw or handled it.
 *
 * The audience (identities an AMBER object is addressed to) is the alert extension's `audience_refs`;
 * objects that carry no alert extension name it in the custom property `x_popart_audience_refs`
 * (a list of identity ids), which is how a sighting of an AMBER object keeps that object's audience.
 */
import { alertOf } from './alert-extension.js';
import { isRecord } from './checker.js';
import type { StixIssue } from './issues.js';
import { compareTlp, tlpOf, type TlpLevel } from './tlp.js';
import type { StixObject } from './types.js';

export const AUDIENCE_PROPERTY = 'x_popart_audience_refs';

const isIdentityRef = (v: unknown): v is string => typeof v === 'string' && v.startsWith('identity--');

/** The identities an object is addressed to: the alert's audience_refs, else `x_popart_audience_refs`, else []. */
export function audienceOf(obj: StixObject | Record<string, unknown>): string[] {
  const alert = alertOf(obj);
  if (alert) return alert.audience_refs ? [...alert.audience_refs] : [];
  const refs = isRecord(obj) ? obj[AUDIENCE_PROPERTY] : undefined;
  return Array.isArray(refs) ? [...new Set(refs.filter(isIdentityRef))] : [];
}

/** An object's marking as the policies judge it: its TLP level (unmarked counts as AMBER) and audience. */
export interface Marking {
  tlp: TlpLevel;
  audience: string[];
}

/** The subject of a referring object, with the identity of the agency that published it on the ledger. */
export interface Subject {
  object: StixObject | Record<string, unknown>;
  /** Identity of the publishing agency (may differ from created_by_ref for foreign STIX). */
  publisherIdentity?: string | undefined;
}

export function effectiveMarking(obj: StixObject | Record<string, unknown>): Marking {
  return { tlp: tlpOf(obj as StixObject) ?? 'amber', audience: audienceOf(obj) };
}

/** Who may learn of the subject besides its audience: its creator and its publishing agency. */
function subjectOwners(s: Subject): string[] {
  const createdBy = isRecord(s.object) ? s.object.created_by_ref : undefined;
  return [...new Set([...(isIdentityRef(createdBy) ? [createdBy] : []), ...(s.publisherIdentity ? [s.publisherIdentity] : [])])];
}

/**
 * The marking a referring object takes by default: the subject's TLP (unmarked: AMBER), and for AMBER
 * the subject's audience plus the agency that published the subject (a response goes back to it).
 */
export function inheritedMarking(s: Subject): Marking {
  const m = effectiveMarking(s.object);
  if (m.tlp !== 'amber') return { tlp: m.tlp, audience: [] };
  return { tlp: 'amber', audience: [...new Set([...m.audience, ...subjectOwners(s)])] };
}

/**
 * Why a referring object with `marking`, created by `creator`, would be less restricted than its
 * subject, or undefined when it is not. The issue names `object_marking_refs` (a less restrictive TLP)
 * or `x_popart_audience_refs` (an AMBER audience naming an identity the subject is not addressed to).
 */
export function lessRestrictedThanSubject(marking: Marking, creator: string | undefined, s: Subject): Omit<StixIssue, 'objectIndex' | 'objectId'> | undefined {
  const subject = effectiveMarking(s.object);
  const subjectId = isRecord(s.object) && typeof s.object.id === 'string' ? s.object.id : 'its subject';
  if (compareTlp(marking.tlp, subject.tlp) < 0) {
    return {
      property: 'object_marking_refs',
      message: `TLP:${marking.tlp.toUpperCase()} is less restricted than TLP:${subject.tlp.toUpperCase()} of ${subjectId}, which it refers to: use TLP:${subject.tlp.toUpperCase()} or stricter`,
    };
  }
  if (marking.tlp === 'amber' && subject.tlp === 'amber') {
    const allowed = new Set([...subject.audience, ...subjectOwners(s), ...(creator ? [creator] : [])]);
    const extra = marking.audience.filter((id) => !allowed.has(id));
    if (extra.length > 0) {
      return {
        property: AUDIENCE_PROPERTY,
        message: `names ${extra.join(', ')}, to which ${subjectId} (TLP:AMBER), which it refers to, is not addressed`,
      };
    }
  }
  return undefined;
}
