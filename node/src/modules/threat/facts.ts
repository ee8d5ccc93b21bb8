/**
 * Building the facts a policy decides on, from a stored row or from a ledger event. An object's area is where the
 * ledger announced it to be: its own area (alert extension, location coordinates) or its standard STIX placement
 * (located-at relationships to locations, a sighting's where_sighted_refs), which the contract resolves at
 * endorsement from the bundle and the ledger (chaincode/src/referring.ts) and the listener keeps in the row.
 */
import { areaBBox, exerciseOf, type StixObject } from '@popart/schemas';
import type { ObjectAnnouncement } from '@popart/chaincode';
import { isTlpLevel } from '@popart/schemas';
import { rowFromObject, type ThreatRow } from './threat-row.js';
import type { ObjectFacts } from '../../policy/policy.js';

type BBox = [number, number, number, number];

function areaFacts(bbox: BBox | null): ObjectFacts['area'] {
  if (!bbox) return null;
  return { bbox, center: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2] };
}

/** Property paths of an object: top-level keys, and nested object keys (not array items) to depth 4. */
export function propertyPaths(obj: StixObject): string[] {
  const out: string[] = [];
  const walk = (value: unknown, prefix: string, depth: number): void => {
    if (depth > 4 || !value || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.push(path);
      walk(v, path, depth + 1);
    }
  };
  walk(obj, '', 1);
  return out;
}

/**
 * Whether the object has the property path (dot-separated, as propertyPaths lists them): each step an own key of a
 * nested object (not an array), at most 4 deep. A key that itself holds a dot is not found by this walk; redaction
 * (egress.ts) walks the same way, so what it could not remove is not reported present.
 */
export function hasPropertyPath(obj: StixObject, path: string): boolean {
  const keys = pathKeys(path);
  if (keys.length > 4) return false;
  let cursor: unknown = obj;
  for (const key of keys) {
    if (!cursor || typeof cursor !== 'object' || Array.isArray(cursor) || !Object.hasOwn(cursor, key)) return false;
    cursor = (cursor as Record<string, unknown>)[key];
  }
  return true;
}

/**
 * A path's keys, split once: the paths asked for are the policy's few redactable ones, asked for every object of every
 * page (bounded, so that paths from elsewhere cannot grow it without end).
 */
const SPLIT_PATHS = new Map<string, readonly string[]>();
function pathKeys(path: string): readonly string[] {
  let keys = SPLIT_PATHS.get(path);
  if (!keys) {
    keys = path.split('.');
    if (SPLIT_PATHS.size < 1_000) SPLIT_PATHS.set(path, keys);
  }
  return keys;
}

/** The exercise an object belongs to, as a fact (absent for a real object, so real objects' facts are unchanged). */
function exerciseFacts(exercise: string | null): { exercise?: string } {
  return exercise === null ? {} : { exercise };
}

export function factsFromRow(row: ThreatRow, publisher: string): ObjectFacts {
  const stix = row.stix;
  let paths: string[] | undefined;
  return {
    id: row.id,
    type: row.type,
    publisher,
    tlp: row.tlp,
    audience: row.audience,
    category: row.category,
    severity: row.severity,
    area: areaFacts(row.bbox),
    ...(row.countries.length ? { countries: row.countries } : {}),
    ...exerciseFacts(exerciseOf(row.stix)),
    // Listed only when asked for (a policy that names its redactable paths asks `present` instead).
    get properties(): string[] {
      return (paths ??= propertyPaths(stix));
    },
    present: (wanted) => [...wanted].filter((p) => hasPropertyPath(stix, p)),
  };
}

/** Facts of an object not committed yet (e.g. to ask whom a publish discloses it to): the same derivation as a stored row. */
export function factsFromObject(obj: StixObject, publisher: string, publisherMsp: string): ObjectFacts {
  return factsFromRow(rowFromObject(obj, { publisherMsp, txId: '', blockNumber: 0, signatureVerified: false }), publisher);
}

export function factsFromAnnouncement(a: ObjectAnnouncement, publisher: string): ObjectFacts {
  const bbox = a.bbox ?? (a.area ? safeBBox(a.area) : null);
  return {
    id: a.id,
    type: a.type,
    publisher,
    tlp: a.tlp !== null && isTlpLevel(a.tlp) ? a.tlp : null,
    audience: a.audience,
    category: a.category,
    severity: a.severity,
    area: areaFacts(bbox),
    ...(a.countries?.length ? { countries: a.countries } : {}),
    properties: [],
  };
}

function safeBBox(area: unknown): BBox | null {
  try {
    return areaBBox(area as Parameters<typeof areaBBox>[0]);
  } catch {
    return null;
  }
}
