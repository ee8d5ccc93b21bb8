/**
 * The read model's indexed queries (query-indexes.ts) give what a plain scan of the rows gives: text search, area
 * search and keyset paging, on PGlite and on a real PostgreSQL server, checked against the same filter done in JS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StixObject } from '@popart/schemas';
import { databaseBackends, planNodes, type PlanNode } from '../../../test/support.js';
import type { Database } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { rowFromObject, searchText, type ThreatRow } from './threat-row.js';
import { ThreatStore, type Cursor } from './threat-store.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const WORDS = ['drone', 'Bernabéu', 'Estádio da Luz', 'bengala', 'pirotecnia', 'aglomeración', 'DJI Mavic', 'gate 7', '100%', 'under_score'];

/** A location near one of a few points, some exactly on the edges the area tests use. */
function location(n: number, lon: number, lat: number, modified: string): StixObject {
  return {
    type: 'location', spec_version: '2.1', id: `location--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    created: '2026-11-01T00:00:00.000Z', modified, latitude: lat, longitude: lon, object_marking_refs: [GREEN],
    name: `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} site ${n}`,
    description: n % 13 === 0 ? `rare word zanahoria ${n}` : 'seen by the stewards',
  };
}

function row(obj: StixObject, block = 1, bbox?: [number, number, number, number]): ThreatRow {
  return rowFromObject(obj, { publisherMsp: 'PnMSP', txId: `tx-${block}`, blockNumber: block, signatureVerified: true, ...(bbox ? { bbox } : {}) });
}

const POINTS: [number, number][] = [[-3.6883, 40.4531], [-9.1847, 38.7527], [2.1228, 41.3809], [-3.5, 40.6], [-3.8, 40.3], [-3.8000001, 40.3]];

/** Boxes around a point of every size, from a few metres to a region (row 1 of 5 has one instead of a point). */
const SPANS = [0.0001, 0.004, 0.02, 0.3, 3];

/**
 * 120 locations; a third of them share one modified time, so paging must break ties by id. One in five is stored with
 * an area around its point instead (as an alert's), of one of SPANS' sizes, some reaching farther east than west.
 */
function dataset(): ThreatRow[] {
  return Array.from({ length: 120 }, (_, i) => {
    const [lon, lat] = POINTS[i % POINTS.length]!;
    const modified = i % 3 === 0 ? '2026-11-10T00:00:00.000Z' : new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
    const d = SPANS[i % SPANS.length]!;
    return row(location(i, lon, lat, modified), 1, i % 5 === 1 ? [lon - d, lat - d / 2, lon + 2 * d, lat + d] : undefined);
  });
}

/** A seeded pseudo-random number in [0, 1). */
function seeded(seed: number): () => number {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/** Newest first, id breaking ties: the order of every page. */
function newestFirst(a: ThreatRow, b: ThreatRow): number {
  return Date.parse(b.modified) - Date.parse(a.modified) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

const ids = (rows: readonly ThreatRow[]): string[] => rows.map((r) => r.id);

for (const backend of databaseBackends('search')) {
  describe(`indexed search on ${backend.name}`, () => {
    let db: Database;
    let store: ThreatStore;
    const rows = dataset();
    before(async () => {
      await backend.setup();
      db = await backend.open();
      await migrate(db);
      store = new ThreatStore(db);
      await store.applyBlock(1, rows);
      await store.statistics.analyse();
    });
    after(async () => {
      await db.close();
      backend.teardown();
    });

    test('text search finds exactly the rows whose words contain the text, whatever the case, accents and wildcards', async () => {
      for (const text of ['drone', 'DRONE', 'bernabéu', 'Estádio da', 'zanahoria', 'zanahoria 26', 'dji mavic gate', 'ga', '100%', 'under_', '%', '_', 'no such words']) {
        const expected = rows.filter((r) => searchText(r.stix).includes(text.toLowerCase())).sort(newestFirst);
        assert.deepEqual(ids(await store.search({ text }, null, 200)), ids(expected), `text "${text}"`);
      }
    });

    test('area search finds exactly the rows whose box meets the asked one, edges included, no tolerance', async () => {
      const boxes: [number, number, number, number][] = [
        [-3.8, 40.3, -3.5, 40.6], // Madrid: points on both corners are inside
        [-3.79999995, 40.3, -3.5, 40.6], // a hair east of (-3.8, 40.3) and (-3.8000001, 40.3): the box index alone would let them in
        [-9.2, 38.7, -9.1, 38.8],
        [2.0, 41.0, 2.3, 41.5],
        [-10, 35, 5, 44],
        [10, 10, 11, 11],
      ];
      for (const bbox of boxes) {
        const [x0, y0, x1, y1] = bbox;
        const expected = rows.filter((r) => r.bbox && r.bbox[0] <= x1 && r.bbox[2] >= x0 && r.bbox[1] <= y1 && r.bbox[3] >= y0).sort(newestFirst);
        assert.deepEqual(ids(await store.search({ bbox }, null, 200)), ids(expected), `bbox ${bbox.join(',')}`);
      }
    });

    test('an area search reads each page and the next from the area-and-time index, as a scan gives them, ties broken by id', async () => {
      // Counts the area statements and checks their plan's first step is the index read in time order.
      let areaStatements = 0;
      const counting = new Proxy(db, {
        get(target, key, receiver) {
          if (key !== 'queryWith') return Reflect.get(target, key, receiver);
          return (settings: readonly string[], text: string, params?: unknown[]) => {
            if (text.includes('WITH bound AS') && settings.includes('enable_bitmapscan = off')) areaStatements++;
            return target.queryWith(settings, text, params);
          };
        },
      });
      const probing = new ThreatStore(counting);
      const rnd = seeded(11);
      const boxes: [number, number, number, number][] = [[-3.8, 40.3, -3.5, 40.6], [-3.79999995, 40.3, -3.5, 40.6], [-9.2, 38.7, -9.1, 38.8],
        [-10, 35, 5, 44], [10, 10, 11, 11], [-3.6883, 40.4531, -3.6883, 40.4531]];
      // Boxes near the points, of every size: some hold a point, some only the areas around it, some nothing.
      for (let i = 0; i < 40; i++) {
        const [lon, lat] = POINTS[i % POINTS.length]!;
        const size = SPANS[i % SPANS.length]! * (0.2 + rnd() * 2);
        const x = lon + (rnd() - 0.5) * 2 * size;
        const y = lat + (rnd() - 0.5) * 2 * size;
        boxes.push([x, y, x + size, y + size / 2]);
      }
      let nonEmpty = 0;
      for (const bbox of boxes) {
        const [x0, y0, x1, y1] = bbox;
        const all = rows.filter((r) => r.bbox && r.bbox[0] <= x1 && r.bbox[2] >= x0 && r.bbox[1] <= y1 && r.bbox[3] >= y0).sort(newestFirst);
        if (all.length) nonEmpty++;
        for (const size of [1, 3, 7, 200]) {
          const seen: ThreatRow[] = [];
          let cursor: Cursor | null = null;
          for (;;) {
            const page = await probing.search({ bbox }, cursor, size);
            assert.deepEqual(ids(page), ids(all.slice(seen.length, seen.length + size)), `bbox ${bbox.join(',')}, page of ${size} after ${seen.length}`);
            seen.push(...page);
            if (page.length < size) break;
            cursor = { modified: page.at(-1)!.modified, id: page.at(-1)!.id };
          }
        }
      }
      assert.ok(nonEmpty > 20 && nonEmpty < boxes.length, `${nonEmpty} of ${boxes.length} boxes hold rows`);
      assert.ok(areaStatements > boxes.length * 4, `${areaStatements} area statements`);
    });

    test('an area search with a text gives the same pages whether the newest rows answer it or the area index does', async () => {
      // Counts which statements a search asked: the newest rows with the area checked on them (then ten times as many),
      // and the R-tree.
      const asked = { recent: 0, rtree: 0, answeredByWider: 0 };
      let statements: string[] = [];
      const counting = new Proxy(db, {
        get(target, key, receiver) {
          if (key !== 'query') return Reflect.get(target, key, receiver);
          return (text: string, params?: unknown[]) => {
            if (text.includes(') recent ')) {
              asked.recent++;
              statements.push('recent');
            } else if (text.includes('&& box(')) {
              asked.rtree++;
              statements.push('rtree');
            }
            return target.query(text, params);
          };
        },
      });
      const boxes: [number, number, number, number][] = [[-3.8, 40.3, -3.5, 40.6], [-9.2, 38.7, -9.1, 38.8], [-10, 35, 5, 44], [10, 10, 11, 11]];
      for (const recentRows of [3, 20, 1000]) {
        const probing = new ThreatStore(counting);
        probing.bboxRecentRows = recentRows;
        for (const bbox of boxes) {
          for (const size of [5, 200]) {
            const [x0, y0, x1, y1] = bbox;
            const all = rows.filter((r) => r.bbox && r.bbox[0] <= x1 && r.bbox[2] >= x0 && r.bbox[1] <= y1 && r.bbox[3] >= y0).sort(newestFirst);
            statements = [];
            assert.deepEqual(ids(await probing.search({ bbox, text: 'site' }, null, size)), ids(all.slice(0, size)), `bbox ${bbox.join(',')}, ${size} rows, ${recentRows} recent`);
            if (statements.join() === 'recent,recent') asked.answeredByWider++;
            // The second page, after the first's last row.
            const last = all[size - 1];
            if (last) assert.deepEqual(ids(await probing.search({ bbox, text: 'site' }, { modified: last.modified, id: last.id }, size)), ids(all.slice(size, 2 * size)));
          }
        }
      }
      // Every search read the newest rows first; the R-tree answered some of them (a quiet area, or few recent rows), not all.
      // Some were answered by the wider read after the first fell short.
      assert.ok(asked.rtree > 0 && asked.rtree < asked.recent && asked.answeredByWider > 0, JSON.stringify(asked));
    });

    test('keyset pages cover every row once, in order, ties broken by id, with text, area and type filters', async () => {
      for (const q of [{}, { text: 'site' }, { bbox: [-3.8, 40.3, -3.5, 40.6] as [number, number, number, number] }, { types: ['location'] }]) {
        const seen: ThreatRow[] = [];
        let cursor: Cursor | null = null;
        for (;;) {
          const page = await store.search(q, cursor, 7);
          seen.push(...page);
          if (page.length < 7) break;
          const last = page.at(-1)!;
          cursor = { modified: last.modified, id: last.id };
        }
        assert.deepEqual(ids(seen), ids(await store.search(q, null, 200)), JSON.stringify(q));
        assert.equal(new Set(ids(seen)).size, seen.length);
      }
    });

    test('a page after a cursor stays the same when newer objects and newer versions arrive meanwhile', async () => {
      const first = await store.search({}, null, 10);
      const last = first.at(-1)!;
      const cursor = { modified: last.modified, id: last.id };
      const before = ids(await store.search({}, cursor, 10));
      // A newer object, and a newer version of one already listed on page 1 and of one on page 2.
      const page2 = await store.search({}, cursor, 10);
      await store.applyBlock(2, [
        row(location(500, -3.7, 40.4, '2026-12-01T00:00:00.000Z'), 2),
        row({ ...first[0]!.stix, modified: '2026-12-02T00:00:00.000Z' }, 2),
        row({ ...page2[3]!.stix, modified: '2026-12-03T00:00:00.000Z' }, 2),
      ]);
      const after = ids(await store.search({}, cursor, 10));
      const moved = page2[3]!.id;
      assert.deepEqual(after.slice(0, 9), before.filter((id) => id !== moved), 'the page goes on where it was; only the object that moved to the front has left it');
      assert.ok(!after.includes(moved) && !after.includes(first[0]!.id));
      assert.ok(!after.includes(location(500, 0, 0, '').id));
    });
  });
}

for (const backend of databaseBackends('area_plan')) {
  describe(`the area search's plan on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    test('reads the area newest first from the area-and-time index, then only the page from that time on', async () => {
      const db = await backend.open();
      try {
        await migrate(db);
        // 40,000 alerts' rows at 22 sites over 40,000 minutes (a season's venues), their boxes a few hundred metres wide.
        await db.exec(`
          INSERT INTO threat_objects (id, type, modified, modified_at, publisher_msp, search_text, min_lon, min_lat, max_lon, max_lat, stix, tx_id,
              block_number, signature_verified)
            SELECT 'incident--' || lpad(i::text, 8, '0'), 'incident', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), at, 'PnMSP', '',
              -3.7 + (i % 22) * 0.1 - 0.003, 40.4 - 0.002, -3.7 + (i % 22) * 0.1 + 0.003, 40.4 + 0.002, '{}'::jsonb, 'tx', 1, true
            FROM generate_series(1, 40000) AS i, LATERAL (SELECT '2026-06-01T00:00:00Z'::timestamptz + i * interval '1 minute' AS at) t;
          ANALYZE threat_objects;`);
        const store = new ThreatStore(db);
        const q = { bbox: [-3.71, 40.39, -3.69, 40.41] as [number, number, number, number] };
        const plan = async (settings: readonly string[], after: Cursor | null): Promise<{ nodes: PlanNode[]; described: string }> => {
          const st = store.areaStatement(q, after, 51);
          const { rows } = await db.queryWith<{ 'QUERY PLAN': unknown }>(settings, `EXPLAIN (FORMAT JSON) ${st.text}`, st.params);
          return planNodes(rows[0]?.['QUERY PLAN']);
        };
        const page = await store.search(q, null, 51);
        assert.equal(page.length, 51);
        for (const after of [null, { modified: page.at(-1)!.modified, id: page.at(-1)!.id }]) {
          const { nodes, described } = await plan(store.areaStatement(q, after, 51).settings, after);
          const reads = nodes.filter((n) => n['Node Type'].includes('Scan') && n['Node Type'] !== 'CTE Scan');
          assert.equal(reads.length, 2, described);
          assert.ok(reads.every((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'threat_objects_area_time'), described);
          assert.ok(reads.some((n) => /modified_at <->/.test(n['Order By'] ?? '')), `the bound is read in time order\n${described}`);
          assert.ok(reads.some((n) => /modified_at >=/.test(n['Index Cond'] ?? '')), `the page from the bound's time on\n${described}`);
        }
        // Without the settings this data leads the planner to read every row of the area and sort them.
        const unset = await plan([], null);
        assert.ok(unset.nodes.some((n) => n['Node Type'].startsWith('Bitmap') || n['Node Type'] === 'Seq Scan'), unset.described);
      } finally {
        await db.close();
      }
    });
  });
}
