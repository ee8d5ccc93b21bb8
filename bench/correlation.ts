/**
 * bench/correlation — correlation across agencies at scale (issue #18):
 * 1. A read model holding N objects (indicators whose MAC addresses repeat, drone alerts dense around Madrid over the
 *    day before the bench's clock, spread over Spain otherwise), their values and places indexed as the correlator
 *    indexes them (loaded by the bench's loader, correlation-load.ts); then K new objects correlated one at a time as
 *    the listener's queue hands them over: p50/p99 per object (target p99 ≤ 20 ms).
 * 2. The embedded demo twice in this process, mad's read model holding the same N objects (a copy of part 1's), one
 *    cluster with correlation on, one with it off (config correlation.enabled). pn publishes M objects on each,
 *    alternately. Measured at mad: publish → object visible (the listener hands the object to its subscribers) and,
 *    with correlation on, publish → links visible (the object's block is correlated: its links are stored and pushed
 *    on the `correlations` subscription, and a read of them answers with them). The ratio of the target (≤ 1.5) is
 *    links visible with correlation / object visible without.
 * New objects are stamped on the bench's clock (the time the loaded data ends, one second apart), not the wall clock, so
 * that a long load does not move them away from the loaded alerts' time window.
 *   node bench/dist/correlation.js [--objects 100000] [--new 500] [--publishes 40]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Correlator, createLogger, migrate, openDatabase, rowFromObject, ThreatStore, type ThreatRow } from '@popart/node';
import { startDemo, type DemoCluster } from '@popart/node/demo';
import { tlpMarkingRef, ALERT_EXTENSION_ID } from '@popart/schemas';
import { benchArgs, percentile, progress, reportHeader } from './bench-kit.js';
import { loadReadModel } from './correlation-load.js';
import { demoIdentityId } from './demo-ids.js';

const USAGE = 'Usage: npm run bench:correlation -- [--objects N] [--new K] [--publishes M]\n' +
  '  correlates K new objects against a read model of N (p50/p99 per object), then measures publish → visible at another\n' +
  '  agency (object, and links) with and without correlation on two embedded demos holding N objects (M publishes each)\n';
const { number } = benchArgs(USAGE, { objects: { type: 'string', default: '100000' }, new: { type: 'string', default: '500' }, publishes: { type: 'string', default: '40' } });
const N = number('objects');
const K = number('new');
const M = number('publishes');
const PN = demoIdentityId('pn');
const MAD = demoIdentityId('mad');
const GREEN = tlpMarkingRef('green');
const MADRID = { latitude: 40.4168, longitude: -3.7038 };
/** The bench's clock: the loaded objects end here; new objects are stamped one second apart after it. */
const ANCHOR = Date.now();
let stamped = 0;
const nextStamp = (): string => new Date(ANCHOR + ++stamped * 1000).toISOString();
/** MAC addresses repeat: N/2 distinct ones, so a new indicator meets about one object holding its address. */
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
      expires: new Date(Date.parse(t) + 6 * 3_600_000).toISOString(), guidance: 'Report.' } } };
}

/** Object i of the read model: even ones indicators, odd ones drone alerts (40 % within 10 km of Madrid in the last day). */
function objectAt(i: number): Record<string, unknown> {
  if (i % 2 === 0) return indicator(macOf(Math.floor(random() * (N / 2))), new Date(ANCHOR - random() * 30 * 86_400_000).toISOString());
  const near = random() < 0.4;
  const lat = near ? MADRID.latitude + (random() - 0.5) * 0.18 : 36 + random() * 7.5;
  const lon = near ? MADRID.longitude + (random() - 0.5) * 0.24 : -9 + random() * 12;
  return droneAlert(lat, lon, new Date(ANCHOR - random() * (near ? 86_400_000 : 30 * 86_400_000)).toISOString());
}

function newObject(by: string): Record<string, unknown> {
  return random() < 0.5
    ? indicator(macOf(Math.floor(random() * (N / 2))), nextStamp(), by)
    : droneAlert(MADRID.latitude + (random() - 0.5) * 0.18, MADRID.longitude + (random() - 0.5) * 0.24, nextStamp(), by);
}

const rowOf = (o: Record<string, unknown>, block: number, msp = 'PnMSP'): ThreatRow =>
  rowFromObject(o as never, { publisherMsp: msp, txId: randomUUID(), blockNumber: block, signatureVerified: true });
const ms = (v: number): string => `${v.toFixed(2)} ms`;
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' / ');
const lines: string[] = [reportHeader('correlation', `${N} objects in the read model, ${K} correlated, ${M} publishes each way`)];
lines.push(`load average at start (1 / 5 / 15 min): ${load()}`);
const work = mkdtempSync(join(tmpdir(), 'popart-bench-correlation-'));

try {
  // The read model, loaded once; part 2's demos get copies of it as mad's read model.
  const template = join(work, 'template');
  {
    const db = await openDatabase({ kind: 'pglite', dir: template });
    await migrate(db);
    const { loadMs, indexMs } = await loadReadModel(db, new ThreatStore(db), N, (i) => rowOf(objectAt(i), 1), 'read model');
    await db.close();
    lines.push(`bench's loader: ${N} objects in ${(loadMs / 1000).toFixed(1)} s, indexes rebuilt in ${(indexMs / 1000).toFixed(1)} s`);
  }
  for (const mode of ['on', 'off']) cpSync(template, join(work, mode, 'mad', 'read-model'), { recursive: true });

  // 1. Correlating a new object against N.
  {
    const db = await openDatabase({ kind: 'pglite', dir: template });
    try {
      const correlator = new Correlator(db, createLogger('bench', 'silent'));
      const times: number[] = [];
      let links = 0;
      for (let i = 0; i < K; i++) {
        const row = rowOf(newObject(MAD), 2 + i, 'MadMSP');
        const t0 = performance.now();
        links += (await correlator.correlate([row], 2 + i)).length;
        times.push(performance.now() - t0);
        progress('correlate', i + 1, K);
      }
      times.sort((a, b) => a - b);
      lines.push(`correlating a new object against ${N}: p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))} (target ≤ 20 ms), ` +
        `${(links / K).toFixed(2)} links per object; load ${load()}`);
    } finally {
      await db.close();
    }
  }

  // 2. Publish → visible at another agency, with and without correlation, alternately on two demos.
  const clusters: Record<'on' | 'off', DemoCluster> = {
    on: await startDemo({ dataDir: join(work, 'on'), passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'silent', fsync: false, correlation: { enabled: true } }),
    off: await startDemo({ dataDir: join(work, 'off'), passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'silent', fsync: false, correlation: { enabled: false } }),
  };
  try {
    const object: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const links: number[] = [];
    let linked = 0;
    for (let i = 0; i < 2 * M; i++) {
      const mode = i % 2 === 0 ? 'on' : 'off';
      const cluster = clusters[mode];
      const mad = cluster.nodes.mad;
      const correlator = mad.services.correlations.correlator;
      const obj = newObject(cluster.nodes.pn.agency.identityId);
      const viewer = { username: 'pn-analyst', displayName: 'pn-analyst', role: 'analyst' as const, agency: cluster.nodes.pn.agency };
      const seen = new Promise<number>((resolve) => {
        const off = mad.listener.onRows((rows) => {
          if (rows.some((r) => r.id === obj.id)) { off(); resolve(performance.now()); }
        });
      });
      const correlated = mode === 'off' ? null : new Promise<{ at: number; links: number }>((resolve) => {
        const off = correlator.onCorrelated((b) => {
          if (!b.rows.some((r) => r.id === obj.id)) return;
          off();
          resolve({ at: performance.now(), links: b.links.filter((l) => l.aId === obj.id || l.bId === obj.id).length });
        });
      });
      const t0 = performance.now();
      await cluster.nodes.pn.services.publisher.publish(viewer, { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [obj] }, { waitVisible: false });
      object[mode].push((await seen) - t0);
      if (correlated) {
        const c = await correlated;
        links.push(c.at - t0);
        if (c.links > 0) linked++;
      }
      progress('publish → visible at mad (correlation on / off, alternately)', i + 1, 2 * M);
    }
    const [onObject, offObject] = [object.on.sort((a, b) => a - b), object.off.sort((a, b) => a - b)];
    links.sort((a, b) => a - b);
    const p = (v: number[], q: number): number => percentile(v, q);
    lines.push(`publish → object visible at mad, correlation on:  p50 ${ms(p(onObject, 50))}, p99 ${ms(p(onObject, 99))}`);
    lines.push(`publish → links visible at mad, correlation on:   p50 ${ms(p(links, 50))}, p99 ${ms(p(links, 99))} (${linked}/${M} objects linked on arrival)`);
    lines.push(`publish → object visible at mad, correlation off: p50 ${ms(p(offObject, 50))}, p99 ${ms(p(offObject, 99))}`);
    lines.push(`ratio links visible (on) / object visible (off): p50 ${(p(links, 50) / p(offObject, 50)).toFixed(2)}×, ` +
      `p99 ${(p(links, 99) / p(offObject, 99)).toFixed(2)}× (target ≤ 1.5×); object visible on/off: p50 ${(p(onObject, 50) / p(offObject, 50)).toFixed(2)}×`);
    lines.push(`load average at the end: ${load()}`);
  } finally {
    await clusters.on.stop();
    await clusters.off.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);
