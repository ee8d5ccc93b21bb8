/**
 * What a TAXII page of objects carries besides the collection's own objects, so that a consumer that reads nothing but
 * the collection (OpenCTI's TAXII feed, a taxii2-client script handing pages to MISP's STIX import) can resolve every
 * reference it meets, as an export would let it (docs/stix-exports.md):
 *
 *   - the closure of the page's objects (threat/closure.ts): the creators' identities, the marking definitions (TLP 2.0
 *     and the TLP 1.0 equivalents the alerts' standard objects carry), the extension definitions and their creator,
 *     what sightings, relationships, reports and notes point at — each only if the viewer may see it, as released to
 *     them by the egress gate;
 *   - each alert's standard objects (a report, a location, a note: schemas' alert-view.ts).
 *
 * These companions are objects of the collection too: they come with the first object of the page that needs them and
 * have its date_added. They have no place of their own in the added order, so `next` and `added_after` still name
 * positions among the collection's own objects and stay stable; a companion needed by several pages comes with each
 * (the same id and version: TAXII consumers keep one). Companions count within `limit`, except that a page always
 * carries at least one own object with everything it needs, so paging always moves on. The match[type] and match[id]
 * filters a client sends apply to companions as to every object; the collection's own narrowing (alerts, indicators)
 * does not: an alert's creator is an identity.
 */
import { alertView, type StixObject } from '@popart/schemas';
import type { Closure } from '../threat/closure.js';
import { referencesOf } from '../threat/closure.js';
import type { ThreatRow } from '../threat/threat-row.js';

/** An object added to a page: `row` when it is stored (disclosed, so audited), null for reference data and views. */
export interface Companion {
  stix: StixObject;
  row: ThreatRow | null;
  /** The date_added of the page's object that brought it. */
  addedAt: string;
  /** An alert's standard object (sent after the objects it refers to), else referenced by the page. */
  derived: boolean;
}

/** The filters the client sent (not the collection's narrowing): companions must pass them too. */
export interface CompanionFilter {
  types?: readonly string[];
  ids?: readonly string[];
}

export interface PackedPage {
  /** How many of the candidate objects the page holds (at least one when there is one). */
  kept: number;
  companions: Companion[];
}

function passes(obj: StixObject, f: CompanionFilter): boolean {
  return (!f.types || f.types.includes(obj.type)) && (!f.ids || f.ids.includes(obj.id));
}

/**
 * Packs a page: as many of `candidates` (in added order) as fit within `limit` with the companions each needs that an
 * earlier one of the page did not already bring. `closure` is what the candidates and their alert views refer to, as
 * visible to the viewer (ThreatService.closure).
 */
export function packPage(
  candidates: readonly { row: ThreatRow; addedAt: string }[],
  closure: Closure,
  views: ReadonlyMap<string, StixObject[]>,
  limit: number,
  filter: CompanionFilter,
): PackedPage {
  const known = new Map<string, { stix: StixObject; row: ThreatRow | null }>();
  for (const o of closure.reference) known.set(o.id, { stix: o, row: null });
  for (const r of closure.rows) known.set(r.id, { stix: r.stix, row: r });
  const own = new Set(candidates.map((c) => c.row.id));
  const sent = new Set<string>();
  const companions: Companion[] = [];
  let kept = 0;
  for (const c of candidates) {
    const wanted: Companion[] = [];
    const seen = new Set<string>();
    const need = (obj: StixObject): void => {
      for (const id of referencesOf(obj)) {
        if (own.has(id) || sent.has(id) || seen.has(id)) continue;
        const found = known.get(id);
        if (!found) continue;
        seen.add(id);
        if (passes(found.stix, filter)) wanted.push({ ...found, addedAt: c.addedAt, derived: false });
        need(found.stix);
      }
    };
    need(c.row.stix);
    for (const v of views.get(versionKey(c.row.stix)) ?? []) {
      if (passes(v, filter)) wanted.push({ stix: v, row: null, addedAt: c.addedAt, derived: true });
      need(v);
    }
    if (kept > 0 && kept + companions.length + 1 + wanted.length > limit) break;
    kept++;
    for (const w of wanted) {
      if (!w.derived) sent.add(w.stix.id);
      companions.push(w);
    }
  }
  return { kept, companions };
}

/** One version of an object: its id and modified (a page may hold several versions of an alert, each with its view). */
export function versionKey(obj: StixObject): string {
  return `${obj.id}|${typeof obj.modified === 'string' ? obj.modified : ''}`;
}

/** Each alert's standard objects (alert-view.ts), by the alert's version (versionKey); the others are `objects`. */
export function viewsOf(objects: readonly StixObject[]): Map<string, StixObject[]> {
  const out = new Map<string, StixObject[]>();
  for (const o of objects) {
    const v = alertView(o, objects);
    if (v.length > 0) out.set(versionKey(o), v);
  }
  return out;
}

/**
 * The alerts' standard objects made again from the objects a page kept: a report holds what the page holds about its
 * alert, and must not name an object cut off to the next page. The same ids, versions and markings, so what they need
 * is what was packed for them.
 */
export function narrowViews(companions: readonly Companion[], kept: readonly StixObject[]): Companion[] {
  const again = new Map([...viewsOf(kept).values()].flat().map((v) => [versionKey(v), v]));
  return companions.map((c) => (c.derived ? { ...c, stix: again.get(versionKey(c.stix)) ?? c.stix } : c));
}
