/**
 * Agencies' territories as the policies know them (data.popart.config.agencies[key].jurisdiction in
 * the compiled policies' data): the same polygons release, redaction and routing decide with, so
 * the portal draws what the policy uses and operators without a position fall back to its centre.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { policiesBuildDir } from '../../policy/wasm-policy.js';

export interface Territory {
  /** GeoJSON Polygon or MultiPolygon, WGS 84, [longitude, latitude]. */
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
  /** [minLon, minLat, maxLon, maxLat] of the whole geometry. */
  bbox: [number, number, number, number];
  /** [longitude, latitude]: centre of the bounding box of the first polygon (by convention the mainland, not the islands). */
  centre: [number, number];
}

type Ring = [number, number][];

function ringBox(ring: Ring): [number, number, number, number] {
  let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of ring) {
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
  }
  return [minLon, minLat, maxLon, maxLat];
}

/** The territory of a GeoJSON Polygon/MultiPolygon, or null when it is not one. */
export function territoryOf(geometry: unknown): Territory | null {
  if (!geometry || typeof geometry !== 'object') return null;
  const g = geometry as { type?: unknown; coordinates?: unknown };
  let polygons: Ring[][];
  if (g.type === 'Polygon' && Array.isArray(g.coordinates)) polygons = [g.coordinates as Ring[]];
  else if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates)) polygons = g.coordinates as Ring[][];
  else return null;
  const outer = polygons.map((p) => p[0]).filter((r): r is Ring => Array.isArray(r) && r.length >= 4);
  if (outer.length === 0) return null;
  const boxes = outer.map(ringBox);
  // The policies' configuration lists the mainland first (islands are coarse boxes that may be larger).
  const main = boxes[0] as [number, number, number, number];
  return {
    geometry: { type: g.type, coordinates: g.coordinates },
    bbox: [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))],
    centre: [(main[0] + main[2]) / 2, (main[1] + main[3]) / 2],
  };
}

let loaded: Promise<Map<string, Territory>> | null = null;

/** Territories by agency key, read once from the compiled policies' data. */
export function territories(dir = policiesBuildDir()): Promise<Map<string, Territory>> {
  loaded ??= readFile(join(dir, 'data.json'), 'utf8').then((text) => {
    const data = JSON.parse(text) as { popart?: { config?: { agencies?: Record<string, { jurisdiction?: unknown }> } } };
    const out = new Map<string, Territory>();
    for (const [key, agency] of Object.entries(data.popart?.config?.agencies ?? {})) {
      const t = territoryOf(agency.jurisdiction);
      if (t) out.set(key, t);
    }
    return out;
  }).catch((err: unknown) => {
    loaded = null;
    throw err;
  });
  return loaded;
}
