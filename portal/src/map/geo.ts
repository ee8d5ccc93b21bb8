/** Geometry the portal needs: areas of STIX objects as GeoJSON, distances and bearings on the sphere. */
import { geoArea, geoCircle } from 'd3-geo';
import type { Feature, Geometry, MultiPolygon, Polygon, Position } from 'geojson';

export const ALERT_EXTENSION_ID = 'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f';
const EARTH_RADIUS_M = 6_371_008.8;
const toRad = (d: number): number => (d * Math.PI) / 180;
const toDeg = (r: number): number => (r * 180) / Math.PI;

export type Area =
  | { shape: 'circle'; latitude: number; longitude: number; radius_m: number }
  | { shape: 'polygon'; vertices: [number, number][] }
  | { shape: 'point'; latitude: number; longitude: number };

export interface AlertExt {
  category?: string;
  severity?: string;
  detection_confidence?: number;
  area?: Area;
  sensor_kind?: string;
  venue?: string;
  event_name?: string;
  expires?: string;
  guidance?: string;
  audience_refs?: string[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function alertOf(stix: Record<string, unknown>): AlertExt | undefined {
  const ext = (stix.extensions as Record<string, unknown> | undefined)?.[ALERT_EXTENSION_ID];
  return ext && typeof ext === 'object' ? (ext as AlertExt) : undefined;
}

/** The area an object stands for: its alert area, or a location's point (circle with precision). */
export function areaOf(stix: Record<string, unknown>): Area | undefined {
  const a = alertOf(stix)?.area;
  if (a && (a.shape === 'circle' || a.shape === 'polygon')) return a;
  if (stix.type === 'location' && isNum(stix.latitude) && isNum(stix.longitude)) {
    return isNum(stix.precision) && stix.precision > 0
      ? { shape: 'circle', latitude: stix.latitude, longitude: stix.longitude, radius_m: stix.precision }
      : { shape: 'point', latitude: stix.latitude, longitude: stix.longitude };
  }
  return undefined;
}

/** [longitude, latitude] of an area's centre (polygon: mean of its distinct vertices). */
export function centreOf(area: Area): [number, number] {
  if (area.shape !== 'polygon') return [area.longitude, area.latitude];
  const v = area.vertices.slice(0, -1);
  return [v.reduce((s, p) => s + p[0], 0) / v.length, v.reduce((s, p) => s + p[1], 0) / v.length];
}

/** d3-geo wants exterior rings clockwise; GeoJSON (RFC 7946) draws them anticlockwise. */
export function rewind<G extends Polygon | MultiPolygon>(g: G): G {
  const fixRing = (ring: Position[]): Position[] => {
    const area = geoArea({ type: 'Polygon', coordinates: [ring] });
    return area > 2 * Math.PI ? [...ring].reverse() : ring;
  };
  if (g.type === 'Polygon') return { ...g, coordinates: g.coordinates.map(fixRing) };
  return { ...g, coordinates: (g as MultiPolygon).coordinates.map((p) => p.map(fixRing)) } as G;
}

export function areaGeometry(area: Area): Geometry {
  if (area.shape === 'point') return { type: 'Point', coordinates: [area.longitude, area.latitude] };
  if (area.shape === 'circle') {
    return geoCircle().center([area.longitude, area.latitude]).radius(toDeg(area.radius_m / EARTH_RADIUS_M)).precision(2)();
  }
  return rewind({ type: 'Polygon', coordinates: [area.vertices] });
}

/** Great-circle distance in metres between two [lon, lat]. */
export function distanceM(a: [number, number], b: [number, number]): number {
  const dLat = toRad(b[1] - a[1]);
  const dLon = toRad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a[1])) * Math.cos(toRad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from north (0..360). */
export function bearingDeg(a: [number, number], b: [number, number]): number {
  const φ1 = toRad(a[1]);
  const φ2 = toRad(b[1]);
  const Δλ = toRad(b[0] - a[0]);
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  return (toDeg(Math.atan2(y, x)) + 360) % 360;
}

export const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;
export function compass(bearing: number): (typeof COMPASS)[number] {
  return COMPASS[Math.round(bearing / 45) % 8] as (typeof COMPASS)[number];
}

/**
 * Distance from a position to an alert area (0 inside a circle; to the centre for polygons and
 * points) and the bearing to the area's centre.
 */
export function distanceToArea(from: [number, number], area: Area): { metres: number; bearing: number; inside: boolean } {
  const c = centreOf(area);
  const d = distanceM(from, c);
  const bearing = bearingDeg(from, c);
  if (area.shape === 'circle') return { metres: Math.max(0, d - area.radius_m), bearing, inside: d <= area.radius_m };
  return { metres: d, bearing, inside: false };
}

export type FeatureKind = 'territory' | 'venue' | 'alert' | 'threat' | 'point' | 'track' | 'pilot' | 'draft';

/** What the map draws: a GeoJSON feature with what it is and, when it opens something, its object id. */
export type MapFeature = Feature<Geometry, { kind: FeatureKind; label: string; objectId?: string; severity?: string | null }>;
