/**
 * Remote ID drone tracks and operator (pilot) positions in STIX objects, as the portal reads them.
 * Any object may carry them as custom properties (they are what a Remote ID receiver decodes):
 *
 *   x_popart_track              [[lon, lat], …] or [{ longitude, latitude, time? }, …], oldest first;
 *                               the last position is the drone's latest
 *   x_popart_operator_position  [lon, lat] or { longitude, latitude }: the pilot's broadcast position
 *
 * Location objects (type "location") are drawn as points. The node's redaction policy may remove
 * or coarsen these properties (partner agencies do not receive the operator's position); the
 * detail view's "why" panel then says so.
 */
import type { MapFeature } from './geo.js';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function positionOf(v: unknown): [number, number] | undefined {
  if (Array.isArray(v) && v.length >= 2 && isNum(v[0]) && isNum(v[1])) return [v[0], v[1]];
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (isNum(o.longitude) && isNum(o.latitude)) return [o.longitude, o.latitude];
  }
  return undefined;
}

export function trackOf(stix: Record<string, unknown>): [number, number][] {
  const t = stix.x_popart_track;
  if (!Array.isArray(t)) return [];
  return t.map(positionOf).filter((p): p is [number, number] => p !== undefined);
}

export function pilotOf(stix: Record<string, unknown>): [number, number] | undefined {
  return positionOf(stix.x_popart_operator_position);
}

/** Map features for an object's Remote ID data. */
export function remoteIdFeatures(stix: Record<string, unknown>, label: string): MapFeature[] {
  const out: MapFeature[] = [];
  const id = typeof stix.id === 'string' ? stix.id : undefined;
  const track = trackOf(stix);
  if (track.length >= 2) out.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: track }, properties: { kind: 'track', label, ...(id ? { objectId: id } : {}) } });
  const last = track.at(-1);
  if (last) out.push({ type: 'Feature', geometry: { type: 'Point', coordinates: last }, properties: { kind: 'track', label, ...(id ? { objectId: id } : {}) } });
  const pilot = pilotOf(stix);
  if (pilot) out.push({ type: 'Feature', geometry: { type: 'Point', coordinates: pilot }, properties: { kind: 'pilot', label, ...(id ? { objectId: id } : {}) } });
  return out;
}
