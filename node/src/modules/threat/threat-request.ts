/**
 * What a request to the threat service says and how it is read: the search filter, the purpose a consultation is made
 * under (stated with it or for the session), an exercise asked for explicitly, nested reads, and the errors naming the
 * argument. Shared by the GraphQL resolvers and the other egress paths (CAP, TAXII, MISP feed, webhooks, venues).
 */
import { EXERCISE_ID_RE } from '@popart/schemas';
import { InputError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import type { ThreatRow } from './threat-row.js';
import type { ThreatQuery } from './threat-store.js';

export interface ThreatFilterInput {
  types?: string[] | null;
  categories?: string[] | null;
  severities?: string[] | null;
  agencies?: string[] | null;
  from?: string | null;
  to?: string | null;
  bbox?: number[] | null;
  text?: string | null;
  /** Only the objects of this exercise (training), which are otherwise never listed. */
  exercise?: string | null;
  /** Only objects linked to another object this user may see (modules/correlation). */
  correlated?: boolean | null;
}

export interface ThreatConnection {
  edges: { cursor: string; node: ThreatRow }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const MAX_PAGE = 200;

/** Markings under which a consultation must state its purpose (LED Art. 25); unmarked counts as AMBER. */
export const RESTRICTED = new Set<string | null>(['amber', 'amber+strict', 'red', null]);

/**
 * The purpose a consultation is made under: the one stated with it, else the one the user stated for the session
 * (`statePurpose`); null without either.
 */
export function purposeOf(viewer: Viewer, stated: string | null | undefined): string | null {
  return stated?.trim() || viewer.purpose || null;
}

/**
 * The viewer asking explicitly for an exercise's objects (`property` names the argument in errors), or the viewer as is.
 * Only such a request is shown that exercise's objects (the policy's visibility.exercise).
 */
export function asking(viewer: Viewer, exercise: string | null | undefined, property = 'exercise'): Viewer {
  if (exercise === null || exercise === undefined) return viewer;
  if (!EXERCISE_ID_RE.test(exercise)) throw argError(property, `"${exercise}" is not an exercise id (1 to 64 letters, digits, ".", "_" or "-")`);
  return { ...viewer, exercise };
}

/** What a list does with restricted results when no purpose is known: refuse the whole request, or leave them out. */
export type WithoutPurpose = 'refuse' | 'leave-out';

/** A page that left restricted results out for want of a purpose: what `restrictedLeftOut` counts. */
export interface LeftOut { viewer: Viewer; query: ThreatQuery }

export interface Explanation {
  id: string;
  /** The object has reached this node (stored, or withheld by the release policy). */
  known: boolean;
  visible: boolean;
  rule: string;
  reasons: string[];
  /** What was removed or coarsened for this user. */
  redacted: string[];
  tlp: string | null;
  publisher: string | null;
  policyRevision: string;
}

export function argError(property: string, message: string): InputError {
  return new InputError('INVALID_ARGUMENT', `${property}: ${message}`, { issues: [{ objectIndex: null, objectId: null, property, message }] });
}

export function parseDate(value: string | null | undefined, property: string): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw argError(property, `"${value}" is not an RFC 3339 timestamp`);
  return new Date(t);
}

/** Options of a nested read (a field of an object already returned, e.g. `threat(id) { sightings }`). */
export interface NestedRead {
  /** The purpose stated on the field; without it, the purpose the parent object was consulted under. */
  purpose?: string | null | undefined;
  /** Names the field in the audit log and in errors, e.g. "threat.sightings". */
  resource: string;
  /** Keeps only these rows (e.g. the responses among sightings). */
  pick?: (row: ThreatRow) => boolean;
}
