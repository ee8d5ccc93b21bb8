import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ALERT_EXTENSION_ID, tlpMarkingRef } from '@popart/schemas';
import { openDatabase, type Database, type Sql } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { createLogger } from '../../log.js';
import { databaseBackends } from '../../../test/support.js';
import { rowFromObject, type ThreatRow } from '../threat/threat-row.js';
import { ThreatStore } from '../threat/threat-store.js';
import { Correlator } from './correlator.js';

const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const MAD = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03';
const T = Date.parse('2026-06-01T20:00:00.000Z');
let block = 0;

function row(obj: Record<string, unknown>, msp: string): ThreatRow {
  return rowFromObject(obj as never, { publisherMsp: msp, txId: randomUUID(), blockNumber: ++block, signatureVerified: true });
}

function indicator(by: string, pattern: string): Record<string, unknown> {
  const t = new Date(T).toISOString();
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t, modified: t, created_by_ref: by,
    pattern, pattern_type: 'stix', valid_from: t, object_marking_refs: [tlpMarkingRef('green')] };
}

/** A drone alert `north` metres north of the Bernabéu, `minutes` after T. */
function alert(by: string, north: number, minutes: number, category = 'drone', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = new Date(T + minutes * 60_000).toISOString();
  return {
    type: 'incident', spec_version: '2.1', id: `incident--${randomUUID()}`, created: t, modified: t, created_by_ref: by, name: 'drone',
    object_marking_refs: [tlpMarkingRef('green')], ...extra,
    extensions: { [ALERT_EXTENSION_ID]: {
      extension_type: 'property-extension', category, severity: 'high', detection_confidence: 80,
      area: { shape: 'circle', latitude: 40.45306 + north / 111_195, longitude: -3.68835, radius_m: 50 }, sensor_kind: 'camera',
      venue: 'Bernabéu', expires: new Date(T + 86_400_000).toISOString(), guidance: 'Report.',
    } },
  };
}

async function correlator(): Promise<{ c: Correlator; store: ThreatStore }> {
  const db = await openDatabase({ kind: 'pglite', dir: null });
  await migrate(db);
  return { c: new Correlator(db, createLogger('test', 'silent'), { distanceM: 1000, windowS: 900, maxLinksPerValue: 100, maxNearby: 200, maxProximityLinks: 20 }), store: new ThreatStore(db) };
}

test('objects of two agencies sharing a value are linked once, saying which value; the same block again finds nothing new', async () => {
  const { c } = await correlator();
  const a = row(indicator(PN, "[mac-addr:value = '60:60:1F:A3:5C:21']"), 'PnMSP');
  const b = row(indicator(MAD, "[mac-addr:value = '60:60:1f:a3:5c:21'] OR [ipv4-addr:value = '198.51.100.7']"), 'MadMSP');
  const unrelated = row(indicator(MAD, "[ipv4-addr:value = '203.0.113.9']"), 'MadMSP');
  assert.deepEqual(await c.correlate([a], 1), []);
  const links = await c.correlate([b, unrelated], 2);
  assert.equal(links.length, 1);
  const [l] = links;
  assert.deepEqual([l?.kind, l?.valueKind, l?.value, l?.crossAgency, l?.source], ['observable', 'mac-addr', '60:60:1f:a3:5c:21', true, 'pattern']);
  assert.deepEqual(new Set([l?.aId, l?.bId]), new Set([a.id, b.id]));
  assert.deepEqual(await c.correlate([b], 3), [], 'a link found again is not new');
  const exercise = row({ ...indicator(MAD, "[mac-addr:value = '60:60:1f:a3:5c:21']"), x_popart_exercise: 'drill-1', labels: ['exercise'] }, 'MadMSP');
  assert.deepEqual(await c.correlate([exercise], 4), [], 'an exercise object is never linked to real data');
  assert.equal((await c.store.linksOf([a.id])).length, 1);
  assert.equal((await c.store.linksOf([unrelated.id])).length, 0);
});

test('a new alert in a crowd is linked to its nearest alerts only (maxProximityLinks), nearest by distance then by time apart', async () => {
  const db = await openDatabase({ kind: 'pglite', dir: null });
  await migrate(db);
  const c = new Correlator(db, createLogger('test', 'silent'), { distanceM: 1000, windowS: 900, maxLinksPerValue: 100, maxNearby: 200, maxProximityLinks: 3 });
  // Eight alerts 100 m to 800 m north of the stadium, one of them (300 m) twice: at the same minute and 10 minutes later.
  const crowd = [100, 200, 300, 400, 500, 600, 700, 800].map((m) => row(alert(PN, m, 0), 'PnMSP'));
  const later300 = row(alert(PN, 300, 10), 'PnMSP');
  for (const [i, r] of [...crowd, later300].entries()) await c.correlate([r], i + 1);
  const mine = row(alert(MAD, 0, 0), 'MadMSP');
  const links = await c.correlate([mine], 20);
  const names = new Map([...crowd.map((r, i) => [r.id, `${(i + 1) * 100} m`] as const), [later300.id, '300 m, 10 min later']]);
  assert.deepEqual(links.map((l) => names.get(l.aId === mine.id ? l.bId : l.aId)).sort(), ['100 m', '200 m', '300 m']);
  assert.deepEqual(links.map((l) => l.distanceM).sort((a, b) => (a ?? 0) - (b ?? 0)), [100, 200, 300]);
  // In a block the same rule holds per object: the block's own earlier alert counts as a neighbour.
  const pair = [row(alert(MAD, -50, 0), 'MadMSP'), row(alert(MAD, -60, 0), 'MadMSP')];
  const blockLinks = await c.correlate(pair, 21);
  const ofSecond = blockLinks.filter((l) => l.aId === pair[1]!.id || l.bId === pair[1]!.id);
  assert.deepEqual(ofSecond.map((l) => l.distanceM).sort((a, b) => (a ?? 0) - (b ?? 0)), [10, 60, 160], JSON.stringify(ofSecond));
  await db.close();
});

test('alerts of the same category within the distance and window are linked with how far and how long apart; others are not', async () => {
  const { c } = await correlator();
  const first = row(alert(PN, 0, 0), 'PnMSP');
  await c.correlate([first], 1);
  const near = row(alert(MAD, 400, 5), 'MadMSP');
  const far = row(alert(MAD, 1500, 5), 'MadMSP');
  const late = row(alert(MAD, 100, 40), 'MadMSP');
  const other = row(alert(MAD, 100, 1, 'gunshot'), 'MadMSP');
  const links = await c.correlate([near, far, late, other], 2);
  assert.equal(links.length, 1, JSON.stringify(links));
  const [l] = links;
  assert.equal(l?.kind, 'proximity');
  assert.equal(l?.valueKind, 'drone');
  assert.ok(Math.abs((l?.distanceM ?? 0) - 400) <= 2, `distance ${l?.distanceM}`);
  assert.equal(l?.secondsApart, 300);
  assert.deepEqual(new Set([l?.aId, l?.bId]), new Set([first.id, near.id]));
});

test('a Remote ID serial links a receiver\'s indicator and another agency\'s alert; revoking the alert removes its links', async () => {
  const { c } = await correlator();
  const ind = { ...indicator(MAD, "[mac-addr:value = '60:60:1f:00:00:09']"), external_references: [{ source_name: 'remote-id', external_id: '1596F3C4B5A6' }] };
  const a = alert(PN, 0, 0, 'drone', { x_popart_remote_id: { uas_id: '1596f3c4b5a6' } });
  await c.correlate([row(ind, 'MadMSP')], 1);
  const links = await c.correlate([row(a, 'PnMSP')], 2);
  assert.deepEqual(links.map((l) => [l.valueKind, l.value]), [['remote-id', '1596F3C4B5A6']]);
  await c.correlate([row({ ...a, modified: new Date(T + 60_000).toISOString(), revoked: true }, 'PnMSP')], 3);
  assert.deepEqual(await c.store.linksOf([a.id as string]), []);
});

test('a later version of an alert, correlated in a block with a new one, keeps one row per link, with its new distance', async () => {
  const { c } = await correlator();
  const held = alert(PN, 0, 0);
  const moved = alert(MAD, 100, 0);
  assert.equal((await c.correlate([row(held, 'PnMSP'), row(moved, 'MadMSP')], 1)).length, 1);
  // The drone moved 300 m north five minutes later: the same alert's next version, beside a new alert 50 m north.
  const later = { ...alert(MAD, 300, 5), id: moved.id, created: moved.created };
  const fresh = alert(PN, 50, 5);
  const found = await c.correlate([row(later, 'MadMSP'), row(fresh, 'PnMSP')], 2);
  assert.equal(found.length, 2, 'new: the new alert with each of the two');
  const links = await c.store.linksOf([moved.id as string]);
  assert.equal(links.length, 2, JSON.stringify(links));
  const kept = links.find((l) => [l.aId, l.bId].includes(held.id as string));
  assert.ok(kept && Math.abs((kept.distanceM ?? 0) - 300) <= 2, `the link of the earlier version has the new distance: ${kept?.distanceM}`);
});

test('catching up correlates what the read model holds beyond the correlation checkpoint', async () => {
  const { c, store } = await correlator();
  const a = row(indicator(PN, "[domain-name:value = 'drone-control.example']"), 'PnMSP');
  const b = row(indicator(MAD, "[domain-name:value = 'DRONE-CONTROL.example']"), 'MadMSP');
  await store.applyBlock(a.blockNumber, [a]);
  await store.applyBlock(b.blockNumber, [b]);
  assert.equal(await c.catchUp(b.blockNumber), 2);
  assert.deepEqual((await c.store.linksOf([a.id])).map((l) => l.value), ['drone-control.example']);
  assert.equal(await c.store.checkpoint(), b.blockNumber);
  assert.equal(await c.catchUp(b.blockNumber), 0, 'nothing to do twice');
});

test('following the listener: blocks are taken at once, correlated in order (those that piled up together), and a reader waiting for a block sees its links', async () => {
  const { c } = await correlator();
  const batches: { ids: string[]; links: number; upTo: number }[] = [];
  c.onCorrelated((b) => batches.push({ ids: b.rows.map((r) => r.id), links: b.links.length, upTo: b.upTo }));
  const mac = "[mac-addr:value = '60:60:1f:00:00:42']";
  const rows = [row(indicator(PN, mac), 'PnMSP'), row(indicator(MAD, mac), 'MadMSP'), row(indicator(MAD, mac), 'MadMSP')];
  for (const r of rows) await c.follow([r], r.blockNumber);
  assert.equal((await c.store.linksOf([rows[0]?.id as string])).length, 0, 'follow returns before correlating');
  await c.settled(rows[2]?.blockNumber as number);
  assert.equal((await c.store.linksOf([rows[2]?.id as string])).length, 2, 'the last block is correlated once settled');
  assert.deepEqual(batches.flatMap((b) => b.ids), rows.map((r) => r.id), 'every object once, in order');
  assert.equal(batches.length, 2, 'the first block alone, the two that waited meanwhile together');
  assert.deepEqual(batches.map((b) => b.links), [0, 3]);
  assert.equal(batches.at(-1)?.upTo, rows[2]?.blockNumber);
  await c.close();
  await c.follow([row(indicator(MAD, mac), 'MadMSP')], 99);
  assert.equal(batches.length, 2, 'nothing is taken once closed');
});

/** The links stored, as comparable strings (pair, kind, value, how far and how long apart). */
async function stored(db: Database): Promise<string[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT a_id, b_id, kind, value_kind, value, distance_m, seconds_apart, cross_agency FROM correlation_links');
  return rows.map((r) => Object.values(r).join(' ')).sort();
}

for (const backend of databaseBackends('correlator')) {
  describe(`correlating a block in one statement, on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    test('the block stores the same links as its objects correlated one at a time, limits included', async () => {
      // Seeded objects: indicators over a few MAC addresses, drone alerts scattered within 3 km and 30 minutes, of two agencies.
      let seed = 7;
      const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
      const objects = Array.from({ length: 160 }, (_, i) => {
        const [by, msp] = rnd() < 0.5 ? [PN, 'PnMSP'] : [MAD, 'MadMSP'];
        const o = i % 2 === 0
          ? indicator(by, `[mac-addr:value = '60:60:1f:00:00:${String(Math.floor(rnd() * 6)).padStart(2, '0')}']`)
          : alert(by, rnd() * 3000, rnd() * 30, rnd() < 0.8 ? 'drone' : 'loitering');
        return { o, msp };
      });
      const limits = { distanceM: 1000, windowS: 900, maxLinksPerValue: 100, maxNearby: 200, maxProximityLinks: 20 };
      const open = async (options = limits): Promise<{ c: Correlator; db: Database }> => {
        const db = await backend.open();
        await migrate(db);
        return { c: new Correlator(db, createLogger('test', 'silent'), options), db };
      };
      const one = await open();
      const blocks = await open();
      for (const [i, x] of objects.entries()) await one.c.correlate([row(x.o, x.msp)], i);
      // The first 40 alone (nothing held before), then blocks of 40 against what the earlier blocks stored.
      for (let i = 0; i < objects.length; i += 40) await blocks.c.correlate(objects.slice(i, i + 40).map((x) => row(x.o, x.msp)), i);
      const expected = await stored(one.db);
      assert.ok(expected.length > 100, `the data make links of both kinds (${expected.length})`);
      assert.ok(expected.some((l) => l.includes(' proximity ')) && expected.some((l) => l.includes(' observable ')));
      assert.deepEqual(await stored(blocks.db), expected);
      // The same blocks again (a restart correlating what lies after its checkpoint): a link found again keeps its one
      // row (the links have no unique index: storeLinksSql looks each up); the new ones are those that later objects make
      // among an object's nearest, and are reported as new.
      const again: string[] = [];
      for (let i = 0; i < objects.length; i += 40) {
        const found = await blocks.c.correlate(objects.slice(i, i + 40).map((x) => row(x.o, x.msp)), i);
        again.push(...found.map((l) => `${l.aId} ${l.bId} ${l.kind} ${l.valueKind} ${l.value}`));
      }
      const after = await stored(blocks.db);
      const key = (l: string): string => l.split(' ').slice(0, 5).join(' ');
      assert.equal(new Set(after.map(key)).size, after.length, 'no link stored twice');
      assert.deepEqual(after.filter((l) => expected.includes(l)), expected, 'every link is kept, with its distance and time');
      assert.deepEqual(after.filter((l) => !expected.includes(l)).map(key).sort(), again.sort(), 'the links added are those reported new');

      // With at most 3 proximity links per new alert, block and one by one still agree, and keep fewer links.
      const fewOne = await open({ ...limits, maxProximityLinks: 3 });
      const fewBlocks = await open({ ...limits, maxProximityLinks: 3 });
      for (const [i, x] of objects.entries()) await fewOne.c.correlate([row(x.o, x.msp)], i);
      for (let i = 0; i < objects.length; i += 40) await fewBlocks.c.correlate(objects.slice(i, i + 40).map((x) => row(x.o, x.msp)), i);
      const few = await stored(fewOne.db);
      const proximity = (ls: string[]): number => ls.filter((l) => l.includes(' proximity ')).length;
      assert.ok(proximity(few) < proximity(expected) && proximity(few) > 0, `${proximity(few)} proximity links with 3 per alert, ${proximity(expected)} with 20`);
      assert.deepEqual(await stored(fewBlocks.db), few);

      // A value shared by 12 objects of one block, at most 3 links per value: each object links to at most 3 before it.
      const { c: limited, db: limitedDb } = await open({ ...limits, maxLinksPerValue: 3 });
      const same = Array.from({ length: 12 }, () => row(indicator(PN, "[ipv4-addr:value = '198.51.100.77']"), 'PnMSP'));
      assert.equal((await limited.correlate(same, 1)).length, 0 + 1 + 2 + 3 * 9);
      for (const db of [one.db, blocks.db, fewOne.db, fewBlocks.db, limitedDb]) await db.close();
    });
  });
}

test('when the block\'s statement fails, its objects are correlated one by one, and one the database refuses leaves only itself uncorrelated', async () => {
  const db = await openDatabase({ kind: 'pglite', dir: null });
  await migrate(db);
  const bad = `indicator--${randomUUID()}`;
  // The database refuses the batch statement, and any statement about `bad` (a fault injected in front of the real one),
  // also with settings or inside a transaction.
  const refuse = (sql: Sql) => (text: string, params?: unknown[]) => {
    if (text.includes('WITH ORDINALITY') || params?.[0] === bad) return Promise.reject(new Error('refused by the test'));
    return sql.query(text, params);
  };
  const refusing: Database = new Proxy(db, {
    get(target, key, receiver) {
      if (key === 'query') return refuse(target);
      if (key === 'queryWith') {
        return (settings: readonly string[], text: string, params?: unknown[]) => refuse({ query: (t: string, p?: unknown[]) => target.queryWith(settings, t, p) } as Sql)(text, params);
      }
      if (key === 'transaction') return <T>(fn: (tx: Sql) => Promise<T>) => target.transaction((tx) => fn({ query: refuse(tx) } as Sql));
      return Reflect.get(target, key, receiver);
    },
  });
  const logged: string[] = [];
  const c = new Correlator(refusing, createLogger('test', 'warn', (line) => logged.push(line)));
  const mac = "[mac-addr:value = '60:60:1f:00:00:77']";
  const rows = [row(indicator(PN, mac), 'PnMSP'), row({ ...indicator(MAD, mac), id: bad }, 'MadMSP'), row(indicator(MAD, mac), 'MadMSP')];
  const links = await c.correlate(rows, 1);
  assert.deepEqual(links.map((l) => new Set([l.aId, l.bId])), [new Set([rows[0]?.id, rows[2]?.id])], 'the two good objects are linked');
  assert.equal(logged.length, 2, logged.join('\n'));
  assert.match(logged[0] ?? '', /WARN +\[test\] correlating the batch in one statement failed/);
  assert.match(logged[1] ?? '', new RegExp(`ERROR +\\[test\\] correlation failed.*${bad}`));
});
