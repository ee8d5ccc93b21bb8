import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RemoteIdError } from './errors.js';
import { distanceM, loadZones, parseZones, zoneContains } from './zones.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'popart-zones-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const fieldError = (field: string, pattern: RegExp) => (e: unknown): boolean =>
  e instanceof RemoteIdError && e.field === field && pattern.test(e.message);

describe('restricted zones', () => {
  it('polygons (closed for you), circles, GeoJSON polygons with holes, and a height ceiling', () => {
    const [square, circle, holed] = parseZones({
      zones: [
        { name: 'square', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], max_height_m: 120, severity: 'critical', guidance: 'notify ground units' },
        { name: 'circle', circle: { latitude: 40.45306, longitude: -3.68835, radius_m: 300 } },
        { name: 'holed', geometry: { type: 'Polygon', coordinates: [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]] } },
      ],
    });
    assert.deepEqual([square?.severity, circle?.severity, square?.guidance], ['critical', 'high', 'notify ground units']);
    assert.equal(zoneContains(square!, 0.5, 0.5), true);
    assert.equal(zoneContains(square!, 0.5, 0.5, 150), false, 'above the ceiling');
    assert.equal(zoneContains(square!, 1.5, 0.5), false);
    assert.equal(zoneContains(circle!, 40.45306 + 0.0026, -3.68835), true, '~289 m north');
    assert.equal(zoneContains(circle!, 40.45306 + 0.0028, -3.68835), false, '~311 m north');
    assert.equal(zoneContains(holed!, 0.5, 0.5), true);
    assert.equal(zoneContains(holed!, 2, 2), false, 'in the hole');
    assert.ok(Math.abs(distanceM(0, 0, 1, 0) - 111_195) < 10);
  });

  it('a GeoJSON FeatureCollection: polygons, multipolygons and points with radius_m', () => {
    const zones = parseZones({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { name: 'a' }, geometry: { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]] } },
        { type: 'Feature', properties: { name: 'b', radius_m: 50, severity: 'medium' }, geometry: { type: 'Point', coordinates: [10, 20] } },
        { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } },
      ],
    });
    assert.deepEqual(zones.map((z) => [z.name, z.severity, z.shape.kind]), [['a', 'high', 'polygons'], ['b', 'medium', 'circle'], ['zone-3', 'high', 'polygons']]);
    assert.equal(zoneContains(zones[0]!, 5.6, 5.7), true);
  });

  it('bad zones name the field and why', () => {
    assert.throws(() => parseZones([]), fieldError('zones', /must be an object/));
    assert.throws(() => parseZones({ zones: [{ name: 'x' }] }), fieldError('zones[0]', /exactly one of polygon, circle, geometry/));
    assert.throws(() => parseZones({ zones: [{ name: 'x', circle: { latitude: 40, longitude: -3, radius_m: -1 } }] }), fieldError('zones[0].circle.radius_m', /positive/));
    assert.throws(() => parseZones({ zones: [{ name: 'x', polygon: [[0, 0], [1, 0], [0, 0]] }] }), fieldError('zones[0].polygon', /at least 3 distinct/));
    assert.throws(() => parseZones({ zones: [{ name: 'x', polygon: [[0, 0], [1, 95], [1, 1]] }] }), fieldError('zones[0].polygon[1]', /latitude 95/));
    assert.throws(() => parseZones({ zones: [{ name: 'x', severity: 'urgent', circle: { latitude: 0, longitude: 0, radius_m: 1 } }] }), fieldError('zones[0].severity', /low, medium, high, critical/));
    assert.throws(() => parseZones({ zones: [{ name: 'x', circle: { latitude: 0, longitude: 0, radius_m: 1 } }, { name: 'x', circle: { latitude: 0, longitude: 0, radius_m: 1 } }] }), fieldError('zones[1].name', /used by another zone/));
    assert.throws(() => parseZones({ type: 'FeatureCollection', features: [{ geometry: { type: 'LineString', coordinates: [] } }] }), fieldError('features[0].geometry.type', /not Polygon/));
  });

  it('loads YAML and JSON files; unreadable or malformed files are errors on --zones', async () => {
    const yaml = join(dir, 'zones.yaml');
    await writeFile(yaml, 'zones:\n  - name: pitch\n    circle: { latitude: 40.45306, longitude: -3.68835, radius_m: 300 }\n');
    assert.equal((await loadZones(yaml))[0]?.name, 'pitch');
    const json = join(dir, 'zones.geojson');
    await writeFile(json, JSON.stringify({ type: 'Feature', properties: { name: 'j', radius_m: 10 }, geometry: { type: 'Point', coordinates: [1, 2] } }));
    assert.equal((await loadZones(json))[0]?.name, 'j');
    await writeFile(json, '{ not json');
    await assert.rejects(loadZones(json), fieldError('--zones', /is not valid JSON/));
    await assert.rejects(loadZones(join(dir, 'missing.yaml')), fieldError('--zones', /cannot read/));
  });
});
