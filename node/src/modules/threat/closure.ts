/**
 * What a bundle given out must carry besides its objects so that other tools can import it whole (MISP's converter
 * stops at a reference it cannot resolve, OpenCTI refuses the object): everything its objects refer to that the viewer
 * may see — the creators' identities, the identities and locations of sightings, what sightings, relationships,
 * reports and notes point at, the marking definitions and the extension definitions with their creator — and what
 * those refer to in turn.
 *
 * Stored objects are fetched and handed to the egress gate like any other (the `visible` function of the caller):
 * a referenced object the viewer may not see is left out, never added. Public reference data (the TLP 2.0 and TLP 1.0
 * marking definitions, the alert and agency extension definitions and the POP-ART identity that created them) comes
 * from schemas/.
 */
import { agencyExtensionDefinition, alertExtensionDefinition, isStixId, popartIdentity, TLP, TLP1, type StixObject } from '@popart/schemas';
import type { ThreatRow } from './threat-row.js';

/** Reference objects every node knows, by id: always visible, never read from the store. */
const REFERENCE: ReadonlyMap<string, StixObject> = new Map(
  [...Object.values(TLP), ...Object.values(TLP1), alertExtensionDefinition, agencyExtensionDefinition, popartIdentity].map((o) => [o.id, o as StixObject]),
);

/** Whether the id is public reference data every node knows (TLP 2.0 and 1.0 definitions, the POP-ART definitions and their creator). */
export function isReferenceData(id: string): boolean {
  return REFERENCE.has(id);
}

/** How many rounds of references of references are followed (creator → its marking → … ends after two). */
const MAX_ROUNDS = 4;

/**
 * The ids an object refers to: every `*_ref` and `*_refs` property at any depth (its creator, markings — object and
 * granular —, sighting and relationship ends, a report's or note's objects, an alert's audience) and the extension
 * definitions of its `extensions`. Values that are not STIX ids (an observed-data's local "0" keys) are skipped.
 */
export function referencesOf(obj: StixObject): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) walk(v, depth + 1);
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'extensions' && v && typeof v === 'object') {
        for (const ext of Object.keys(v)) if (ext.startsWith('extension-definition--')) out.add(ext);
      }
      if (key.endsWith('_ref') && typeof v === 'string') {
        if (isStixId(v)) out.add(v);
      } else if (key.endsWith('_refs') && Array.isArray(v)) {
        for (const r of v) if (typeof r === 'string' && isStixId(r)) out.add(r);
      } else {
        walk(v, depth + 1);
      }
    }
  };
  walk(obj, 0);
  out.delete(obj.id);
  return [...out];
}

export interface Closure {
  /** Stored objects added, as released to the viewer: they are disclosed too (audit them with the rest). */
  rows: ThreatRow[];
  /** Public reference objects added (marking and extension definitions, the POP-ART identity). */
  reference: StixObject[];
}

/**
 * The closure of `objects` under references, for one viewer. `visible(ids)` returns the stored objects among `ids`
 * that the viewer may see, released (and redacted) by the egress gate; ids it leaves out stay unresolved.
 */
export async function closeOver(objects: readonly StixObject[], visible: (ids: string[]) => Promise<ThreatRow[]>): Promise<Closure> {
  const have = new Set(objects.map((o) => o.id));
  const rows: ThreatRow[] = [];
  const reference: StixObject[] = [];
  let frontier: readonly StixObject[] = objects;
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0; round++) {
    const wanted = [...new Set(frontier.flatMap(referencesOf))].filter((id) => !have.has(id));
    const next: StixObject[] = [];
    const stored: string[] = [];
    for (const id of wanted) {
      have.add(id);
      const known = REFERENCE.get(id);
      if (known) {
        reference.push(known);
        next.push(known);
      } else stored.push(id);
    }
    if (stored.length > 0) {
      for (const row of await visible(stored)) {
        rows.push(row);
        next.push(row.stix);
      }
    }
    frontier = next;
  }
  return { rows, reference };
}
