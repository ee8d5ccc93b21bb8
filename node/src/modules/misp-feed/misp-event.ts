/**
 * STIX objects already released to a reader, as MISP events (MISP core format: `{"Event": {...}}`), one per alert (an
 * object carrying the public-space alert extension) or report. The event holds what MISP users need to act on the
 * alert without knowing POP-ART's extension: its place as a `geolocation` object, severity, category, venue, guidance
 * and expiry as attributes, and the indicators related to it as typed attributes (a `mac-addr` pattern becomes a
 * `mac-address`), tagged with MISP's `tlp` taxonomy and with the distribution level its marking allows.
 *
 * Marking → MISP distribution (0 your organisation only, 1 this community only, 2 connected communities, 3 all):
 *   CLEAR                      3  TLP:CLEAR may be shared without limit.
 *   GREEN                      1  TLP:GREEN stays within the recipient's community and never goes public; "connected
 *                                 communities" (2) would let the receiving MISP push it on to every instance it syncs
 *                                 with, which is that instance's decision to make, not the feed's.
 *   AMBER, AMBER+STRICT, RED,  0  TLP:AMBER is for the recipient's organisation (and its clients, need-to-know);
 *   unmarked                      "this community" (1) would hand it to every organisation on the receiving instance.
 *                                 MISP has nothing narrower than 0, so the stricter levels also carry their own TLP tag
 *                                 (and never reach another agency's feed anyway: the egress gate keeps them home).
 */
import { createHash } from 'node:crypto';
import { alertOf, type AlertArea, type StixObject, type TlpLevel } from '@popart/schemas';

export type MispDistribution = 0 | 1 | 2 | 3;
/** Attributes and objects take the event's distribution ("inherit event"). */
const INHERIT = 5;

export const DISTRIBUTION: Record<TlpLevel | 'unmarked', MispDistribution> = {
  clear: 3, green: 1, amber: 0, 'amber+strict': 0, red: 0, unmarked: 0,
};

/** MISP `tlp` taxonomy tags of a marking: the TLP 2.0 tag, and the TLP 1.0 one for instances that know only those. */
const TLP_TAGS: Record<TlpLevel, { names: string[]; colour: string }> = {
  clear: { names: ['tlp:clear', 'tlp:white'], colour: '#ffffff' },
  green: { names: ['tlp:green'], colour: '#33ff00' },
  amber: { names: ['tlp:amber'], colour: '#ffc000' },
  'amber+strict': { names: ['tlp:amber+strict', 'tlp:red'], colour: '#ffc000' },
  red: { names: ['tlp:red'], colour: '#ff2b2b' },
};

/** MISP threat levels: 1 high, 2 medium, 3 low, 4 undefined. */
const THREAT_LEVEL: Record<string, string> = { critical: '1', high: '1', medium: '2', low: '3' };

export interface MispTag { name: string; colour: string }
export interface MispOrg { name: string; uuid: string }

export interface MispAttribute {
  uuid: string;
  type: string;
  category: string;
  value: string;
  comment: string;
  to_ids: boolean;
  distribution: number;
  timestamp: string;
  disable_correlation: boolean;
  /** Within an object: the attribute's role in the object's template. */
  object_relation?: string;
}

export interface MispObject {
  uuid: string;
  name: string;
  'meta-category': string;
  description: string;
  distribution: number;
  timestamp: string;
  comment: string;
  Attribute: MispAttribute[];
}

export interface MispEvent {
  uuid: string;
  info: string;
  date: string;
  threat_level_id: string;
  analysis: string;
  distribution: string;
  timestamp: string;
  publish_timestamp: string;
  published: boolean;
  Orgc: MispOrg;
  Tag: MispTag[];
  Attribute: MispAttribute[];
  Object: MispObject[];
}

/** The uuid part of a STIX id: the MISP uuid of the event made from that object. */
export function uuidOf(stixId: string): string {
  return stixId.slice(stixId.indexOf('--') + 2);
}

/** A stable uuid for an attribute or object of an event (the same input gives the same uuid in every fetch). */
export function derivedUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function epochSeconds(time: unknown): string {
  const t = typeof time === 'string' ? Date.parse(time) : NaN;
  return String(Number.isNaN(t) ? 0 : Math.floor(t / 1000));
}

export function tlpTags(tlp: TlpLevel | null): MispTag[] {
  if (!tlp) return [];
  const t = TLP_TAGS[tlp];
  return t.names.map((name) => ({ name, colour: t.colour }));
}

/** Whether an object is the subject of an event of its own: an alert or a report. */
export function isEventSubject(obj: StixObject): boolean {
  return obj.type === 'report' || alertOf(obj) !== undefined;
}

/**
 * isEventSubject of a stored row or outline: the read model sets `category` exactly when the object's alert extension
 * validates (rowFromObject), so the extension is not validated again for each of a million rows.
 */
export function isEventRow(row: { type: string; category: string | null }): boolean {
  return row.type === 'report' || row.category !== null;
}

/** MISP attribute types of the STIX observable paths a simple comparison pattern names. */
const PATTERN_TYPES: Record<string, { type: string; category: string }> = {
  'mac-addr:value': { type: 'mac-address', category: 'Network activity' },
  'ipv4-addr:value': { type: 'ip-dst', category: 'Network activity' },
  'ipv6-addr:value': { type: 'ip-dst', category: 'Network activity' },
  'domain-name:value': { type: 'domain', category: 'Network activity' },
  'url:value': { type: 'url', category: 'Network activity' },
  'email-addr:value': { type: 'email-src', category: 'Payload delivery' },
  "file:hashes.'SHA-256'": { type: 'sha256', category: 'Payload delivery' },
  "file:hashes.'SHA-1'": { type: 'sha1', category: 'Payload delivery' },
  'file:hashes.MD5': { type: 'md5', category: 'Payload delivery' },
  "file:hashes.'MD5'": { type: 'md5', category: 'Payload delivery' },
  'file:name': { type: 'filename', category: 'Payload delivery' },
};

/** The `path = 'value'` comparisons of a STIX pattern that MISP has an attribute type for. */
export function patternValues(pattern: string): { type: string; category: string; value: string }[] {
  const out: { type: string; category: string; value: string }[] = [];
  for (const m of pattern.matchAll(/([a-z0-9-]+:[A-Za-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'/g)) {
    const known = PATTERN_TYPES[m[1] as string];
    if (known) out.push({ ...known, value: (m[2] as string).replace(/\\(.)/g, '$1') });
  }
  return out;
}

interface Builder { event: string; timestamp: string }

function attribute(b: Builder, source: string, type: string, category: string, value: string, comment: string, toIds = false): MispAttribute {
  return {
    uuid: derivedUuid(b.event, source, type, comment, value), type, category, value, comment, to_ids: toIds,
    distribution: INHERIT, timestamp: b.timestamp, disable_correlation: !toIds,
  };
}

/** The area as a MISP `geolocation` object: its centre, and for a circle the radius in km (accuracy-radius). */
function geolocation(b: Builder, source: string, area: AlertArea, venue: string | undefined): MispObject {
  const attrs: MispAttribute[] = [];
  const add = (relation: string, type: string, value: string): void => {
    attrs.push({ ...attribute(b, source, type, 'Other', value, relation), object_relation: relation });
  };
  if (area.shape === 'circle') {
    add('latitude', 'float', String(area.latitude));
    add('longitude', 'float', String(area.longitude));
    add('accuracy-radius', 'float', String(area.radius_m / 1000));
  } else {
    const ring = area.vertices.slice(0, -1);
    add('latitude', 'float', String(ring.reduce((s, v) => s + v[1], 0) / ring.length));
    add('longitude', 'float', String(ring.reduce((s, v) => s + v[0], 0) / ring.length));
    add('text', 'text', `area (GeoJSON polygon, [longitude, latitude]): ${JSON.stringify(area.vertices)}`);
  }
  if (venue) add('address', 'text', venue);
  return {
    uuid: derivedUuid(b.event, source, 'geolocation'), name: 'geolocation', 'meta-category': 'misc',
    description: 'An object to describe a geographic location.', distribution: INHERIT, timestamp: b.timestamp,
    comment: area.shape === 'circle' ? 'the area the alert concerns (circle)' : 'the area the alert concerns (polygon; centre of its vertices)', Attribute: attrs,
  };
}

/** Attributes and objects that one object (the subject or one related to it) contributes to the event. */
function contents(b: Builder, obj: StixObject): { attributes: MispAttribute[]; objects: MispObject[] } {
  const attributes: MispAttribute[] = [];
  const objects: MispObject[] = [];
  const text = (comment: string, value: unknown, category = 'Other'): void => {
    if (typeof value === 'string' && value !== '') attributes.push(attribute(b, obj.id, 'text', category, value, comment));
  };
  const alert = alertOf(obj);
  if (alert) {
    text('severity', alert.severity);
    text('category', alert.category);
    text('guidance', alert.guidance);
    text('venue', alert.venue);
    text('event', alert.event_name);
    text('sensor kind', alert.sensor_kind);
    text('detection confidence (0-100)', String(alert.detection_confidence));
    if (alert.expires) attributes.push(attribute(b, obj.id, 'datetime', 'Other', alert.expires, 'expires'));
    objects.push(geolocation(b, obj.id, alert.area, alert.venue));
  }
  if (obj.type === 'indicator' && typeof obj.pattern === 'string') {
    const name = typeof obj.name === 'string' ? obj.name : obj.id;
    const values = patternValues(obj.pattern);
    for (const v of values) attributes.push(attribute(b, obj.id, v.type, v.category, v.value, name, true));
    if (values.length === 0) attributes.push(attribute(b, obj.id, 'stix2-pattern', 'Network activity', obj.pattern, name, true));
  }
  if (obj.type === 'location' && typeof obj.latitude === 'number' && typeof obj.longitude === 'number') {
    objects.push(geolocation(b, obj.id, { shape: 'circle', latitude: obj.latitude, longitude: obj.longitude, radius_m: 1 }, typeof obj.name === 'string' ? obj.name : undefined));
  }
  if (obj.type === 'note') text('note', obj.content);
  if (obj.type === 'sighting') text('sighting', obj.description);
  return { attributes, objects };
}

/**
 * The MISP event of a subject (alert or report) and the related objects the reader may see (all already released and
 * redacted for them), created by `orgc`.
 */
export function mispEvent(subject: { stix: StixObject; tlp: TlpLevel | null }, related: readonly StixObject[], orgc: MispOrg): MispEvent {
  const s = subject.stix;
  const alert = alertOf(s);
  // The latest change of anything the event holds: MISP fetches an event again only when its manifest timestamp grows.
  const timestamp = String(Math.max(...[s, ...related].map((o) => Number(epochSeconds(o.modified ?? o.created)))));
  const b: Builder = { event: s.id, timestamp };
  const attributes: MispAttribute[] = [];
  const objects: MispObject[] = [];
  for (const obj of [s, ...related]) {
    const c = contents(b, obj);
    attributes.push(...c.attributes);
    objects.push(...c.objects);
  }
  if (typeof s.description === 'string' && s.description) attributes.push(attribute(b, s.id, 'comment', 'Other', s.description, 'description'));
  return {
    uuid: uuidOf(s.id),
    info: typeof s.name === 'string' && s.name ? s.name : `${s.type} ${s.id}`,
    date: String(s.created ?? s.modified ?? '').slice(0, 10),
    threat_level_id: (alert && THREAT_LEVEL[alert.severity]) ?? '4',
    analysis: s.revoked === true || s.type === 'report' ? '2' : '1',
    distribution: String(DISTRIBUTION[subject.tlp ?? 'unmarked']),
    timestamp,
    publish_timestamp: timestamp,
    published: true,
    Orgc: orgc,
    Tag: [...tlpTags(subject.tlp), ...(alert ? [{ name: `popart:alert-category="${alert.category}"`, colour: '#0088cc' }] : [])],
    Attribute: attributes,
    Object: objects,
  };
}

/** The manifest entry of an event (MISP feed manifest.json: the event's header without its contents). */
export function manifestEntry(e: MispEvent): Record<string, unknown> {
  return {
    info: e.info, date: e.date, threat_level_id: e.threat_level_id, analysis: e.analysis, timestamp: e.timestamp,
    publish_timestamp: e.publish_timestamp, Orgc: e.Orgc, Tag: e.Tag,
  };
}

/** Every attribute value of an event, in objects too (hashes.csv lists their MD5 with the event's uuid). */
export function attributeValues(e: MispEvent): string[] {
  return [...e.Attribute, ...e.Object.flatMap((o) => o.Attribute)].map((a) => a.value);
}
