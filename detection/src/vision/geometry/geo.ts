/**
 * Local east/north metres around an origin ↔ WGS 84 longitude/latitude (equirectangular, on a sphere of the mean Earth
 * radius: well under a metre of error across a venue of a few kilometres).
 */
import type { Point } from './polygon.js';

const EARTH_RADIUS_M = 6_371_008.8;
const M_PER_DEG = (Math.PI * EARTH_RADIUS_M) / 180;

export interface GeoOrigin {
  longitude: number;
  latitude: number;
}

/** [lon, lat] → [east, north] metres from the origin. */
export function toLocalMetres(origin: GeoOrigin, [lon, lat]: Point): Point {
  const cos = Math.cos((origin.latitude * Math.PI) / 180);
  return [(lon - origin.longitude) * M_PER_DEG * cos, (lat - origin.latitude) * M_PER_DEG];
}

/** [east, north] metres from the origin → [lon, lat]. */
export function toLonLat(origin: GeoOrigin, [east, north]: Point): Point {
  const cos = Math.cos((origin.latitude * Math.PI) / 180);
  return [origin.longitude + east / (M_PER_DEG * cos), origin.latitude + north / M_PER_DEG];
}

export const round = (v: number, digits: number): number => Number(v.toFixed(digits));
