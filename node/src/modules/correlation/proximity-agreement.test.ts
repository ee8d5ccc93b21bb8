/**
 * The two checks of "near in space and time" agree: the read model's (CorrelationStore.correlateOne: the grid's cells,
 * then the great-circle distance and the gap between active periods in SQL) and ProximityGrid.near in JS, which the
 * egress side uses to re-check links. Generated pairs over the Iberian peninsula (36°–44° N), many within a metre or a
 * second of the thresholds, in every direction (east-west pairs test the grid's longitude width at each latitude).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { synth } from '@popart/detection/audio-eval';
import { openDatabase } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { CorrelationStore, type CorrelationLimits } from './correlation-store.js';
import { ProximityGrid, type Place } from './proximity.js';

const EARTH_RADIUS_M = 6_371_008.8;
const T = Date.parse('2026-06-01T20:00:00.000Z');

/** The point `metres` away from (lat, lon) along the great circle of initial bearing `bearingDeg`. */
function destination(lat: number, lon: number, metres: number, bearingDeg: number): [number, number] {
  const r = Math.PI / 180;
  const d = metres / EARTH_RADIUS_M;
  const [p1, l1, b] = [lat * r, lon * r, bearingDeg * r];
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [p2 / r, l2 / r];
}

for (const limits of [
  { distanceM: 1000, windowS: 900, maxLinksPerValue: 100, maxNearby: 200, maxProximityLinks: 20 },
  { distanceM: 150, windowS: 60, maxLinksPerValue: 100, maxNearby: 200, maxProximityLinks: 20 },
] satisfies CorrelationLimits[]) {
  test(`correlateOne (SQL) and ProximityGrid.near (JS) agree on generated pairs at ${limits.distanceM} m, ${limits.windowS} s`, async () => {
    const db = await openDatabase({ kind: 'pglite', dir: null });
    try {
      await migrate(db);
      const store = new CorrelationStore(db);
      const grid = new ProximityGrid(limits);
      const rng = synth.mulberry32(limits.distanceM);
      const between = (lo: number, hi: number): number => lo + (hi - lo) * rng();
      const object = (id: string, place: Place) => ({ id, publisherMsp: id.startsWith('a') ? 'PnMSP' : 'MadMSP', values: [], place,
        keys: grid.keysOf(place), searchKeys: grid.searchKeys(place), mayBeLinked: false });
      const counts = { linked: 0, apart: 0 };
      for (let i = 0; i < 300; i++) {
        const category = `pair-${i}`; // pairs never meet each other
        const lat = between(36, 44);
        const lon = between(-9.3, 3.3);
        // Within a metre of the distance threshold half the time, else anywhere up to twice it.
        const metres = i % 2 === 0 ? limits.distanceM + between(-1, 1) : between(0, 2 * limits.distanceM);
        const bearing = i % 3 === 0 ? 90 * Math.floor(between(0, 4)) : between(0, 360);
        const [lat2, lon2] = destination(lat, lon, metres, bearing);
        const starts = T + Math.round(between(0, 3_600_000));
        const ends = starts + Math.round(between(0, 600_000));
        // A gap within a second of the window (exactly the window one time in five), or overlapping, either side.
        const gapMs = i % 5 === 0 ? limits.windowS * 1000 : i % 5 < 3 ? limits.windowS * 1000 + Math.round(between(-1000, 1000)) : -Math.round(between(0, 300_000));
        const length = Math.round(between(0, 600_000));
        const [bStarts, bEnds] = rng() < 0.5 ? [ends + gapMs, ends + gapMs + length] : [starts - gapMs - length, starts - gapMs];
        const a: Place = { category, latitude: lat, longitude: lon, starts, ends };
        const b: Place = { category, latitude: lat2, longitude: lon2, starts: bStarts, ends: bEnds };
        assert.deepEqual(await store.correlateOne(object(`a-${i}`, a), limits), []);
        const links = await store.correlateOne(object(`b-${i}`, b), limits);
        const near = grid.near(a, b);
        const what = `pair ${i}: ${metres.toFixed(3)} m at ${bearing.toFixed(0)}° from ${lat.toFixed(4)},${lon.toFixed(4)}, gap ${gapMs} ms`;
        assert.equal(links.length, near ? 1 : 0, `${what}: SQL ${links.length ? 'links' : 'does not link'}, JS says ${JSON.stringify(near)}`);
        if (near) {
          assert.equal(links[0]!.distanceM, Math.round(near.distanceM), what);
          assert.equal(links[0]!.secondsApart, Math.round(near.secondsApart), what);
          counts.linked++;
        } else counts.apart++;
      }
      assert.ok(counts.linked > 50 && counts.apart > 50, `both answers are tested: ${JSON.stringify(counts)}`);
    } finally {
      await db.close();
    }
  });
}
