/**
 * Where an object is, from standard STIX 2.1 placement as MISP, OpenCTI and the OASIS examples write
 * it, not only from POP-ART's alert extension:
 *
 *  1. the object's own area: an alert's area, a location's latitude/longitude (circle of `precision`
 *     metres when given); a location's `country` (ISO 3166-1 alpha-2) when it has no coordinates;
 *  2. otherwise `located-at` relationships from the object to `location` objects;
 *  3. for a sighting, its `where_sighted_refs`: a location, or an identity placed by `located-at`.
 *
 * Several places make one envelope (bounding box) and the union of their countries. Objects that
 * the placement refers to may be in the same bundle or resolved from elsewhere (the ledger).
 */
import { areaBBox, areaOfObject, type BBox } from './alert-area.js';
import { isRecord } from './checker.js';

type Obj = Record<string, unknown>;

export interface Placement {
  /** [minLon, minLat, maxLon, maxLat], or null when only countries (or nothing) are known. */
  bbox: BBox | null;
  /** ISO 3166-1 alpha-2 codes, upper case, sorted; [] when none. */
  countries: string[];
}

const NOWHERE: Placement = Object.freeze({ bbox: null, countries: [] }) as Placement;

const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? o[k] : undefined);

/** The place an object states itself (alert area, location coordinates or country). */
export function ownPlacement(obj: unknown): Placement {
  if (!isRecord(obj)) return NOWHERE;
  const area = areaOfObject(obj);
  if (area) return { bbox: areaBBox(area), countries: [] };
  if (obj.type === 'location') {
    const country = str(obj, 'country');
    if (country && /^[A-Za-z]{2}$/.test(country)) return { bbox: null, countries: [country.toUpperCase()] };
  }
  return NOWHERE;
}

export function isPlaced(p: Placement): boolean {
  return p.bbox !== null || p.countries.length > 0;
}

function union(places: readonly Placement[]): Placement {
  const boxes = places.flatMap((p) => (p.bbox ? [p.bbox] : []));
  const bbox: BBox | null = boxes.length === 0 ? null : [
    Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3])),
  ];
  return { bbox, countries: [...new Set(places.flatMap((p) => p.countries))].sort() };
}

function locatedAt(objects: readonly unknown[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of objects) {
    if (!isRecord(o) || o.type !== 'relationship' || o.relationship_type !== 'located-at' || o.revoked === true) continue;
    const source = str(o, 'source_ref');
    const target = str(o, 'target_ref');
    if (!source || !target?.startsWith('location--')) continue;
    out.set(source, [...(out.get(source) ?? []), target]);
  }
  return out;
}

/**
 * Ids the placement of the bundle's objects refers to that the bundle does not hold (locations named by
 * `located-at` or `where_sighted_refs`): the caller resolves them (from the ledger) for `placementsOf`.
 */
export function placementRefs(objects: readonly unknown[]): string[] {
  const held = new Set(objects.flatMap((o) => (isRecord(o) && typeof o.id === 'string' ? [o.id] : [])));
  const refs = new Set<string>();
  for (const targets of locatedAt(objects).values()) for (const t of targets) refs.add(t);
  for (const o of objects) {
    if (!isRecord(o) || o.type !== 'sighting' || !Array.isArray(o.where_sighted_refs)) continue;
    for (const r of o.where_sighted_refs) if (typeof r === 'string' && r.startsWith('location--')) refs.add(r);
  }
  return [...refs].filter((id) => !held.has(id)).sort();
}

/**
 * The placement of each object of a bundle, by id (objects with no known place get none). `resolved`
 * holds objects the bundle refers to but does not carry (see placementRefs).
 */
export function placementsOf(objects: readonly unknown[], resolved: ReadonlyMap<string, unknown> = new Map()): Map<string, Placement> {
  const byId = new Map<string, unknown>(resolved);
  for (const o of objects) if (isRecord(o) && typeof o.id === 'string') byId.set(o.id, o);
  const rels = locatedAt(objects);
  const placeOfRef = (id: string): Placement[] => {
    if (id.startsWith('location--')) return [ownPlacement(byId.get(id))];
    return (rels.get(id) ?? []).map((t) => ownPlacement(byId.get(t)));
  };
  const out = new Map<string, Placement>();
  for (const o of objects) {
    if (!isRecord(o) || typeof o.id !== 'string') continue;
    const own = ownPlacement(o);
    if (isPlaced(own)) {
      out.set(o.id, own);
      continue;
    }
    const places = (rels.get(o.id) ?? []).map((t) => ownPlacement(byId.get(t)));
    if (o.type === 'sighting' && Array.isArray(o.where_sighted_refs)) {
      for (const r of o.where_sighted_refs) if (typeof r === 'string') places.push(...placeOfRef(r));
    }
    const p = union(places);
    if (isPlaced(p)) out.set(o.id, p);
  }
  return out;
}
