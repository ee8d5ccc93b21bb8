/**
 * The POP-ART public-space alert: a STIX 2.1 property extension, defined by the extension-definition
 * below and carried in `extensions[ALERT_EXTENSION_ID]` of an `incident` (what the system calls an
 * alert) or of any other SDO. Documented in schemas/README.md.
 */
import { Checker, compareTimestamps, isRecord, isTimestamp } from './checker.js';
import { IssueSink, type StixIssue } from './issues.js';
import type { ExtensionDefinition, Identity, StixObject } from './types.js';

export const POPART_IDENTITY_ID = 'identity--3b84e072-4813-41b1-b6e7-5d9fc9ee3036';
export const ALERT_EXTENSION_ID = 'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f';
export const ALERT_EXTENSION_SCHEMA_URL = 'https://popart.example/schemas/public-space-alert-1.0.0.json';
const DEFINED = '2025-01-01T00:00:00.000Z';

/** The POP-ART project, creator of the alert extension. */
export const popartIdentity: Identity = Object.freeze({
  type: 'identity',
  spec_version: '2.1',
  id: POPART_IDENTITY_ID,
  created: DEFINED,
  modified: DEFINED,
  name: 'POP-ART project',
  identity_class: 'organization',
  description: 'The POP-ART threat exchange project, which defines the public-space alert extension.',
}) as Identity;

/** A POP-ART extension definition (version 1.0.0, created by the POP-ART identity), frozen. */
export function popartExtensionDefinition(
  o: Pick<ExtensionDefinition, 'id' | 'created' | 'name' | 'description' | 'schema' | 'extension_types'> & { extension_properties?: string[] },
): ExtensionDefinition {
  return Object.freeze({
    type: 'extension-definition', spec_version: '2.1', id: o.id, created: o.created, modified: o.created, created_by_ref: POPART_IDENTITY_ID,
    name: o.name, description: o.description, schema: o.schema, version: '1.0.0',
    extension_types: Object.freeze([...o.extension_types]) as ExtensionDefinition['extension_types'],
    ...(o.extension_properties ? { extension_properties: Object.freeze([...o.extension_properties]) as string[] } : {}),
  }) as ExtensionDefinition;
}

/** The extension-definition object of the public-space alert extension. */
export const alertExtensionDefinition: ExtensionDefinition = popartExtensionDefinition({
  id: ALERT_EXTENSION_ID,
  created: DEFINED,
  name: 'POP-ART public-space alert',
  description:
    'Alerts about threats to public spaces and mass gatherings (drones, gunshots, explosions, crowd risks, intrusions): ' +
    'category, severity, detection confidence, the area concerned (circle or polygon, WGS 84), the kind of sensor, the venue ' +
    'and event, when the alert expires, guidance for operators and the agencies it is addressed to.',
  schema: ALERT_EXTENSION_SCHEMA_URL,
  extension_types: ['property-extension'],
});

export const ALERT_CATEGORIES = [
  'drone', 'gunshot', 'explosion', 'crowd-density', 'crowd-dispersal', 'loitering', 'intrusion',
  'vehicle-in-pedestrian-zone', 'violence', 'other',
] as const;
export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SENSOR_KINDS = ['camera', 'microphone', 'remote-id', 'radar', 'rf', 'human', 'other'] as const;
export const MAX_RADIUS_M = 100_000;
export const MAX_GUIDANCE_CHARS = 2000;

export type AlertCategory = (typeof ALERT_CATEGORIES)[number];
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export type SensorKind = (typeof SENSOR_KINDS)[number];

/** A circle on the ground: centre in WGS 84 degrees, radius in metres. */
export interface CircleArea {
  shape: 'circle';
  latitude: number;
  longitude: number;
  radius_m: number;
}

/** A closed ring of `[longitude, latitude]` pairs (GeoJSON order), first equal to last, at least 4 pairs. */
export interface PolygonArea {
  shape: 'polygon';
  vertices: [number, number][];
}

export type AlertArea = CircleArea | PolygonArea;

export interface PublicSpaceAlert {
  extension_type: 'property-extension';
  category: AlertCategory;
  severity: AlertSeverity;
  detection_confidence: number;
  area: AlertArea;
  sensor_kind: SensorKind;
  venue: string;
  event_name?: string;
  expires: string;
  guidance: string;
  audience_refs?: string[];
}

const ALERT_PROPERTIES = new Set([
  'extension_type', 'category', 'severity', 'detection_confidence', 'area', 'sensor_kind', 'venue', 'event_name',
  'expires', 'guidance', 'audience_refs',
]);

function checkCoordinate(c: Checker, prop: string, value: unknown, lonFirst: boolean): boolean {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    c.error(prop, 'must be a [longitude, latitude] pair of numbers');
    return false;
  }
  const [lon, lat] = (lonFirst ? value : [value[1], value[0]]) as [number, number];
  if (lon < -180 || lon > 180) c.error(prop, `longitude must be between -180 and 180, got ${lon}`);
  else if (lat < -90 || lat > 90) c.error(prop, `latitude must be between -90 and 90, got ${lat}`);
  else return true;
  return false;
}

/** Checks `area` (a circle or a closed polygon) at the checker's object; also used by the venue extension. */
export function checkArea(e: Checker): void {
  if (!e.require('area')) return;
  const a = e.nested('area');
  if (!a) return e.error('area', 'must be an object with shape "circle" or "polygon"');
  const shape = a.enumValue('shape', ['circle', 'polygon'] as const, true);
  if (shape === 'circle') {
    a.number('latitude', -90, 90, true);
    a.number('longitude', -180, 180, true);
    const r = a.obj.radius_m;
    if (r === undefined) a.error('radius_m', 'is required');
    else if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0 || r > MAX_RADIUS_M) {
      a.error('radius_m', `must be a number of metres greater than 0 and at most ${MAX_RADIUS_M}, got ${JSON.stringify(r)}`);
    }
    for (const k of Object.keys(a.obj)) if (!['shape', 'latitude', 'longitude', 'radius_m'].includes(k)) a.error(k, 'is not a property of a circle area');
  } else if (shape === 'polygon') {
    const v = a.obj.vertices;
    if (v === undefined) a.error('vertices', 'is required');
    else if (!Array.isArray(v)) a.error('vertices', 'must be a list of [longitude, latitude] pairs');
    else if (v.length < 4) a.error('vertices', `a closed polygon needs at least 4 vertices (first repeated last), got ${v.length}`);
    else {
      const ok = v.map((p, i) => checkCoordinate(a, `vertices[${i}]`, p, true)).every(Boolean);
      const first = v[0] as number[];
      const last = v[v.length - 1] as number[];
      if (ok && (first[0] !== last[0] || first[1] !== last[1])) a.error('vertices', 'the polygon must be closed: the last vertex must equal the first');
    }
    for (const k of Object.keys(a.obj)) if (k !== 'shape' && k !== 'vertices') a.error(k, 'is not a property of a polygon area');
  }
}

/**
 * Checks the alert extension's properties; `e` is positioned at the extension (paths such as
 * `extensions.extension-definition--….severity`), `created` is the carrying object's created.
 */
export function checkAlertExtension(e: Checker, created: unknown): void {
  if (e.obj.extension_type !== 'property-extension') e.error('extension_type', 'must be "property-extension"');
  e.enumValue('category', ALERT_CATEGORIES, true);
  e.enumValue('severity', ALERT_SEVERITIES, true);
  e.integer('detection_confidence', 0, 100, true);
  checkArea(e);
  e.enumValue('sensor_kind', SENSOR_KINDS, true);
  e.string('venue', { required: true, maxLength: 500 });
  e.string('event_name', { maxLength: 500 });
  const expires = e.timestamp('expires', true);
  if (expires && isTimestamp(created) && compareTimestamps(expires, created) <= 0) {
    e.error('expires', `must be later than the object's created (${created}), got ${expires}`);
  }
  e.string('guidance', { required: true, maxLength: MAX_GUIDANCE_CHARS });
  const audience = e.refList('audience_refs', ['identity']);
  if (audience && new Set(audience).size !== audience.length) e.error('audience_refs', 'must not list an identity twice');
  for (const k of Object.keys(e.obj)) if (!ALERT_PROPERTIES.has(k)) e.error(k, 'is not a property of the POP-ART public-space alert extension');
}

function extensionOf(obj: unknown): unknown {
  if (!isRecord(obj) || !isRecord(obj.extensions)) return undefined;
  return obj.extensions[ALERT_EXTENSION_ID];
}

/**
 * The issues of the alert extension carried by `obj` (empty when it carries none or it is valid).
 * `validateObject` runs the same checks.
 */
export function validateAlertExtension(obj: unknown, index?: number): StixIssue[] {
  const ext = extensionOf(obj);
  if (ext === undefined || !isRecord(obj)) return [];
  const sink = new IssueSink(index ?? null, typeof obj.id === 'string' ? obj.id : null);
  const path = `extensions.${ALERT_EXTENSION_ID}`;
  if (!isRecord(ext)) sink.error(path, 'must be an object');
  else checkAlertExtension(new Checker(sink, ext, path), obj.created);
  return sink.errors;
}

/** The alert carried by an object, when it carries a valid one. */
export function alertOf(obj: StixObject | Record<string, unknown>): PublicSpaceAlert | undefined {
  const ext = extensionOf(obj);
  if (ext === undefined) return undefined;
  return validateAlertExtension(obj).length === 0 ? (ext as PublicSpaceAlert) : undefined;
}
