/**
 * The public-space alert in objects that every STIX tool imports. POP-ART nodes read the alert extension; MISP and
 * OpenCTI do not (they keep an `incident`'s name and nothing of its extension), so an export adds, for each alert:
 *
 *  - a `report` holding the alert and what is known about it (MISP makes it an event, OpenCTI a report container):
 *    its name says category, severity and venue, its description the whole alert in words, its labels category,
 *    severity and sensor as MISP machine tags, `published` the alert's start and `confidence` the detection's;
 *  - a `location` with the area (centre and radius: MISP's geolocation object, OpenCTI's position);
 *  - a `note` with the guidance and the time window, on the alert and the report (a note on MISP's event, OpenCTI's note).
 *
 * No `indicator` is made up: an alert has no pattern of its own; where detection found one (a drone's Remote ID
 * transmitter) the indicator is already published beside the alert and the report holds it.
 *
 * Derived objects are views of one version of the alert: the same creator (the publishing agency), the same markings
 * (every object and granular marking of the alert, so none is looser than any part of it) plus their TLP 1.0
 * equivalents, the same created and modified, and ids derived from the alert's id (re-exports give the same ids;
 * SHA-256 laid out as UUIDv4, which STIX asks of SDO ids). They are made from the alert as released to the viewer, so
 * they never hold more than the viewer may see of it. Pure: no I/O, no clock.
 */
import { enclosingCircle } from './alert-area.js';
import { alertOf, type AlertArea, type PublicSpaceAlert } from './alert-extension.js';
import { isRecord } from './checker.js';
import { hashedUuidV4 } from './derived-ids.js';
import { tlp1Equivalent, tlpLevelOfMarking } from './tlp.js';
import type { Location, Note, Report, StixObject } from './types.js';

/** Namespace of the ids of derived objects (a fixed UUID). */
const VIEW_NAMESPACE = 'c7d1f0a2-5b3e-4a69-8f1d-2e4b6a8c0d17';

function derivedId(type: string, alertId: string): string {
  return `${type}--${hashedUuidV4(`${VIEW_NAMESPACE}\u0000${alertId}\u0000${type}`)}`;
}

/** The ids of the objects derived from an alert (stable for every version of it). */
export function alertViewIds(alertId: string): { report: string; location: string; note: string } {
  return { report: derivedId('report', alertId), location: derivedId('location', alertId), note: derivedId('note', alertId) };
}

/** Every marking of an object (object-level and granular), each TLP 2.0 one followed by its TLP 1.0 equivalent. */
export function markingsWithTlp1(obj: StixObject): string[] {
  const refs = [...(obj.object_marking_refs ?? [])];
  for (const g of obj.granular_markings ?? []) if (isRecord(g) && typeof g.marking_ref === 'string') refs.push(g.marking_ref);
  const out = new Set<string>();
  for (const ref of refs) {
    out.add(ref);
    const level = tlpLevelOfMarking(ref);
    if (level) out.add(tlp1Equivalent(level).id);
  }
  return [...out];
}

function words(value: string): string {
  return value.replace(/-/g, ' ');
}

function areaText(area: AlertArea): string {
  if (area.shape === 'circle') return `a circle of ${area.radius_m} m around ${area.latitude}, ${area.longitude} (latitude, longitude; WGS 84)`;
  const ring = area.vertices.map(([lon, lat]) => `${lat} ${lon}`).join(', ');
  return `a polygon of ${area.vertices.length - 1} vertices (latitude longitude; WGS 84): ${ring}`;
}

/** Objects that belong with the alert in its report: relationships to or from it, their other ends, sightings of either. */
function relatedTo(alertId: string, others: readonly StixObject[]): string[] {
  const ends = new Set<string>([alertId]);
  const out = new Set<string>();
  for (const o of others) {
    if (o.type !== 'relationship') continue;
    const { source_ref: source, target_ref: target } = o as { source_ref?: unknown; target_ref?: unknown };
    if (source !== alertId && target !== alertId) continue;
    out.add(o.id);
    for (const end of [source, target]) if (typeof end === 'string') ends.add(end);
  }
  for (const o of others) {
    if (o.type === 'sighting' && ends.has(String((o as { sighting_of_ref?: unknown }).sighting_of_ref))) out.add(o.id);
  }
  const present = new Set(others.map((o) => o.id));
  for (const end of ends) if (present.has(end)) out.add(end);
  out.delete(alertId);
  return [...out];
}

function describeAlert(alert: StixObject, ext: PublicSpaceAlert): string {
  return [
    `Public-space alert: ${words(ext.category)}, severity ${ext.severity}, detection confidence ${ext.detection_confidence}%, detected by ${words(ext.sensor_kind)}.`,
    `Venue: ${ext.venue}${ext.event_name ? ` (${ext.event_name})` : ''}.`,
    `Area: ${areaText(ext.area)}.`,
    `Valid from ${alert.created} until ${ext.expires}.`,
    `Guidance: ${ext.guidance}`,
    ...(typeof alert.description === 'string' ? [alert.description] : []),
  ].join('\n');
}

/** The standard objects of one alert (empty when `alert` carries no valid alert extension). `others`: the rest of the export. */
export function alertView(alert: StixObject, others: readonly StixObject[] = []): StixObject[] {
  const ext = alertOf(alert);
  if (!ext) return [];
  const ids = alertViewIds(alert.id);
  const common = {
    spec_version: '2.1' as const,
    created: alert.created as string,
    modified: (alert.modified ?? alert.created) as string,
    ...(typeof alert.created_by_ref === 'string' ? { created_by_ref: alert.created_by_ref } : {}),
    object_marking_refs: markingsWithTlp1(alert),
  };
  if (common.object_marking_refs.length === 0) delete (common as { object_marking_refs?: string[] }).object_marking_refs;
  const circle = enclosingCircle(ext.area);
  const location: Location = {
    type: 'location', id: ids.location, ...common,
    name: ext.venue,
    description: `Area of the alert "${String(alert.name)}": ${areaText(ext.area)}.`,
    latitude: circle.latitude, longitude: circle.longitude, precision: circle.radius_m,
  };
  const note: Note = {
    type: 'note', id: ids.note, ...common,
    abstract: `Guidance for operators: ${String(alert.name)}`,
    content: `${ext.guidance}\n\nValid from ${alert.created} until ${ext.expires}. Severity ${ext.severity}; venue ${ext.venue}.`,
    // On the report too: MISP attaches a note to the event its report becomes (it makes nothing of an incident).
    object_refs: [alert.id, ids.report],
  };
  const report: Report = {
    type: 'report', id: ids.report, ...common,
    name: `${ext.severity.toUpperCase()} ${words(ext.category)} alert at ${ext.venue}: ${String(alert.name)}`,
    description: describeAlert(alert, ext),
    report_types: ['threat-report'],
    published: alert.created as string,
    confidence: ext.detection_confidence,
    labels: [`popart:category="${ext.category}"`, `popart:severity="${ext.severity}"`, `popart:sensor-kind="${ext.sensor_kind}"`],
    object_refs: [alert.id, location.id, note.id, ...relatedTo(alert.id, others)],
  };
  return [report, location, note];
}

/** The standard objects of every alert among `objects`, in their order. */
export function alertViews(objects: readonly StixObject[]): StixObject[] {
  return objects.flatMap((o) => alertView(o, objects));
}
