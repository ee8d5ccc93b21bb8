/**
 * bench/correlation — correlation across agencies at scale (issue #18):
 * 1. A read model holding N objects (indicators whose MAC addresses repeat, drone alerts dense around Madrid over the
 *    day before the bench's clock, spread over Spain otherwise), their values and places indexed as the correlator
 *    indexes them (loaded by the bench's loader, correlation-load.ts); then K new objects correlated one at a time as
 *    the listener's queue hands them over: p50/p99 per object (target p99 ≤ 20 ms). Then B blocks of 40 new objects
 *    correlated in one statement per block, alternated with B blocks correlated one statement per object: time per
 *    block and the ratio (the batch statement's gain, on the same read model in the same run).
 * 2. The embedded demo three times in this process, mad's read model holding the same N objects (a copy of part 1's):
 *    correlation at every agency, at mad only, nowhere (config correlation.enabled). pn publishes M objects on each,
 *    in turn. Measured at mad: publish → object visible (the listener hands the object to its subscribers) and, with
 *    correlation, publish → links visible (the object's block is correlated: its links are stored and pushed on the
 *    `correlations` subscription, and a read of them answers with them). The ratio of the target (≤ 1.5) is links
 *    visible with correlation / object visible without.
 * New objects are stamped on the bench's clock (the time the loaded data ends, 100 ms apart), not the wall clock, so
 * that a long load does not move them away from the loaded alerts' time window.
 *   node bench/dist/correlation.js [--objects 100000] [--new 500] [--blocks 50] [--publishes 40]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Correlator, createLogger, migrate, openDatabase, rowFromObject, ThreatStore, type ThreatRow } from '@popart/node';
import { startDemo, type DemoCluster } from '@popart/node/demo';
import { synth } from '@popart/detection/audio-eval';
import { tlpMarkingRef, ALERT_EXTENSION_ID } from '@popart/schemas';
import { benchArgs, percentile, progress, reportHeader } from './bench-kit.js';
import { loadReadModel } from './correlation-load.js';
import { demoIdentityId } from './demo-ids.js';

const USAGE = 'Usage: npm run bench:correlation -- [--objects N] [--new K] [--blocks B] [--publishes M]\n' +
  '  correlates K new objects against a read model of N (p50/p99 per object), then B blocks of 40 in one statement each\n' +
  '  against B blocks one statement per object (alternated), then measures publish → visible at another\n' +
  '  agency (object, and links) with correlation at every agency, at mad only, and off, on three embedded demos holding N\n' +
  '  objects (M publishes each)\n';
const { number } = benchArgs(USAGE, { objects: { type: 'string', default: '100000' }, new: { type: 'string', default: '500' }, publishes: { type: 'string', default: '40' },
  blocks: { type: 'string', default: '50' } });
const N = number('objects');
const K = number('new');
const M = number('publishes');
const BLOCKS = number('blocks');
const PN = demoIdentityId('pn');
const MAD = demoIdentityId('mad');
const GREEN = tlpMarkingRef('green');
const MADRID = { latitude: 40.4168, longitude: -3.7038 };
/** The bench's clock: the loaded objects end here; new objects are stamped 100 ms apart after it (never after now). */
const ANCHOR = Date.now();
let stamped = 0;
const nextStamp = (): string => new Date(Math.min(Date.now(), ANCHOR + ++stamped * 100)).toISOString();
/** MAC addresses repeat: N/2 distinct ones, so a new indicator meets about one object holding its address. */
const macOf = (i: number): string => `60:60:${[(i >> 16) & 255, (i >> 8) & 255, i & 255, 0x1f].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
/** Seeded (detection's mulberry32): the same data on every run. */
const random = synth.mulberry32(42);

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
/** Part 2's demos: correlation at every agency (as `npm start` runs), at mad only (the other agencies' correlation,
 * which in a deployment runs on their own machines, kept off this process's one thread), nowhere (the baseline). */
const MODES = ['all', 'mad', 'off'] as const;
type Mode = (typeof MODES)[number];
const ms = (v: number): string => `${v.toFixed(2)} ms`;
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' / ');
const lines: string[] = [reportHeader('correlation', `${N} objects in the read model, ${K} correlated, ${M} publishes each way`)];
lines.push(`load average at start (1 / 5 / 15 min): ${load()}`);
// Twelve nodes in this process, each listening for SIGINT/SIGTERM.
process.setMaxListeners(40);
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
  for (const mode of MODES) cpSync(template, join(work, mode, 'mad', 'read-model'), { recursive: true });

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

      // 1b. Blocks of 40 new objects (what a loaded node's listener hands over): the block in one statement (what the
      // correlator does) against its objects one statement each (the baseline, and the correlator's fallback),
      // alternated block by block on the same read model.
      const perBlock: Record<'block' | 'object', number[]> = { block: [], object: [] };
      const linksOf: Record<'block' | 'object', number> = { block: 0, object: 0 };
      for (let b = 0; b < 2 * BLOCKS; b++) {
        const way = b % 2 === 0 ? 'block' : 'object';
        const rows = Array.from({ length: 40 }, () => rowOf(newObject(MAD), 2 + K + b, 'MadMSP'));
        const t0 = performance.now();
        if (way === 'block') linksOf.block += (await correlator.correlate(rows, null)).length;
        else for (const row of rows) linksOf.object += (await correlator.correlate([row], null)).length;
        perBlock[way].push(performance.now() - t0);
        progress('blocks of 40', b + 1, 2 * BLOCKS);
      }
      for (const t of Object.values(perBlock)) t.sort((a, b) => a - b);
      lines.push(`correlating blocks of 40 new objects (${BLOCKS} each way, alternated): one statement per block p50 ${ms(percentile(perBlock.block, 50))}, ` +
        `p99 ${ms(percentile(perBlock.block, 99))} (${(linksOf.block / BLOCKS / 40).toFixed(2)} links per object); one per object p50 ` +
        `${ms(percentile(perBlock.object, 50))}, p99 ${ms(percentile(perBlock.object, 99))} (${(linksOf.object / BLOCKS / 40).toFixed(2)} links per object); ` +
        `ratio p50 ${(percentile(perBlock.block, 50) / percentile(perBlock.object, 50)).toFixed(2)}; load ${load()}`);
    } finally {
      await db.close();
    }
  }

  // 2. Publish → visible at another agency: correlation at every agency, at mad only, nowhere; the three alternately.
  const demo = (mode: Mode, correlationOf: Partial<Record<'pn' | 'pj' | 'mad' | 'crm', unknown>>): Promise<DemoCluster> =>
    startDemo({ dataDir: join(work, mode), passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'silent', fsync: false, correlationOf });
  const clusters: Record<Mode, DemoCluster> = {
    all: await demo('all', {}),
    mad: await demo('mad', { pn: { enabled: false }, pj: { enabled: false }, crm: { enabled: false } }),
    off: await demo('off', { pn: { enabled: false }, pj: { enabled: false }, mad: { enabled: false }, crm: { enabled: false } }),
  };
  try {
    const { rows } = await clusters.off.nodes.mad.database.query<{ objects: number; places: number; values: number }>(
      `SELECT (SELECT count(*)::int FROM threat_objects) AS objects, (SELECT count(*)::int FROM correlation_places) AS places,
         (SELECT count(*)::int FROM correlation_observables) AS values`);
    lines.push(`mad's read model: ${rows[0]?.objects} objects, ${rows[0]?.values} values and ${rows[0]?.places} places indexed`);
    const object: Record<Mode, number[]> = { all: [], mad: [], off: [] };
    const links: Record<Mode, number[]> = { all: [], mad: [], off: [] };
    const linked: Record<Mode, number> = { all: 0, mad: 0, off: 0 };
    for (let i = 0; i < MODES.length * M; i++) {
      const mode = MODES[i % MODES.length] as Mode;
      const cluster = clusters[mode];
      const mad = cluster.nodes.mad;
      const correlator = mad.correlator!;
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
        links[mode].push(c.at - t0);
        if (c.links > 0) linked[mode]++;
      }
      progress('publish → visible at mad (correlation at every agency / at mad only / off, in turn)', i + 1, MODES.length * M);
    }
    const p = (v: number[], q: number): number => percentile([...v].sort((a, b) => a - b), q);
    const both = (v: number[]): string => `p50 ${ms(p(v, 50))}, p99 ${ms(p(v, 99))}`;
    const ratio = (a: number[], b: number[]): string => `p50 ${(p(a, 50) / p(b, 50)).toFixed(2)}×, p99 ${(p(a, 99) / p(b, 99)).toFixed(2)}×`;
    lines.push(`publish → object visible at mad, correlation off: ${both(object.off)}`);
    for (const mode of ['mad', 'all'] as const) {
      const what = mode === 'mad' ? 'at mad only' : 'at every agency';
      lines.push(`publish → object visible at mad, correlation ${what}: ${both(object[mode])}`);
      lines.push(`publish → links visible at mad,  correlation ${what}: ${both(links[mode])} (${linked[mode]}/${M} objects linked on arrival)`);
      lines.push(`  ratio links visible / object visible without correlation: ${ratio(links[mode], object.off)} (target ≤ 1.5×); object visible: ${ratio(object[mode], object.off)}`);
    }
    lines.push(`load average at the end: ${load()}`);
  } finally {
    for (const c of Object.values(clusters)) await c.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);
