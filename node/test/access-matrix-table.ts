/**
 * The access matrix's table: the demo users, the areas, and for every object published in the matrix (by pn, pj or
 * crm, over every TLP marking, audience and kind of area) what each user sees — written from the rules in
 * policies/README.md, not computed by the policy — and how it is redacted for them. access-matrix.test.ts checks it
 * through every egress path.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ALERT_EXTENSION_ID, tlpMarkingRef, type TlpLevel } from '@popart/schemas';
import { alert, IDENTITIES, indicator } from './stix-fixtures.js';

export type AgencyKey = 'pn' | 'pj' | 'mad' | 'crm';
export const AGENCY_KEYS: AgencyKey[] = ['pn', 'pj', 'mad', 'crm'];
export type Json = Record<string, unknown>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every demo user (demo-agencies.ts), in the column order of the table below. */
export const USERS = [
  { username: 'pn-analyst', agency: 'pn' },
  { username: 'pn-operator', agency: 'pn' },
  { username: 'pn-auditor', agency: 'pn' },
  { username: 'pj-analyst', agency: 'pj' },
  { username: 'mad-operator', agency: 'mad' },
  { username: 'crm-analyst', agency: 'crm' },
] as const satisfies readonly { username: string; agency: AgencyKey }[];
export type Username = (typeof USERS)[number]['username'];

export interface AreaDef {
  area: Json;
  /** Where the drone's operator stands ([lon, lat]). */
  op: [number, number];
  /** The area and operator position as a local authority gets them when the centre lies outside its territory (2 decimals). */
  coarse?: { area: Json; op: [number, number] };
}

/**
 * - sol: Puerta del Sol, inside Madrid city (and the Comunidad, and Spain).
 * - alcala: Alcalá de Henares, outside Madrid city, inside the Comunidad de Madrid; 300 m, clear of the city.
 * - lisbon: Lisbon, Portugal.
 * - edge: a 25 km circle centred in Alcalá: the centre is outside Madrid city, the circle reaches over
 *   the city's east vertex (-3.52, 40.45), so the area concerns the city.
 * - edgePoly: a polygon across the city's east edge, centre (-3.48, 40.45) outside the city.
 */
export const AREAS: Record<'sol' | 'alcala' | 'lisbon' | 'edge' | 'edgePoly', AreaDef> = {
  sol: { area: { shape: 'circle', latitude: 40.416812, longitude: -3.703791, radius_m: 300 }, op: [-3.702345, 40.417891] },
  alcala: { area: { shape: 'circle', latitude: 40.482012, longitude: -3.364021, radius_m: 300 }, op: [-3.363456, 40.481789] },
  lisbon: { area: { shape: 'circle', latitude: 38.722012, longitude: -9.139021, radius_m: 300 }, op: [-9.138765, 38.721234] },
  edge: {
    area: { shape: 'circle', latitude: 40.482345, longitude: -3.364123, radius_m: 25000 }, op: [-3.361234, 40.481234],
    coarse: { area: { shape: 'circle', latitude: 40.48, longitude: -3.36, radius_m: 25000 }, op: [-3.36, 40.48] },
  },
  edgePoly: {
    area: { shape: 'polygon', vertices: [[-3.621234, 40.401234], [-3.341234, 40.401234], [-3.341234, 40.501234], [-3.621234, 40.501234], [-3.621234, 40.401234]] },
    op: [-3.471234, 40.451234],
    coarse: {
      area: { shape: 'polygon', vertices: [[-3.62, 40.4], [-3.34, 40.4], [-3.34, 40.5], [-3.62, 40.5], [-3.62, 40.4]] },
      op: [-3.47, 40.45],
    },
  },
};
export type AreaKey = keyof typeof AREAS;

/**
 * What each user gets, one character per user in USERS order
 * (pn-analyst, pn-operator, pn-auditor, pj-analyst, mad-operator, crm-analyst):
 *   F  the object exactly as published
 *   R  with the operator data removed (x_popart_operator_position, _description, x_popart_persons): partner LEA
 *   C  with the area and the operator position rounded to 2 decimals: local authority, centre outside its territory
 *   .  nothing (not in lists, null by id, not exported, not delivered, explain says not visible)
 *
 * From policies/README.md: publishers see their own objects; CLEAR/GREEN go to everyone (pj up to
 * GREEN without an agreement; pn→pj allows AMBER when pj is named); AMBER and unmarked only to named
 * agencies; AMBER+STRICT and RED to the publisher only; mad (local) and crm (regional) hold only
 * objects whose area concerns their territory or that have no area; operators see alerts and
 * indicators with no area; auditors see no content; pj loses operator data of others' objects; mad
 * gets coordinates coarsened when the centre is outside Madrid city (no area: nothing to coarsen).
 */
export interface Spec {
  key: string;
  by: 'pn' | 'pj' | 'crm';
  kind: 'alert' | 'indicator';
  tlp: TlpLevel | null;
  audience?: AgencyKey[];
  area?: AreaKey;
  /** Carries the operator's position, description and persons (x_popart_*). */
  op?: boolean;
  see: string;
}

export const TABLE: Spec[] = [
  // pn alerts inside Madrid city
  { key: 'pn-clear-sol', by: 'pn', kind: 'alert', tlp: 'clear', area: 'sol', op: true, see: 'FF.RFF' },
  { key: 'pn-green-sol', by: 'pn', kind: 'alert', tlp: 'green', area: 'sol', op: true, see: 'FF.RFF' },
  { key: 'pn-amber-pj-sol', by: 'pn', kind: 'alert', tlp: 'amber', audience: ['pj'], area: 'sol', op: true, see: 'FF.R..' },
  { key: 'pn-amber-mad-sol', by: 'pn', kind: 'alert', tlp: 'amber', audience: ['mad'], area: 'sol', op: true, see: 'FF..F.' },
  { key: 'pn-strict-sol', by: 'pn', kind: 'alert', tlp: 'amber+strict', area: 'sol', op: true, see: 'FF....' },
  { key: 'pn-red-sol', by: 'pn', kind: 'alert', tlp: 'red', area: 'sol', op: true, see: 'FF....' },
  { key: 'pn-unmarked-sol', by: 'pn', kind: 'alert', tlp: null, area: 'sol', op: true, see: 'FF....' },
  { key: 'pn-unmarked-pj-mad-sol', by: 'pn', kind: 'alert', tlp: null, audience: ['pj', 'mad'], area: 'sol', op: true, see: 'FF.RF.' },
  // pn alerts in Alcalá: outside the city, inside the Comunidad
  { key: 'pn-clear-alcala', by: 'pn', kind: 'alert', tlp: 'clear', area: 'alcala', op: true, see: 'FF.R.F' },
  { key: 'pn-green-alcala', by: 'pn', kind: 'alert', tlp: 'green', area: 'alcala', op: true, see: 'FF.R.F' },
  { key: 'pn-amber-pj-alcala', by: 'pn', kind: 'alert', tlp: 'amber', audience: ['pj'], area: 'alcala', op: true, see: 'FF.R..' },
  { key: 'pn-amber-mad-alcala', by: 'pn', kind: 'alert', tlp: 'amber', audience: ['mad'], area: 'alcala', op: true, see: 'FF....' },
  { key: 'pn-strict-alcala', by: 'pn', kind: 'alert', tlp: 'amber+strict', area: 'alcala', op: true, see: 'FF....' },
  { key: 'pn-red-alcala', by: 'pn', kind: 'alert', tlp: 'red', area: 'alcala', op: true, see: 'FF....' },
  { key: 'pn-unmarked-alcala', by: 'pn', kind: 'alert', tlp: null, area: 'alcala', op: true, see: 'FF....' },
  // pn alerts in Lisbon
  { key: 'pn-clear-lisbon', by: 'pn', kind: 'alert', tlp: 'clear', area: 'lisbon', op: true, see: 'FF.R..' },
  { key: 'pn-green-lisbon', by: 'pn', kind: 'alert', tlp: 'green', area: 'lisbon', op: true, see: 'FF.R..' },
  { key: 'pn-amber-pj-lisbon', by: 'pn', kind: 'alert', tlp: 'amber', audience: ['pj'], area: 'lisbon', op: true, see: 'FF.R..' },
  { key: 'pn-amber-mad-lisbon', by: 'pn', kind: 'alert', tlp: 'amber', audience: ['mad'], area: 'lisbon', op: true, see: 'FF....' },
  { key: 'pn-strict-lisbon', by: 'pn', kind: 'alert', tlp: 'amber+strict', area: 'lisbon', op: true, see: 'FF....' },
  { key: 'pn-red-lisbon', by: 'pn', kind: 'alert', tlp: 'red', area: 'lisbon', op: true, see: 'FF....' },
  { key: 'pn-unmarked-lisbon', by: 'pn', kind: 'alert', tlp: null, area: 'lisbon', op: true, see: 'FF....' },
  // pn alerts whose area reaches into Madrid city with the centre outside it
  { key: 'pn-green-edge', by: 'pn', kind: 'alert', tlp: 'green', area: 'edge', op: true, see: 'FF.RCF' },
  { key: 'pn-amber-mad-edge', by: 'pn', kind: 'alert', tlp: 'amber', audience: ['mad'], area: 'edge', op: true, see: 'FF..C.' },
  { key: 'pn-red-edge', by: 'pn', kind: 'alert', tlp: 'red', area: 'edge', op: true, see: 'FF....' },
  { key: 'pn-clear-edgepoly', by: 'pn', kind: 'alert', tlp: 'clear', area: 'edgePoly', op: true, see: 'FF.RCF' },
  // pn indicators: no area (an indicator carries no alert extension, hence no audience either)
  { key: 'pn-clear-noarea', by: 'pn', kind: 'indicator', tlp: 'clear', see: 'FF.FFF' },
  { key: 'pn-green-noarea', by: 'pn', kind: 'indicator', tlp: 'green', see: 'FF.FFF' },
  { key: 'pn-amber-noarea', by: 'pn', kind: 'indicator', tlp: 'amber', see: 'FF....' },
  { key: 'pn-strict-noarea', by: 'pn', kind: 'indicator', tlp: 'amber+strict', see: 'FF....' },
  { key: 'pn-red-noarea', by: 'pn', kind: 'indicator', tlp: 'red', see: 'FF....' },
  { key: 'pn-unmarked-noarea', by: 'pn', kind: 'indicator', tlp: null, see: 'FF....' },
  // pj's own objects are never redacted for pj; mad and crm hold only what concerns their territory
  { key: 'pj-green-lisbon', by: 'pj', kind: 'alert', tlp: 'green', area: 'lisbon', op: true, see: 'FF.F..' },
  { key: 'pj-amber-pn-sol', by: 'pj', kind: 'alert', tlp: 'amber', audience: ['pn'], area: 'sol', op: true, see: 'FF.F..' },
  { key: 'pj-green-sol', by: 'pj', kind: 'alert', tlp: 'green', area: 'sol', op: true, see: 'FF.FFF' },
  // crm: pj has no agreement with crm, so it holds crm's objects only up to GREEN (and loses the operator data)
  { key: 'crm-green-alcala', by: 'crm', kind: 'alert', tlp: 'green', area: 'alcala', op: true, see: 'FF.R.F' },
  { key: 'crm-amber-pj-mad-sol', by: 'crm', kind: 'alert', tlp: 'amber', audience: ['pj', 'mad'], area: 'sol', op: true, see: '....FF' },
  { key: 'crm-red-sol', by: 'crm', kind: 'alert', tlp: 'red', area: 'sol', op: true, see: '.....F' },
  // published last by pn: the subscription collects until it arrives
  { key: 'sentinel', by: 'pn', kind: 'alert', tlp: 'clear', area: 'sol', see: 'FF.FFF' },
];

export const PUBLISHERS: Record<Spec['by'], Username> = { pn: 'pn-analyst', pj: 'pj-analyst', crm: 'crm-analyst' };
export const OPERATOR_DATA = ['x_popart_operator_description', 'x_popart_operator_position', 'x_popart_persons'];
export const PURPOSE = 'access-matrix test: checking what each user may see';


/** A sighting of `anchor` by `by`, marked `tlp` (null: unmarked); it has no area, so markings and audience decide. */
export function sightingOf(anchor: string, by: string, tlp: TlpLevel | null): Json {
  const t = new Date().toISOString();
  return {
    type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: t, modified: t, created_by_ref: by,
    sighting_of_ref: anchor, first_seen: t, last_seen: t, count: 1, ...(tlp ? { object_marking_refs: [tlpMarkingRef(tlp)] } : {}),
  };
}

/** The Remote ID serial every object of a run carries (as correlation normalises it). */
export function matrixSerial(tag: string): string {
  return tag.toUpperCase();
}

export interface Published { spec: Spec; object: Json; name: string; codeword: string }
export type Code = 'F' | 'R' | 'C' | '.';

export function codeOf(spec: Spec, user: Username): Code {
  const i = USERS.findIndex((u) => u.username === user);
  return spec.see[i] as Code;
}

export function build(spec: Spec, tag: string): Published {
  const codeword = `codeword${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const name = `${tag} ${spec.key} ${codeword}`;
  const by = IDENTITIES[spec.by];
  let object: Json;
  if (spec.kind === 'indicator') {
    object = indicator(by, name, spec.tlp ?? 'green');
  } else {
    const audience = spec.audience?.map((k) => IDENTITIES[k]);
    object = alert({ by, name, tlp: spec.tlp ?? 'green', ...(audience ? { audience } : {}) });
    const ext = (object.extensions as Record<string, Json>)[ALERT_EXTENSION_ID] as Json;
    const area = AREAS[spec.area ?? 'sol'];
    ext.area = structuredClone(area.area);
    ext.venue = `Venue of ${spec.key}`;
    if (spec.op) {
      object.x_popart_operator_position = [...area.op];
      object.x_popart_operator_description = `Operator of ${codeword}: red jacket, standing by the fountain`;
      object.x_popart_persons = [`witness of ${codeword}: kiosk owner`];
    }
  }
  if (spec.tlp === null) delete object.object_marking_refs;
  // Every matrix object carries the same drone serial: each is correlated with every other (modules/correlation).
  object.x_popart_remote_id = { uas_id: matrixSerial(tag) };
  return { spec, object, name, codeword };
}

/** The object as the user should receive it, from the table's code (null: not at all). */
export function expectedFor(p: Published, user: Username): Json | null {
  const code = codeOf(p.spec, user);
  if (code === '.') return null;
  const copy = structuredClone(p.object);
  if (code === 'R') for (const k of OPERATOR_DATA) delete copy[k];
  if (code === 'C') {
    const coarse = AREAS[p.spec.area ?? 'sol'].coarse;
    assert.ok(coarse, `table error: ${p.spec.key} is coarsened for ${user} but its area has no coarse form`);
    ((copy.extensions as Record<string, Json>)[ALERT_EXTENSION_ID] as Json).area = structuredClone(coarse.area);
    if (p.spec.op) copy.x_popart_operator_position = [...coarse.op];
  }
  return copy;
}

/** What explain lists as redacted for the user (removals sorted, then coarsened paths sorted). */
export function expectedRedacted(p: Published, user: Username): string[] {
  const code = codeOf(p.spec, user);
  if (code === 'R') return p.spec.op ? OPERATOR_DATA : [];
  if (code !== 'C') return [];
  const ext = `extensions.${ALERT_EXTENSION_ID}.area`;
  const paths = p.spec.area === 'edgePoly' ? [`${ext}.vertices`] : [`${ext}.latitude`, `${ext}.longitude`];
  if (p.spec.op) paths.push('x_popart_operator_position');
  return paths.map((path) => `${path} (rounded to 2 decimals)`);
}
