/**
 * The marking of an object the user publishes about another one (a sighting of it, a response to an
 * alert): never less restricted than its subject. By default it inherits the subject's TLP (unmarked:
 * AMBER) and, for AMBER, its audience plus the subject's publishing agency; the user may choose a
 * stricter TLP, and a less restricted one is refused naming the argument. The contract enforces the
 * same rule at endorsement (chaincode/src/referring.ts).
 */
import { AUDIENCE_PROPERTY, compareTlp, inheritedMarking, isTlpLevel, tlpMarkingRef, TLP_ORDER, type TlpLevel } from '@popart/schemas';
import { InputError } from '../../errors.js';
import type { ThreatRow } from '../threat/threat-row.js';

/** The STIX properties that mark a referring object. */
export interface ReferringMarking {
  object_marking_refs: string[];
  [AUDIENCE_PROPERTY]?: string[];
}

function tlpError(property: string, message: string): InputError {
  return new InputError('INVALID_ARGUMENT', `${property}: ${message}`, { issues: [{ objectIndex: null, objectId: null, property, message }] });
}

/** A TLP argument as users write it (GREEN, amber+strict, …), or null when not given; `property` names the argument in errors. */
export function parseTlpArgument(value: string | null | undefined, property = 'tlp'): TlpLevel | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const tlp = value.trim().toLowerCase();
  if (!isTlpLevel(tlp)) throw tlpError(property, `"${value}" is not ${TLP_ORDER.map((l) => l.toUpperCase()).join(', ')}`);
  return tlp;
}

/**
 * The marking for an object referring to `subject` (as this user reads it), published by the agency with
 * identity `creator`; `chosen` is the TLP the user asked for (null: inherit).
 */
export function referringMarking(subject: ThreatRow, subjectPublisherIdentity: string | undefined, chosen: TlpLevel | null, property = 'tlp'): ReferringMarking {
  const inherited = inheritedMarking({ object: subject.stix, publisherIdentity: subjectPublisherIdentity });
  if (chosen !== null && compareTlp(chosen, inherited.tlp) < 0) {
    const need = inherited.tlp.toUpperCase();
    throw tlpError(property, `TLP:${chosen.toUpperCase()} is less restricted than TLP:${need} of ${subject.id}, which it refers to: choose ${need} or stricter, or leave ${property} out to inherit it`);
  }
  const tlp = chosen ?? inherited.tlp;
  if (tlp !== 'amber') return { object_marking_refs: [tlpMarkingRef(tlp)] };
  // AMBER: the subject's audience when it is AMBER too; for a less restricted subject, the agency that published it.
  const audience = inherited.tlp === 'amber' ? inherited.audience : [subjectPublisherIdentity, subject.createdByRef].filter((x): x is string => typeof x === 'string');
  return { object_marking_refs: [tlpMarkingRef('amber')], [AUDIENCE_PROPERTY]: [...new Set(audience)] };
}
