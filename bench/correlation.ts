/**
 * bench/correlation — correlation across agencies at scale (issue #18):
 * 1. A read model holding N objects (indicators whose MAC addresses repeat, drone alerts dense around Madrid over the
 *    last day, spread over Spain otherwise), their values and places indexed as the correlator indexes them; then K new
 *    objects correlated one at a time, as the listener hands them over: p50/p99 per object (target p99 ≤ 20 ms).
 * 2. The same N objects in mad's read model on the embedded demo, twice in this run: correlation on, then off
 *    (config correlation.enabled). pn publishes M objects one by one; the time from publish to mad's listener handing
 *    the object to its subscribers (with correlation on: after its links are stored, so visible with correlations) is
 *    measured both ways; the ratio on/off (target ≤ 1.5).
 *   node bench/dist/correlation.js [--objects 100000] [--new 500] [--publishes 40]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Correlator, createLogger, DEFAULT_CORRELATION, migrate, openDatabase, placeOf, ProximityGrid, rowFromObject, ThreatStore, type Database, type ThreatRow } from '@popart/node';
import { startDemo } from '@popart/node/demo';
import { observablesOf, tlpMarkingRef, ALERT_EXTENSION_ID } from '@popart/schemas';
import { percentile, progress, reportHeader } from './bench-kit.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    new: { type: 'string', default: '500' },
    publishes: { type: 'string', default: '40' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run bench:correlation -- [--objects N] [--new K] [--publishes M]\n' +
    '  correlates K new objects against a read model of N (p50/p99 per object), then measures publish → visible at another\n' +
    '  agency with and without correlation on the embedded demo holding N objects (M publishes each), and prints the ratio\n');
  process.exit(0);
}
const N = Number(values.objects);
const K = Number(values.new);
const M = Number(values.publishes);
const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const GREEN = tlpMarkingRef('green');
const MADRID = { latitude: 40.4168, longitude: -3.7038 };
/** MAC addresses repeat: N/2 distinct ones, so a new indicator meets about two objects holding its address. */
const macOf = (i: number): string => `60:60:${[(i >> 16) & 255, (i >> 8) & 255, i & 255, 0x1f].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
let seed = 42;
const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

function indicator(mac: string, t: string, by = PN): Record<string, unknown> {
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t, modified: t, created_by_ref: by,
    name: 'Drone controller', indicator_types: ['anomalous-activity'], pattern_type: 'stix', valid_from: t, pattern: `[mac-addr:value = '${mac}']`,
    object_marking_refs: [GREEN] };
}

function droneAlert(latitude: number, longitude: number, t: string, by = PN): Record<string, unknown> {
  return { type: 'incident', spec_version: '2.1', id: `incident--${randomUUID()}`, created: t, modified: t, created_by_ref: by, name: 'Drone',
    object_marking_refs: [GREEN],
    extensions: { [ALERT_EXTENSION_ID]: { extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 80,
      area: { shape: 'circle', latitude, longitude, radius_m: 100 }, sensor_kind: 'remote-id', venue: 'Madrid',
      expires: new Date(Date.parse(t) + 3_600_000).toISOString(), guidance: 'Report.' } } };
}

/** Object i of the read model: even ones indicators, odd ones drone alerts (40 % within 10 km of Madrid in the last day). */
function objectAt(i: number, now: number): Record<string, unknown> {
  if (i % 2 === 0) return indicator(macOf(Math.floor(random() * (N / 2))), new Date(now - random() * 30 * 86_400_000).toISOString());
  const near = random() < 0.4;
  const lat = near ? MADRID.latitude + (random() - 0.5) * 0.18 : 36 + random() * 7.5;
  const lon = near ? MADRID.longitude + (random() - 0.5) * 0.24 : -9 + random() * 12;
  return droneAlert(lat, lon, new Date(now - random() * (near ? 86_400_000 : 30 * 86_400_000)).toISOString());
}

function newObject(now: number, by: string): Record<string, unknown> {
  return random() < 0.5
    ? indicator(macOf(Math.floor(random() * (N / 2))), new Date(now).toISOString(), by)
    : droneAlert(MADRID.latitude + (random() - 0.5) * 0.18, MADRID.longitude + (random() - 0.5) * 0.24, new Date(now).toISOString(), by);
}

const rowOf = (o: Record<string, unknown>, block: number, msp = 'PnMSP'): ThreatRow =>
  rowFromObject(o as never, { publisherMsp: msp, txId: randomUUID(), blockNumber: block, signatureVerified: true });

/** Stores N objects in the read model and their values and places in the correlation index (bulk, as the correlator would). */
async function preload(db: Database, store: { storeRows(rows: readonly ThreatRow[]): Promise<void> }, label: string): Promise<void> {
  const grid = new ProximityGrid(DEFAULT_CORRELATION);
  const now = Date.now();
  const CHUNK = 5000;
  for (let i = 0; i < N; i += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, N - i) }, (_, j) => rowOf(objectAt(i + j, now), 1));
    await store.storeRows(rows);
    const v: [string[], string[], string[], string[]] = [[], [], [], []];
    const p: [string[], string[], string[], number[], number[], string[], string[]] = [[], [], [], [], [], [], []];
    for (const r of rows) {
      for (const o of observablesOf(r.stix)) { v[0].push(o.kind); v[1].push(o.value); v[2].push(r.id); v[3].push(r.publisherMsp); }
      const place = placeOf(r);
      if (place) {
        for (const cell of grid.keysOf(place)) {
          p[0].push(cell); p[1].push(r.id); p[2].push(place.category); p[3].push(place.latitude); p[4].push(place.longitude);
          p[5].push(new Date(place.starts).toISOString()); p[6].push(new Date(place.ends).toISOString());
        }
      }
    }
    await db.query(`INSERT INTO correlation_observables (kind, value, object_id, publisher_msp)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`, v);
    await db.query(`INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
      SELECT c, o, k, la, lo, s, e, 'PnMSP' FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::timestamptz[], $7::timestamptz[]) AS x(c, o, k, la, lo, s, e)
      ON CONFLICT DO NOTHING`, p);
    progress(label, Math.min(N, i + CHUNK), N);
  }
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;
const lines: string[] = [reportHeader('correlation', `${N} objects in the read model, ${K} correlated, ${M} publishes each way`)];

// 1. Correlating a new object against N.
{
  const dir = mkdtempSync(join(tmpdir(), 'popart-bench-correlation-'));
  const db = await openDatabase({ kind: 'pglite', dir });
  try {
    await migrate(db);
    await preload(db, new ThreatStore(db), 'read model');
    const correlator = new Correlator(db, createLogger('bench', 'silent'));
    const times: number[] = [];
    let links = 0;
    for (let i = 0; i < K; i++) {
      const row = rowOf(newObject(Date.now(), 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03'), 2 + i, 'MadMSP');
      const t0 = performance.now();
      links += (await correlator.correlate([row], 2 + i)).length;
      times.push(performance.now() - t0);
      progress('correlate', i + 1, K);
    }
    times.sort((a, b) => a - b);
    lines.push(`correlating a new object against ${N}: p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))} (target ≤ 20 ms), ${(links / K).toFixed(2)} links per object`);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// 2. Publish → visible at another agency, with and without correlation, in this run.
const latencies: Record<'on' | 'off', number[]> = { on: [], off: [] };
let linked = 0;
for (const mode of ['on', 'off'] as const) {
  const dir = mkdtempSync(join(tmpdir(), `popart-bench-correlation-${mode}-`));
  const cluster = await startDemo({ dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'silent', fsync: false, correlation: { enabled: mode === 'on' } });
  try {
    const mad = cluster.nodes.mad;
    await preload(mad.database, mad.store, `mad's read model (correlation ${mode})`);
    const viewer = { username: 'pn-analyst', displayName: 'pn-analyst', role: 'analyst' as const, agency: cluster.nodes.pn.agency };
    for (let i = 0; i < M; i++) {
      const obj = newObject(Date.now(), cluster.nodes.pn.agency.identityId);
      const seen = new Promise<number>((resolve) => {
        const off = mad.listener.onRows((rows) => {
          if (rows.some((r) => r.id === obj.id)) {
            off();
            resolve(performance.now());
          }
        });
      });
      const t0 = performance.now();
      await cluster.nodes.pn.services.publisher.publish(viewer, { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [obj] }, { waitVisible: false });
      latencies[mode].push((await seen) - t0);
      if (mode === 'on') {
        const { rows } = await mad.database.query<{ n: number }>('SELECT count(*)::int AS n FROM correlation_links WHERE a_id = $1 OR b_id = $1', [obj.id]);
        if ((rows[0]?.n ?? 0) > 0) linked++;
      }
      progress(`publish → visible at mad (correlation ${mode})`, i + 1, M);
    }
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
const on = latencies.on.sort((a, b) => a - b);
const off = latencies.off.sort((a, b) => a - b);
lines.push(`publish → visible at mad, correlation on:  p50 ${ms(percentile(on, 50))}, p99 ${ms(percentile(on, 99))} (${linked}/${M} objects linked on arrival)`);
lines.push(`publish → visible at mad, correlation off: p50 ${ms(percentile(off, 50))}, p99 ${ms(percentile(off, 99))}`);
lines.push(`ratio on/off: p50 ${(percentile(on, 50) / percentile(off, 50)).toFixed(2)}×, p99 ${(percentile(on, 99) / percentile(off, 99)).toFixed(2)}× (target ≤ 1.5×)`);
process.stdout.write(`${lines.join('\n')}\n`);
