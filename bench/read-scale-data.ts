/**
 * The objects bench/read-scale loads: bundles of 40 realistic objects (alerts as incidents, indicators and locations with
 * the alert extension's facts, sightings by the publisher) over 22 sites in Spain and Portugal, from the four demo
 * agencies; each bundle GREEN (82 %), AMBER (12 %, addressed to two agencies) or RED (6 %), so that the objects have
 * that mix. Deterministic for a seed, so runs compare.
 */
import { randomUUID } from 'node:crypto';
import { ALERT_EXTENSION_ID, tlpMarkingRef, type TlpLevel } from '@popart/schemas';
import { synth } from '@popart/detection/audio-eval';

export const IDENTITIES = {
  pn: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01',
  pj: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02',
  mad: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03',
  crm: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a04',
} as const;
export type AgencyKey = keyof typeof IDENTITIES;

export interface Site { name: string; city: string; lat: number; lon: number }

/** Stadiums, squares and venues of mass gatherings. */
export const SITES: Site[] = [
  { name: 'Estadio Santiago Bernabéu', city: 'Madrid', lat: 40.4531, lon: -3.6883 },
  { name: 'Estadio Metropolitano', city: 'Madrid', lat: 40.4362, lon: -3.5995 },
  { name: 'Puerta del Sol', city: 'Madrid', lat: 40.4168, lon: -3.7038 },
  { name: 'Estadio de Vallecas', city: 'Madrid', lat: 40.3919, lon: -3.6589 },
  { name: 'IFEMA', city: 'Madrid', lat: 40.4637, lon: -3.6163 },
  { name: 'Spotify Camp Nou', city: 'Barcelona', lat: 41.3809, lon: 2.1228 },
  { name: 'Plaça de Catalunya', city: 'Barcelona', lat: 41.387, lon: 2.17 },
  { name: 'Estadio de Mestalla', city: 'Valencia', lat: 39.4746, lon: -0.3583 },
  { name: 'Estadio Ramón Sánchez-Pizjuán', city: 'Sevilla', lat: 37.3841, lon: -5.9705 },
  { name: 'Estadio Benito Villamarín', city: 'Sevilla', lat: 37.3565, lon: -5.9817 },
  { name: 'San Mamés', city: 'Bilbao', lat: 43.2641, lon: -2.9494 },
  { name: 'Reale Arena', city: 'San Sebastián', lat: 43.3014, lon: -1.9736 },
  { name: 'Estadio de La Cartuja', city: 'Sevilla', lat: 37.4163, lon: -6.0043 },
  { name: 'Plaza del Pilar', city: 'Zaragoza', lat: 41.6566, lon: -0.8786 },
  { name: 'Estadio de Balaídos', city: 'Vigo', lat: 42.2118, lon: -8.7397 },
  { name: 'Estádio da Luz', city: 'Lisboa', lat: 38.7527, lon: -9.1847 },
  { name: 'Estádio José Alvalade', city: 'Lisboa', lat: 38.7612, lon: -9.1609 },
  { name: 'Praça do Comércio', city: 'Lisboa', lat: 38.7075, lon: -9.1364 },
  { name: 'Estádio do Dragão', city: 'Porto', lat: 41.1617, lon: -8.5836 },
  { name: 'Avenida dos Aliados', city: 'Porto', lat: 41.1486, lon: -8.6109 },
  { name: 'Estádio Municipal de Braga', city: 'Braga', lat: 41.5625, lon: -8.4297 },
  { name: 'Estádio Algarve', city: 'Faro', lat: 37.0873, lon: -7.9739 },
];

const CATEGORIES = ['drone', 'crowd-density', 'gunshot', 'explosion', 'loitering', 'intrusion', 'vehicle-in-pedestrian-zone', 'violence'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const SENSORS = ['camera', 'microphone', 'remote-id', 'radar', 'human'] as const;
const EVENTS = ['Liga match', 'Champions League night', 'Concert', 'Marathon finish', 'Demonstration', 'Fan zone', 'New Year\'s Eve'];
const GUIDANCE = [
  'Keep the crowd away from the landing point; report the pilot position.',
  'Hold the gate, open the secondary exits and ask the stewards to slow the inflow.',
  'Secure the perimeter, wait for the bomb squad, keep people 100 m away.',
  'Locate the shooter by the acoustic bearing; ambulances wait at the north gate.',
];

/** A small deterministic random generator: detection's seeded mulberry32, shared by the evaluation sets. */
export const random = (seed: number): (() => number) => synth.mulberry32(seed);

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

/** One bundle in RARE carries a word of its own, in one object: what a search for a case number finds. */
export const RARE = 50;
export function rareWord(n: number): string {
  return `zx${n.toString(36)}q`;
}

/** Which agency publishes bundle n: pn the most, then pj, crm and mad. */
export function publisherOf(n: number): AgencyKey {
  const r = n % 10;
  return r < 4 ? 'pn' : r < 7 ? 'pj' : r < 9 ? 'crm' : 'mad';
}

export function tlpOfBundle(rnd: () => number): TlpLevel {
  const r = rnd();
  return r < 0.82 ? 'green' : r < 0.94 ? 'amber' : 'red';
}

/**
 * Bundle n: 10 alerts, 10 indicators of the drones or devices involved, 10 locations and 10 sightings of the alerts,
 * around sites chosen for the bundle, timestamped `at` (plus ms for each object, so that the newest order is strict).
 */
export function bundleOf(n: number, at: Date): { publisher: AgencyKey; tlp: TlpLevel; bundle: Record<string, unknown> } {
  const rnd = random(n * 2654435761);
  const publisher = publisherOf(n);
  const by = IDENTITIES[publisher];
  const tlp = tlpOfBundle(rnd);
  const others = (Object.keys(IDENTITIES) as AgencyKey[]).filter((k) => k !== publisher);
  const audience = tlp === 'amber' ? [...new Set([by, ...[pick(rnd, others), pick(rnd, others)].map((k) => IDENTITIES[k])])] : undefined;
  const marking = [tlpMarkingRef(tlp)];
  const objects: Record<string, unknown>[] = [];
  let ms = 0;
  const stamp = (): string => new Date(at.getTime() + ms++).toISOString();
  const alerts: string[] = [];
  const facts = (site: Site, category: string, severity: string) => ({
    extension_type: 'property-extension', category, severity, detection_confidence: 50 + Math.floor(rnd() * 50),
    area: { shape: 'circle', latitude: site.lat + (rnd() - 0.5) * 0.004, longitude: site.lon + (rnd() - 0.5) * 0.004, radius_m: 100 + Math.floor(rnd() * 400) },
    sensor_kind: pick(rnd, SENSORS), venue: site.name, event_name: `${pick(rnd, EVENTS)}, ${site.city}`,
    expires: new Date(at.getTime() + 3_600_000).toISOString(), guidance: pick(rnd, GUIDANCE),
    ...(audience ? { audience_refs: audience } : {}),
  });
  for (let i = 0; i < 10; i++) {
    const site = pick(rnd, SITES);
    const category = pick(rnd, CATEGORIES);
    const t = stamp();
    const id = `incident--${randomUUID()}`;
    alerts.push(id);
    objects.push({
      type: 'incident', spec_version: '2.1', id, created: t, modified: t, created_by_ref: by,
      name: `${category === 'drone' ? 'Drone' : category === 'crowd-density' ? 'Crowd compression' : category[0]!.toUpperCase() + category.slice(1)} at ${site.name}`,
      description: `Reported by the ${site.city} control room${i === 0 && n % RARE === 0 ? ` (case ${rareWord(n)})` : ''}.`,
      object_marking_refs: marking,
      extensions: { [ALERT_EXTENSION_ID]: facts(site, category, pick(rnd, SEVERITIES)) },
    });
    const mac = Array.from({ length: 6 }, () => Math.floor(rnd() * 256).toString(16).padStart(2, '0')).join(':');
    const ti = stamp();
    objects.push({
      type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: ti, modified: ti, created_by_ref: by,
      name: `${category === 'drone' ? 'Drone controller' : 'Device'} seen at ${site.name}`, indicator_types: ['anomalous-activity'],
      pattern: `[mac-addr:value = '${mac}']`, pattern_type: 'stix', valid_from: ti, object_marking_refs: marking,
      extensions: { [ALERT_EXTENSION_ID]: facts(site, category, pick(rnd, SEVERITIES)) },
    });
    const tl = stamp();
    objects.push({
      type: 'location', spec_version: '2.1', id: `location--${randomUUID()}`, created: tl, modified: tl, created_by_ref: by,
      name: `${site.name}, ${site.city}`, latitude: site.lat + (rnd() - 0.5) * 0.002, longitude: site.lon + (rnd() - 0.5) * 0.002,
      object_marking_refs: marking, ...(audience ? { x_popart_audience_refs: audience } : {}),
    });
  }
  for (const alert of alerts) {
    const ts = stamp();
    objects.push({
      type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: ts, modified: ts, created_by_ref: by,
      sighting_of_ref: alert, count: 1 + Math.floor(rnd() * 5), description: 'Confirmed by a patrol on site.',
      object_marking_refs: marking, ...(audience ? { x_popart_audience_refs: audience } : {}),
    });
  }
  return { publisher, tlp, bundle: { type: 'bundle', id: `bundle--${randomUUID()}`, objects } };
}

/** What analysts ask, by kind: each a `threats` filter (or an id for by-id) and its share of the mix. */
export type QueryKind = 'newest' | 'category' | 'bbox' | 'text' | 'rare text' | 'page 5' | 'by id';
export const QUERY_KINDS: QueryKind[] = ['newest', 'category', 'bbox', 'text', 'rare text', 'page 5', 'by id'];

/** The `threats` filter of a query kind (newest, page 5 and by id have none). */
export function filterOf(kind: QueryKind, rnd: () => number, bundles: number): Record<string, unknown> | null {
  const site = pick(rnd, SITES);
  switch (kind) {
    case 'category': return { categories: [pick(rnd, CATEGORIES)] };
    case 'bbox': return { bbox: [site.lon - 0.01, site.lat - 0.01, site.lon + 0.01, site.lat + 0.01] };
    case 'text': return { text: site.name.split(' ').at(-1)!.toLowerCase() };
    case 'rare text': return { text: rareWord(RARE * Math.floor(rnd() * Math.ceil(bundles / RARE))) };
    default: return null;
  }
}
