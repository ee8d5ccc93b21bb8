/**
 * Outlines of the demo scenario's venues (approximate footprints, drawn offline on the map): the
 * Santiago Bernabéu of the seeded drone alert, the Puerta del Sol fan zone of the tests, and two
 * more stadiums of the consortium's cities. Stadiums are ellipses around their centres.
 */
import type { MapFeature } from './geo.js';
import { rewind } from './geo.js';

interface Venue { name: string; centre: [number, number]; /** semi-axes in metres, rotation in degrees */ a: number; b: number; rotation: number }

export const VENUES: Venue[] = [
  { name: 'Estadio Santiago Bernabéu', centre: [-3.68835, 40.45306], a: 135, b: 105, rotation: 0 },
  { name: 'Estadio Cívitas Metropolitano', centre: [-3.59941, 40.43617], a: 145, b: 115, rotation: 20 },
  { name: 'Puerta del Sol', centre: [-3.70379, 40.41678], a: 110, b: 55, rotation: -10 },
  { name: 'Estádio da Luz', centre: [-9.18469, 38.75274], a: 140, b: 110, rotation: 10 },
];

function ellipse(v: Venue, steps = 36): [number, number][] {
  const mPerDegLat = 111_195;
  const mPerDegLon = mPerDegLat * Math.cos((v.centre[1] * Math.PI) / 180);
  const rot = (v.rotation * Math.PI) / 180;
  const ring: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const t = (i / steps) * 2 * Math.PI;
    const x = v.a * Math.cos(t);
    const y = v.b * Math.sin(t);
    const e = x * Math.cos(rot) - y * Math.sin(rot);
    const n = x * Math.sin(rot) + y * Math.cos(rot);
    ring.push([v.centre[0] + e / mPerDegLon, v.centre[1] + n / mPerDegLat]);
  }
  ring[steps] = ring[0] as [number, number];
  return ring;
}

export function venueFeatures(): MapFeature[] {
  return VENUES.map((v) => ({
    type: 'Feature',
    geometry: rewind({ type: 'Polygon', coordinates: [ellipse(v)] }),
    properties: { kind: 'venue', label: v.name },
  }));
}
