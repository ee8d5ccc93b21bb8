/** Geometry of alert areas: bounding boxes for spatial queries, and the area an object stands for. */
import { isRecord } from './checker.js';
import { alertOf, type AlertArea, type CircleArea } from './alert-extension.js';
import type { StixObject } from './types.js';

/** A single position (a location object without precision). */
export interface PointArea {
  shape: 'point';
  latitude: number;
  longitude: number;
}

export type GeoArea = AlertArea | PointArea;

/** `[minLon, minLat, maxLon, maxLat]` in degrees. */
export type BBox = [number, number, number, number];

/** Mean Earth radius (IUGG), metres; one degree of latitude is about 111.2 km. */
const EARTH_RADIUS_M = 6_371_008.8;
const METRES_PER_DEGREE = (Math.PI * EARTH_RADIUS_M) / 180;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Bounding box of an area. A circle is approximated on a sphere: the radius in degrees of latitude,
 * and in degrees of longitude scaled by 1/cos(latitude); near the poles the box spans every longitude.
 * Boxes are clamped to [-180, 180] × [-90, 90] (no wrap across the antimeridian).
 */
export function areaBBox(area: GeoArea): BBox {
  if (area.shape === 'point') return [area.longitude, area.latitude, area.longitude, area.latitude];
  if (area.shape === 'circle') {
    const dLat = area.radius_m / METRES_PER_DEGREE;
    const cos = Math.cos((area.latitude * Math.PI) / 180);
    const dLon = cos < 1e-9 ? 360 : dLat / cos;
    return [
      clamp(area.longitude - dLon, -180, 180),
      clamp(area.latitude - dLat, -90, 90),
      clamp(area.longitude + dLon, -180, 180),
      clamp(area.latitude + dLat, -90, 90),
    ];
  }
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of area.vertices) {
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
  }
  return [minLon, minLat, maxLon, maxLat];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The area an object stands for: the alert area of an object carrying a valid alert extension; for a
 * location with latitude and longitude, a point (or a circle of radius `precision` metres when given).
 */
export function areaOfObject(obj: StixObject | Record<string, unknown>): GeoArea | undefined {
  const alert = alertOf(obj);
  if (alert) return alert.area;
  if (!isRecord(obj) || obj.type !== 'location') return undefined;
  const { latitude, longitude, precision } = obj;
  if (!isNum(latitude) || !isNum(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  if (isNum(precision) && precision > 0) return { shape: 'circle', latitude, longitude, radius_m: precision };
  return { shape: 'point', latitude, longitude };
}

/**
 * A circle holding the whole area: the circle itself; for a polygon, centred on the mean of its vertices, with the
 * distance to the farthest vertex as radius (equirectangular, ample for areas of a few kilometres). For tools that know
 * only a point and a precision (a STIX location, a MISP geolocation).
 */
export function enclosingCircle(area: AlertArea): CircleArea {
  if (area.shape === 'circle') return area;
  const ring = area.vertices.slice(0, -1);
  // to 1e-7 degrees (about a centimetre): no float noise in what is exported
  const round = (v: number): number => Math.round(v * 1e7) / 1e7;
  const longitude = round(ring.reduce((sum, [lon]) => sum + lon, 0) / ring.length);
  const latitude = round(ring.reduce((sum, [, lat]) => sum + lat, 0) / ring.length);
  const cos = Math.cos((latitude * Math.PI) / 180);
  const far = Math.max(...ring.map(([lon, lat]) => Math.hypot((lon - longitude) * cos, lat - latitude) * METRES_PER_DEGREE));
  return { shape: 'circle', latitude, longitude, radius_m: Math.max(1, Math.ceil(far)) };
}
