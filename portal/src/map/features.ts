/** Map features of threats: alert areas, other objects' areas and points, Remote ID data; territories. */
import type { Territory, ThreatSummary } from '../api/queries.js';
import { alertOf, areaGeometry, areaOf, rewind, type MapFeature } from './geo.js';
import { remoteIdFeatures } from './remote-id.js';

export function threatFeatures(items: readonly ThreatSummary[], title: (t: ThreatSummary) => string): MapFeature[] {
  const out: MapFeature[] = [];
  for (const t of items) {
    const label = title(t);
    const area = areaOf(t.stix);
    if (area) {
      const kind = alertOf(t.stix) ? 'alert' : area.shape === 'point' ? 'point' : 'threat';
      out.push({ type: 'Feature', geometry: areaGeometry(area), properties: { kind, label, objectId: t.id, severity: t.severity } });
    }
    out.push(...remoteIdFeatures(t.stix, label));
  }
  return out;
}

export function territoryFeature(territory: Territory | null | undefined, label: string): MapFeature[] {
  if (!territory) return [];
  return [{ type: 'Feature', geometry: rewind(territory.geometry), properties: { kind: 'territory', label } }];
}

/** [minLon, minLat, maxLon, maxLat] of a territory's first polygon (the mainland; islands come after it). */
export function mainBBox(territory: Territory | null | undefined): [number, number, number, number] | null {
  if (!territory) return null;
  const polygons = territory.geometry.type === 'Polygon' ? [territory.geometry.coordinates] : territory.geometry.coordinates;
  const ring = polygons[0]?.[0] ?? [];
  if (ring.length === 0) return null;
  const lons = ring.map((c) => c[0] as number);
  const lats = ring.map((c) => c[1] as number);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}
