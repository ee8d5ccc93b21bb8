/**
 * Traffic Light Protocol markings. TLP 2.0 is carried in STIX 2.1 through the TLP 2.0 extension
 * (extension-definition--60a3c5c5-…), with marking-definition objects whose ids and content are fixed by
 * the publication in oasis-open/cti-stix-common-objects (extension-definition-specifications/tlp-2.0):
 * those objects carry no created_by_ref and no modified. The TLP 1.0 markings are predefined by the
 * STIX 2.1 specification (§7.2.1.4); they are read as their TLP 2.0 equivalent (white → clear).
 */
import { Checker, isRecord } from './checker.js';
import { selectorCovers } from './selectors.js';
import type { MarkingDefinition, StixObject } from './types.js';

export type TlpLevel = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

/** From least to most restrictive; compare with {@link compareTlp}. */
export const TLP_ORDER: readonly TlpLevel[] = Object.freeze(['clear', 'green', 'amber', 'amber+strict', 'red'] as const);

export const TLP_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';
export const TLP_CREATED = '2022-10-01T00:00:00.000Z';

const TLP2_IDS: Record<TlpLevel, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function tlp2Marking(level: TlpLevel): MarkingDefinition {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_IDS[level],
    created: TLP_CREATED,
    name: `TLP:${level.toUpperCase()}`,
    extensions: { [TLP_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level } },
  };
}

/** The five TLP 2.0 marking-definition objects, exactly as published (frozen). */
export const TLP: Readonly<Record<TlpLevel, MarkingDefinition>> = deepFreeze({
  clear: tlp2Marking('clear'),
  green: tlp2Marking('green'),
  amber: tlp2Marking('amber'),
  'amber+strict': tlp2Marking('amber+strict'),
  red: tlp2Marking('red'),
});

export type Tlp1Level = 'white' | 'green' | 'amber' | 'red';

function tlp1Marking(level: Tlp1Level, uuid: string): MarkingDefinition {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: `marking-definition--${uuid}`,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: `TLP:${level.toUpperCase()}`,
    definition: { tlp: level },
  };
}

/** The four TLP 1.0 marking definitions predefined by STIX 2.1 (frozen). */
export const TLP1: Readonly<Record<Tlp1Level, MarkingDefinition>> = deepFreeze({
  white: tlp1Marking('white', '613f2e26-407d-48c7-9eca-b8e91df99dc9'),
  green: tlp1Marking('green', '34098fce-860f-48ae-8e50-ebd3cc5e41da'),
  amber: tlp1Marking('amber', 'f88d31f6-486f-44da-b317-01333bde0b82'),
  red: tlp1Marking('red', '5e57c739-391a-4eb3-b6be-7d15ca92d5ed'),
});

const TLP1_TO_TLP2: Record<Tlp1Level, TlpLevel> = { white: 'clear', green: 'green', amber: 'amber', red: 'red' };

const LEVEL_BY_ID: ReadonlyMap<string, TlpLevel> = new Map([
  ...TLP_ORDER.map((l) => [TLP2_IDS[l], l] as const),
  ...(Object.keys(TLP1) as Tlp1Level[]).map((l) => [TLP1[l].id, TLP1_TO_TLP2[l]] as const),
]);

/**
 * The TLP 1.0 marking that carries a TLP 2.0 level to tools that read only TLP 1.0 (MISP's STIX import among them):
 * CLEAR is WHITE; AMBER+STRICT, which TLP 1.0 lacks, is RED, the TLP 1.0 level that does not widen it.
 */
export function tlp1Equivalent(level: TlpLevel): MarkingDefinition {
  const tlp1: Record<TlpLevel, Tlp1Level> = { clear: 'white', green: 'green', amber: 'amber', 'amber+strict': 'red', red: 'red' };
  return TLP1[tlp1[level]];
}

/** The id to put in `object_marking_refs` for a TLP 2.0 level. */
export function tlpMarkingRef(level: TlpLevel): string {
  return TLP2_IDS[level];
}

/** Whether an id is one of the TLP 2.0 or TLP 1.0 marking definitions. */
export function isTlpMarkingId(id: string): boolean {
  return LEVEL_BY_ID.has(id);
}

/** The TLP 2.0 level a marking-definition id stands for (TLP 1.0 ids mapped), if it is a TLP marking. */
export function tlpLevelOfMarking(id: string): TlpLevel | undefined {
  return LEVEL_BY_ID.get(id);
}

export function isTlpLevel(value: unknown): value is TlpLevel {
  return typeof value === 'string' && (TLP_ORDER as readonly string[]).includes(value);
}

/** Negative when `a` is less restrictive than `b`. */
export function compareTlp(a: TlpLevel, b: TlpLevel): number {
  return TLP_ORDER.indexOf(a) - TLP_ORDER.indexOf(b);
}

/** The most restrictive of some levels, or undefined when there are none. */
export function mostRestrictiveTlp(levels: Iterable<TlpLevel>): TlpLevel | undefined {
  let worst: TlpLevel | undefined;
  for (const l of levels) if (worst === undefined || compareTlp(l, worst) > 0) worst = l;
  return worst;
}

function levelsOf(refs: unknown): TlpLevel[] {
  if (!Array.isArray(refs)) return [];
  return refs.flatMap((r) => {
    const l = typeof r === 'string' ? LEVEL_BY_ID.get(r) : undefined;
    return l ? [l] : [];
  });
}

/** The object's TLP level from its `object_marking_refs` (most restrictive when several), if any. */
export function tlpOf(obj: StixObject): TlpLevel | undefined {
  return mostRestrictiveTlp(levelsOf(obj.object_marking_refs));
}

/**
 * The effective TLP level of one property (a granular-marking selector such as `description` or
 * `external_references.[0].url`): the most restrictive of the object-level marking and every granular
 * marking whose selector covers it. Undefined when nothing marks it.
 */
export function markingsForProperty(obj: StixObject, selector: string): TlpLevel | undefined {
  const refs: string[] = [];
  for (const g of obj.granular_markings ?? []) {
    if (!isRecord(g) || typeof g.marking_ref !== 'string' || !Array.isArray(g.selectors)) continue;
    if (g.selectors.some((s) => typeof s === 'string' && selectorCovers(s, selector))) refs.push(g.marking_ref);
  }
  return mostRestrictiveTlp([...levelsOf(obj.object_marking_refs), ...levelsOf(refs)]);
}

/** Validates the TLP 2.0 extension on a marking-definition (checker positioned at the extension). */
export function checkTlpExtension(e: Checker, obj: Record<string, unknown>): void {
  if (obj.type !== 'marking-definition') {
    e.error('tlp_2_0', 'the TLP 2.0 extension only applies to marking-definition objects');
    return;
  }
  if (e.obj.extension_type !== 'property-extension') e.error('extension_type', 'must be "property-extension" for the TLP 2.0 extension');
  const level = e.enumValue('tlp_2_0', TLP_ORDER, true);
  for (const k of Object.keys(e.obj)) if (k !== 'extension_type' && k !== 'tlp_2_0') e.error(k, 'is not a property of the TLP 2.0 extension');
  const official = typeof obj.id === 'string' ? LEVEL_BY_ID.get(obj.id) : undefined;
  if (level && typeof obj.id === 'string' && official === undefined) {
    e.error('tlp_2_0', `TLP 2.0 markings must use the published id for ${level}: ${TLP2_IDS[level]}`);
  } else if (level && official !== undefined && official !== level) {
    e.error('tlp_2_0', `${String(obj.id)} is the published TLP:${official.toUpperCase()} marking, not ${level}`);
  }
}

/** Checks that an object using a TLP marking id (2.0 or 1.0) has the published content. */
export function checkTlpMarkingObject(c: Checker): void {
  const id = c.obj.id;
  if (typeof id !== 'string' || !LEVEL_BY_ID.has(id)) return;
  const tlp1 = Object.values(TLP1).find((m) => m.id === id);
  const expected = tlp1 ?? Object.values(TLP).find((m) => m.id === id);
  if (!expected) return;
  if (c.obj.name !== undefined && c.obj.name !== expected.name) c.error('name', `must be "${String(expected.name)}" for ${id}`);
  if (tlp1) {
    const def = c.obj.definition;
    if (c.obj.definition_type !== 'tlp' || !isRecord(def) || def.tlp !== (tlp1.definition as { tlp: string }).tlp) {
      c.error('definition', `${id} is the predefined ${String(tlp1.name)} marking; its definition must be { "tlp": "${String((tlp1.definition as { tlp: string }).tlp)}" }`);
    }
  } else {
    const exts = c.obj.extensions;
    if (!isRecord(exts) || !isRecord(exts[TLP_EXTENSION_ID])) c.error('extensions', `${id} is a TLP 2.0 marking and must carry the TLP 2.0 extension ${TLP_EXTENSION_ID}`);
  }
}
