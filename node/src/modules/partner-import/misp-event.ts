/**
 * A MISP feed event (the {uuid}.json files of a MISP feed) as STIX 2.1 objects for the partner import: the event's
 * creator organisation (Orgc) as an identity, the event as a report holding every object, and each attribute meant
 * for detection (to_ids) of a type with a STIX pattern as an indicator. Every object gets the event's TLP: the most
 * restrictive of its `tlp:` tags and its distribution (and the attribute's own distribution when stricter), so the
 * content is not left unmarked (it would count as AMBER) the way misp-stix leaves it. Ids derive from MISP's uuids
 * and versions from its timestamps, so a re-published event updates the same objects.
 */
import { mostRestrictiveTlp, tlpMarkingRef, type TlpLevel } from '@popart/schemas';

type Json = Record<string, unknown>;

/** MISP distribution levels: 0 your organisation only, 1 this community, 2 connected communities, 3 all, 4 sharing group. */
const DISTRIBUTION_TLP: Record<string, TlpLevel> = { 0: 'amber+strict', 1: 'amber', 2: 'green', 3: 'clear', 4: 'amber' };
const TAG_TLP: Record<string, TlpLevel> = {
  'tlp:white': 'clear', 'tlp:clear': 'clear', 'tlp:green': 'green', 'tlp:amber': 'amber', 'tlp:amber+strict': 'amber+strict', 'tlp:red': 'red',
};

/** The version of every MISP organisation's identity (MISP gives organisations no timestamp). */
const ORG_VERSION = '2020-01-01T00:00:00.000Z';

const quote = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The STIX pattern of an attribute, for the types that have one. */
export function attributePattern(type: string, value: string): string | undefined {
  switch (type) {
    case 'ip-src': case 'ip-dst': return `[${value.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = ${quote(value)}]`;
    case 'domain': case 'hostname': return `[domain-name:value = ${quote(value)}]`;
    case 'url': return `[url:value = ${quote(value)}]`;
    case 'email-src': case 'email-dst': return `[email-addr:value = ${quote(value)}]`;
    case 'mac-address': return `[mac-addr:value = ${quote(value.toLowerCase())}]`;
    case 'md5': return `[file:hashes.MD5 = ${quote(value)}]`;
    case 'sha1': return `[file:hashes.'SHA-1' = ${quote(value)}]`;
    case 'sha256': return `[file:hashes.'SHA-256' = ${quote(value)}]`;
    default: return undefined;
  }
}

const iso = (epochSeconds: unknown, fallback: string): string => {
  const n = Number(epochSeconds);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : fallback;
};

const uuidOf = (v: unknown): string | undefined =>
  (typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ? v.toLowerCase() : undefined);

/** The event's TLP: its tags and distribution, the most restrictive; undefined when it says nothing. */
export function eventTlp(event: Json): TlpLevel | undefined {
  const tags = Array.isArray(event.Tag) ? event.Tag : [];
  const levels = tags.map((t) => TAG_TLP[String((t as Json).name ?? '').toLowerCase()]).filter((l): l is TlpLevel => l !== undefined);
  const d = DISTRIBUTION_TLP[String(event.distribution)];
  return mostRestrictiveTlp(d ? [...levels, d] : levels);
}

export interface ConvertedEvent { objects: Json[]; unmapped: number; timestamp: number }

/** The STIX objects of one MISP feed event ({ "Event": { ... } }); throws with the field when it is not one. */
export function mispEventToStix(file: unknown, defaultTlp: TlpLevel): ConvertedEvent {
  const event = (file as { Event?: unknown } | null)?.Event as Json | undefined;
  if (!event || typeof event !== 'object') throw new Error('Event: missing (not a MISP event file)');
  const uuid = uuidOf(event.uuid);
  if (!uuid) throw new Error('Event.uuid: missing or not a UUID');
  const orgc = (event.Orgc ?? {}) as Json;
  const orgUuid = uuidOf(orgc.uuid);
  if (!orgUuid || typeof orgc.name !== 'string' || !orgc.name) throw new Error('Event.Orgc: the creator organisation needs a uuid and a name');
  const timestamp = Number(event.timestamp);
  if (!Number.isFinite(timestamp) || timestamp <= 0) throw new Error('Event.timestamp: missing or not epoch seconds');
  const modified = iso(timestamp, '');
  const created = typeof event.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(event.date) ? `${event.date}T00:00:00.000Z` : modified;
  const tlp = eventTlp(event) ?? defaultTlp;
  const creator = `identity--${orgUuid}`;
  const marked = (level: TlpLevel) => ({ object_marking_refs: [tlpMarkingRef(level)] });
  const objects: Json[] = [];
  let unmapped = 0;
  const attributes = [...(Array.isArray(event.Attribute) ? event.Attribute : []),
    ...(Array.isArray(event.Object) ? event.Object.flatMap((o) => (Array.isArray((o as Json).Attribute) ? (o as Json).Attribute as unknown[] : [])) : [])] as Json[];
  for (const a of attributes) {
    const aUuid = uuidOf(a.uuid);
    const pattern = aUuid && a.to_ids === true && typeof a.value === 'string' ? attributePattern(String(a.type), a.value) : undefined;
    if (!pattern) {
      unmapped++;
      continue;
    }
    const own = String(a.distribution) === '5' ? undefined : DISTRIBUTION_TLP[String(a.distribution)];
    const aModified = iso(a.timestamp, modified);
    objects.push({
      type: 'indicator', spec_version: '2.1', id: `indicator--${aUuid}`, created: created < aModified ? created : aModified, modified: aModified,
      created_by_ref: creator, name: `${String(a.type)}: ${String(a.value)}`, pattern, pattern_type: 'stix', valid_from: aModified,
      ...(typeof a.comment === 'string' && a.comment ? { description: a.comment } : {}),
      labels: [`misp:category="${String(a.category ?? 'Other')}"`], ...marked(mostRestrictiveTlp(own ? [tlp, own] : [tlp]) as TlpLevel),
    });
  }
  // One fixed version of the organisation's identity, so that each event does not publish it again.
  const identity = { type: 'identity', spec_version: '2.1', id: creator, created: ORG_VERSION, modified: ORG_VERSION, name: orgc.name, identity_class: 'organization', ...marked('clear') };
  const report = {
    type: 'report', spec_version: '2.1', id: `report--${uuid}`, created: created < modified ? created : modified, modified, created_by_ref: creator,
    name: typeof event.info === 'string' && event.info ? event.info : `MISP event ${uuid}`, published: iso(event.publish_timestamp, modified),
    report_types: ['threat-report'], object_refs: objects.length ? objects.map((o) => o.id) : [creator], ...marked(tlp),
  };
  return { objects: [identity, report, ...objects], unmapped, timestamp };
}
