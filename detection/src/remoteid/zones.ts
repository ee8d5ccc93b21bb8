/**
 * Restricted sky zones for Remote ID: polygons (GeoJSON order, [longitude, latitude]) or circles, loaded from a
 * JSON or YAML file in one of two shapes:
 *
 * ```yaml
 * zones:
 *   - name: bernabeu
 *     severity: high              # low | medium | high | critical (default high)
 *     polygon: [[-3.6895, 40.4540], [-3.6870, 40.4540], [-3.6870, 40.4515], [-3.6895, 40.4515], [-3.6895, 40.4540]]
 *     max_height_m: 120           # optional: the zone applies up to this height above ground/takeoff
 *   - name: pitch
 *     circle: { latitude: 40.45306, longitude: -3.68835, radius_m: 300 }
 *   - name: plaza
 *     geometry: { type: Polygon, coordinates: [[[...], ...]] }   # any GeoJSON Polygon or MultiPolygon
 * ```
 *
 * or a GeoJSON FeatureCollection whose features are Polygons/MultiPolygons, or Points with a `radius_m` property
 * (circles); `name`, `severity` and `max_height_m` come from each feature's properties.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ALERT_SEVERITIES, type AlertSeverity } from '@popart/schemas';
import { RemoteIdError } from './errors.js';

type Ring = [number, number][];

export type ZoneShape =
  | { kind: 'polygons'; /** Each polygon: outer ring, then holes. */ polygons: Ring[][] }
  | { kind: 'circle'; latitude: number; longitude: number; radiusM: number };

export interface RestrictedZone {
  name: string;
  severity: AlertSeverity;
  shape: ZoneShape;
  /** Height above ground/takeoff up to which the zone applies; absent = all heights. */
  maxHeightM?: number;
  /** One sentence for operators sent with the alert. */
  guidance?: string;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number): number => (d * Math.PI) / 180;

/** Great-circle distance in metres. */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = rad(lat2 - lat1);
  const dLon = rad(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

function inRing(ring: Ring, lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a position (and height, when the zone has a ceiling and the height is known) is inside the zone. */
export function zoneContains(zone: RestrictedZone, latitude: number, longitude: number, heightM?: number): boolean {
  if (zone.maxHeightM !== undefined && heightM !== undefined && heightM > zone.maxHeightM) return false;
  const s = zone.shape;
  if (s.kind === 'circle') return distanceM(s.latitude, s.longitude, latitude, longitude) <= s.radiusM;
  return s.polygons.some((rings) => inRing(rings[0] as Ring, longitude, latitude) && !rings.slice(1).some((h) => inRing(h, longitude, latitude)));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function position(v: unknown, field: string): [number, number] {
  if (!Array.isArray(v) || v.length < 2 || !isNum(v[0]) || !isNum(v[1])) throw new RemoteIdError(field, 'must be [longitude, latitude]');
  const [lon, lat] = v as [number, number];
  if (Math.abs(lon) > 180) throw new RemoteIdError(field, `longitude ${lon} is outside ±180`);
  if (Math.abs(lat) > 90) throw new RemoteIdError(field, `latitude ${lat} is outside ±90`);
  return [lon, lat];
}

function ring(v: unknown, field: string): Ring {
  if (!Array.isArray(v)) throw new RemoteIdError(field, 'must be a list of [longitude, latitude] positions');
  const r = v.map((p, i) => position(p, `${field}[${i}]`));
  const first = r[0];
  const last = r[r.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) r.push([first[0], first[1]]);
  if (r.length < 4) throw new RemoteIdError(field, 'a polygon needs at least 3 distinct positions');
  return r;
}

function geometry(v: unknown, field: string, props: Record<string, unknown>): ZoneShape {
  if (!isRecord(v)) throw new RemoteIdError(field, 'must be a GeoJSON geometry object');
  if (v.type === 'Polygon') {
    if (!Array.isArray(v.coordinates) || v.coordinates.length === 0) throw new RemoteIdError(`${field}.coordinates`, 'must be a list of rings');
    return { kind: 'polygons', polygons: [v.coordinates.map((r, i) => ring(r, `${field}.coordinates[${i}]`))] };
  }
  if (v.type === 'MultiPolygon') {
    if (!Array.isArray(v.coordinates) || v.coordinates.length === 0) throw new RemoteIdError(`${field}.coordinates`, 'must be a list of polygons');
    return {
      kind: 'polygons',
      polygons: v.coordinates.map((poly, i) => {
        if (!Array.isArray(poly) || poly.length === 0) throw new RemoteIdError(`${field}.coordinates[${i}]`, 'must be a list of rings');
        return poly.map((r, j) => ring(r, `${field}.coordinates[${i}][${j}]`));
      }),
    };
  }
  if (v.type === 'Point') {
    const [longitude, latitude] = position(v.coordinates, `${field}.coordinates`);
    const radius = props.radius_m;
    if (!isNum(radius) || radius <= 0) throw new RemoteIdError(`${field}: properties.radius_m`, 'a Point zone needs a positive radius_m');
    return { kind: 'circle', latitude, longitude, radiusM: radius };
  }
  throw new RemoteIdError(`${field}.type`, `${String(v.type)} is not Polygon, MultiPolygon or Point`);
}

function zone(v: Record<string, unknown>, shape: ZoneShape, field: string, fallbackName: string): RestrictedZone {
  const name = v.name ?? fallbackName;
  if (typeof name !== 'string' || name.trim() === '') throw new RemoteIdError(`${field}.name`, 'must be a non-empty string');
  const severity = v.severity ?? 'high';
  if (typeof severity !== 'string' || !(ALERT_SEVERITIES as readonly string[]).includes(severity)) {
    throw new RemoteIdError(`${field}.severity`, `must be one of ${ALERT_SEVERITIES.join(', ')}`);
  }
  const z: RestrictedZone = { name, severity: severity as AlertSeverity, shape };
  if (v.max_height_m !== undefined) {
    if (!isNum(v.max_height_m) || v.max_height_m <= 0) throw new RemoteIdError(`${field}.max_height_m`, 'must be a positive number of metres');
    z.maxHeightM = v.max_height_m;
  }
  if (v.guidance !== undefined) {
    if (typeof v.guidance !== 'string') throw new RemoteIdError(`${field}.guidance`, 'must be a string');
    z.guidance = v.guidance;
  }
  return z;
}

/** Validates a zones document (see the module comment); errors name the field and why. */
export function parseZones(doc: unknown): RestrictedZone[] {
  if (!isRecord(doc)) throw new RemoteIdError('zones', 'the document must be an object with `zones`, or a GeoJSON FeatureCollection');
  let zones: RestrictedZone[];
  if (doc.type === 'FeatureCollection' || doc.type === 'Feature') {
    const features = doc.type === 'Feature' ? [doc] : doc.features;
    if (!Array.isArray(features)) throw new RemoteIdError('features', 'must be a list of GeoJSON features');
    zones = features.map((f, i) => {
      const field = `features[${i}]`;
      if (!isRecord(f)) throw new RemoteIdError(field, 'must be a GeoJSON feature');
      const props = isRecord(f.properties) ? f.properties : {};
      return zone(props, geometry(f.geometry, `${field}.geometry`, props), `${field}.properties`, `zone-${i + 1}`);
    });
  } else {
    if (!Array.isArray(doc.zones)) throw new RemoteIdError('zones', 'must be a list of zones');
    zones = doc.zones.map((z, i) => {
      const field = `zones[${i}]`;
      if (!isRecord(z)) throw new RemoteIdError(field, 'must be an object');
      const kinds = ['polygon', 'circle', 'geometry'].filter((k) => z[k] !== undefined);
      if (kinds.length !== 1) throw new RemoteIdError(field, 'needs exactly one of polygon, circle, geometry');
      let shape: ZoneShape;
      if (z.polygon !== undefined) shape = { kind: 'polygons', polygons: [[ring(z.polygon, `${field}.polygon`)]] };
      else if (z.geometry !== undefined) shape = geometry(z.geometry, `${field}.geometry`, z);
      else {
        const c = z.circle;
        if (!isRecord(c)) throw new RemoteIdError(`${field}.circle`, 'must be { latitude, longitude, radius_m }');
        if (!isNum(c.latitude) || Math.abs(c.latitude) > 90) throw new RemoteIdError(`${field}.circle.latitude`, 'must be a number within ±90');
        if (!isNum(c.longitude) || Math.abs(c.longitude) > 180) throw new RemoteIdError(`${field}.circle.longitude`, 'must be a number within ±180');
        if (!isNum(c.radius_m) || c.radius_m <= 0) throw new RemoteIdError(`${field}.circle.radius_m`, 'must be a positive number of metres');
        shape = { kind: 'circle', latitude: c.latitude, longitude: c.longitude, radiusM: c.radius_m };
      }
      return zone(z, shape, field, `zone-${i + 1}`);
    });
  }
  const seen = new Set<string>();
  zones.forEach((z, i) => {
    if (seen.has(z.name)) throw new RemoteIdError(`zones[${i}].name`, `"${z.name}" is used by another zone`);
    seen.add(z.name);
  });
  return zones;
}

/** Reads and validates a zones file (.json, or YAML otherwise). */
export async function loadZones(path: string): Promise<RestrictedZone[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RemoteIdError('--zones', `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = /\.(geo)?json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new RemoteIdError('--zones', `${path} is not valid ${/json$/i.test(path) ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseZones(doc);
}
