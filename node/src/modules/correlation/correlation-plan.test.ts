/**
 * The statement correlating one object keeps its plan across calls (a PL/pgSQL function, plan_cache_mode
 * force_generic_plan), so that plan, made without the parameters' values, must look every value and cell up in its
 * index. Checked where it matters: alerts crowded at a few sites (few distinct cells, many places each, as at a
 * season's venues), statistics gathered, and an object whose cells hold nothing yet. A plan that walks the places in
 * id order, or reads a whole table, fails here. The migration creates the function, and replaces it only when it differs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseBackends, describePlan, planNodes, type PlanNode } from '../../../test/support.js';
import { migrate } from '../../read-model/migrations.js';
import { CORRELATE_MANY, CORRELATE_MANY_SETTINGS, CORRELATE_ONE, CORRELATE_ONE_BODY, CORRELATE_ONE_FUNCTION, CORRELATE_ONE_SETTINGS, CORRELATE_ONE_TYPES } from './correlation-sql.js';

/**
 * Each link found is looked up (to update or to add it) through its pair's key, also while the links' table is small:
 * the kept plan of a new read model would otherwise read the whole table for every object from then on. Then a link
 * found again is updated by its row's address.
 */
function assertLinksFoundByPair({ reads, all, described }: ReturnType<typeof readsOf>): void {
  const links = reads.filter((n) => n['Relation Name'] === 'correlation_links');
  assert.deepEqual(links.map((n) => n['Node Type']).sort(), [links.some((n) => n['Node Type'] === 'Index Scan') ? 'Index Scan' : 'Bitmap Heap Scan', 'Tid Scan'], described);
  const lookup = all.find((n) => n['Index Name'] === 'correlation_links_pair');
  assert.ok(lookup, described);
  assert.match(lookup['Index Cond'] ?? '', /^\(?hashtextextended\(\(\(a_id \|\| ' '::text\) \|\| b_id\), '0'::bigint\) = hashtextextended/, described);
}

/** The plan's reads of the correlation tables (not its inserts), and a description of them for messages. */
function readsOf(raw: unknown): { reads: PlanNode[]; all: PlanNode[]; described: string } {
  const all = planNodes(raw).nodes;
  const reads = all.filter((n) => n['Relation Name']?.startsWith('correlation_') && !n['Node Type'].startsWith('Modify'));
  return { reads, all, described: describePlan(all.filter((n) => n['Index Name'] || reads.includes(n))) };
}

for (const backend of databaseBackends('correlation_plan')) {
  describe(`the kept plan of correlating one object, on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    test('looks each value and each cell up in its primary key, and each link found in its pair\'s index, also when alerts crowd at a few sites', async () => {
      const db = await backend.open();
      try {
        await migrate(db);
        // 40,000 alerts at 22 sites over 4 time buckets (88 cells), and 40,000 values of which 100 are shared widely.
        await db.exec(`
          INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
            SELECT 'drone/' || (i % 22) || '/0/' || (i % 4), 'incident--' || lpad(i::text, 8, '0'), 'drone', 40 + (i % 22) * 0.1, -3.7,
              '2026-06-01T20:00:00Z', '2026-06-01T20:05:00Z', 'PnMSP' FROM generate_series(1, 40000) AS i;
          INSERT INTO correlation_observables (kind, value, object_id, publisher_msp)
            SELECT 'ipv4-addr', '198.51.100.' || (i % 100), 'indicator--' || lpad(i::text, 8, '0'), 'MadMSP' FROM generate_series(1, 40000) AS i;
          ANALYZE correlation_places; ANALYZE correlation_observables;
          -- A new read model's first links, analysed (as autovacuum does on a server): a table of one page, which a plan
          -- could read whole for each link, and would go on doing so as it grows (the plan is kept).
          INSERT INTO correlation_links (a_id, b_id, kind, value_kind, value, cross_agency)
            SELECT 'incident--' || lpad(i::text, 8, '0'), 'incident--' || lpad((i + 1)::text, 8, '0'), 'proximity', 'drone', '', false FROM generate_series(1, 3) AS i;
          ANALYZE correlation_links;`);
        const searched = Array.from({ length: 9 }, (_, i) => `'drone/${i}/9/77'`).join(', ');
        const plan = async (settings: readonly string[]): Promise<ReturnType<typeof readsOf>> => {
          // Planned anew with these settings (a prepared statement keeps its first plan).
          await db.exec('RESET ALL; DEALLOCATE ALL');
          for (const setting of settings) await db.exec(`SET ${setting}`);
          await db.exec(`PREPARE correlate_one_plan (${CORRELATE_ONE_TYPES}) AS ${CORRELATE_ONE}`);
          const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE correlate_one_plan ('incident--new', 'MadMSP',
            ARRAY['ipv4-addr'], ARRAY['198.51.100.7'], ARRAY['pattern'], 100, 'drone', 40.0, -3.7, '2026-06-02T20:00:00Z', '2026-06-02T20:00:00Z',
            ARRAY['drone/0/9/77'], ARRAY[${searched}], 200, 1000, 900, 20)`);
          return readsOf(rows[0]?.['QUERY PLAN']);
        };
        // The function's settings (CORRELATE_ONE_SETTINGS), with the links' table still small, as in a new read model.
        const kept = await plan(CORRELATE_ONE_SETTINGS);
        const { reads, described } = kept;
        assert.deepEqual(reads.map((n) => n['Relation Name']).sort(),
          ['correlation_links', 'correlation_links', 'correlation_observables', 'correlation_places'], described);
        for (const n of reads.filter((r) => r['Relation Name'] !== 'correlation_links')) {
          assert.match(n['Node Type'], /^Index (Only )?Scan$/, described);
          assert.equal(n['Index Name'], `${n['Relation Name']}_pkey`, described);
          assert.match(n['Index Cond'] ?? '', n['Relation Name'] === 'correlation_places' ? /\(?cell = / : /\(?kind = .*value = /, described);
        }
        assertLinksFoundByPair(kept);
        // Without sequential scans turned off, the plan reads the small links' table whole for each link: not vacuous.
        const generic = await plan(['plan_cache_mode = force_generic_plan']);
        assert.ok(generic.reads.some((n) => n['Relation Name'] === 'correlation_links' && n['Node Type'] === 'Seq Scan'), generic.described);
      } finally {
        await db.close();
      }
    });

    test('a block\'s statement reads each searched cell in its primary key\'s order, also when cells hold a few places', async () => {
      const db = await backend.open();
      try {
        await migrate(db);
        // 2,000 alerts over 500 cells (4 each, as most cells of a season's grid): the statistics make a bitmap scan of
        // each cell look cheapest, which then sorts every cell's places again (CORRELATE_MANY_SETTINGS).
        await db.exec(`
          INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
            SELECT 'drone/' || (i % 500) || '/0/77', 'incident--' || lpad(i::text, 8, '0'), 'drone', 40 + (i % 500) * 0.01, -3.7,
              '2026-06-01T20:00:00Z', '2026-06-01T20:05:00Z', 'PnMSP' FROM generate_series(1, 2000) AS i;
          ANALYZE correlation_places;`);
        const searched = Array.from({ length: 27 }, (_, i) => `drone/${i}/0/77`);
        const at = '2026-06-01T20:10:00Z';
        const params = [['incident--a', 'incident--b'], ['MadMSP', 'MadMSP'], ['drone', 'drone'], [40.0, 40.01], [-3.7, -3.7], [at, at], [at, at],
          [1], ['ipv4-addr'], ['198.51.100.7'], ['pattern'], [1, 2], ['drone/0/0/77', 'drone/1/0/77'],
          [...searched.map(() => 1), ...searched.map(() => 2)], [...searched, ...searched], 100, 200, 1000, 900, 20, [false, false]];
        const plan = async (settings: readonly string[]): Promise<ReturnType<typeof readsOf>> => {
          const { rows } = await db.queryWith<{ 'QUERY PLAN': unknown }>(settings, `EXPLAIN (FORMAT JSON) ${CORRELATE_MANY}`, params);
          return readsOf(rows[0]?.['QUERY PLAN']);
        };
        const block = await plan(CORRELATE_MANY_SETTINGS);
        const { reads, described } = block;
        // Each searched cell in the primary key; whether each object was correlated before in the tables' object indexes.
        const places = reads.filter((n) => n['Relation Name'] === 'correlation_places');
        const cells = places.filter((n) => n['Index Name'] === 'correlation_places_pkey');
        assert.equal(cells.length, 1, described);
        assert.equal(cells[0]!['Node Type'], 'Index Scan', described);
        assert.match(cells[0]!['Index Cond'] ?? '', /\(?cell = /, described);
        const seen = reads.filter((n) => n['Index Name']?.endsWith('_object'));
        assert.deepEqual(seen.map((n) => n['Index Name']).sort(), ['correlation_observables_object', 'correlation_places_object'], described);
        assert.deepEqual(places.filter((n) => !cells.includes(n) && !seen.includes(n)), [], described);
        assertLinksFoundByPair(block);
        // Without the settings this data does lead the planner to bitmap scans: the check above is not vacuous.
        const unset = await plan([]);
        assert.ok(unset.reads.some((n) => n['Relation Name'] === 'correlation_places' && n['Node Type'].startsWith('Bitmap')), unset.described);
        assert.ok(unset.reads.some((n) => n['Relation Name'] === 'correlation_links' && n['Node Type'] === 'Seq Scan'), unset.described);
      } finally {
        await db.close();
      }
    });

    test('a block\'s statement looks a link up only when its object was correlated before, or may be linked already', async () => {
      const db = await backend.open();
      try {
        await migrate(db);
        // Five alerts held at one site, then two new ones near them (each finds the five): 10 links.
        await db.exec(`
          INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
            SELECT 'drone/0/0/77', 'incident--held-' || i, 'drone', 40.0 + i * 0.0001, -3.7, '2026-06-01T20:00:00Z', '2026-06-01T20:05:00Z', 'PnMSP'
            FROM generate_series(1, 5) AS i;`);
        const at = '2026-06-01T20:10:00Z';
        const params = (ids: string[], mayBeLinked: boolean[]): unknown[] => [ids, ['MadMSP', 'MadMSP'], ['drone', 'drone'], [40.0, 40.0002], [-3.7, -3.7], [at, at], [at, at],
          [], [], [], [], [1, 2], ['drone/0/0/77', 'drone/0/0/77'], [1, 2], ['drone/0/0/77', 'drone/0/0/77'], 100, 200, 1000, 900, 20, mayBeLinked];
        /** Runs the statement (EXPLAIN ANALYZE: it stores its links), and says how often the pair's index was read. */
        const run = async (p: unknown[]): Promise<{ lookups: number; added: number; described: string }> => {
          const { rows } = await db.queryWith<{ 'QUERY PLAN': unknown }>(CORRELATE_MANY_SETTINGS, `EXPLAIN (ANALYZE, FORMAT JSON) ${CORRELATE_MANY}`, p);
          const all = planNodes(rows[0]?.['QUERY PLAN']).nodes;
          const pair = all.filter((n) => n['Index Name'] === 'correlation_links_pair');
          assert.equal(pair.length, 1, describePlan(all));
          const inserted = all.find((n) => n['Node Type'] === 'ModifyTable' && n['Relation Name'] === 'correlation_links' && n['Operation'] === 'Insert');
          return { lookups: Number(pair[0]!['Actual Loops'] ?? 0), added: Number(inserted?.['Actual Rows'] ?? NaN), described: describePlan(all) };
        };
        const count = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM correlation_links')).rows[0]!.n);
        // Correlated for the first time: their links cannot be stored yet, and are not looked up.
        const first = await run(params(['incident--new-1', 'incident--new-2'], [false, false]));
        assert.equal(first.lookups, 0, first.described);
        assert.equal(await count(), 11, 'five links each, and one between the two');
        // The same objects again (a restart correlating what lies after its checkpoint): each link is looked up, none added.
        const again = await run(params(['incident--new-1', 'incident--new-2'], [false, false]));
        assert.equal(again.lookups, 11, again.described);
        assert.equal(again.added, 0, again.described);
        assert.equal(await count(), 11);
        // A later version, whose values and places were forgotten before (Correlator: unindex) but whose links were kept.
        await db.exec("DELETE FROM correlation_places WHERE object_id = 'incident--new-2'");
        const later = await run(params(['incident--new-3', 'incident--new-2'], [false, true]));
        assert.equal(later.lookups, 7, `new-2's six links and its new one to new-3 are looked up, none of new-3's own six ${later.described}`);
        assert.equal(later.added, 7, later.described);
        assert.equal(await count(), 18, 'new-3 linked to the five held, new-1 and new-2; new-2 to nothing it was not linked to but new-3');
      } finally {
        await db.close();
      }
    });

    test('the migration creates the function, leaves it alone when it is the same, and replaces one that differs', async () => {
      const db = await backend.open();
      try {
        const version = async (): Promise<{ xmin: string; prosrc: string } | undefined> => (await db.query<{ xmin: string; prosrc: string }>(
          "SELECT xmin::text AS xmin, prosrc FROM pg_proc WHERE proname = 'popart_correlate_one'")).rows[0];
        await migrate(db);
        const first = await version();
        assert.equal(first?.prosrc, CORRELATE_ONE_BODY);
        await migrate(db);
        assert.deepEqual(await version(), first, 'the same function is not written again');
        // An older version of the function: the same signature, another body.
        await db.exec(CORRELATE_ONE_FUNCTION.replace(CORRELATE_ONE_BODY, ' BEGIN RETURN; END '));
        assert.notEqual((await version())?.prosrc, CORRELATE_ONE_BODY);
        await migrate(db);
        assert.equal((await version())?.prosrc, CORRELATE_ONE_BODY, 'an older function is replaced');
        // An older version with other parameters is another function beside it (an overload): replaced too, one is left.
        await db.exec(CORRELATE_ONE_FUNCTION.replace(`(${CORRELATE_ONE_TYPES})`, '(text, text)').replace(CORRELATE_ONE_BODY, ' BEGIN RETURN; END '));
        const count = async (): Promise<number> => (await db.query("SELECT 1 FROM pg_proc WHERE proname = 'popart_correlate_one'")).rows.length;
        assert.equal(await count(), 2);
        await migrate(db);
        assert.equal(await count(), 1, 'the older overload is dropped');
        assert.equal((await version())?.prosrc, CORRELATE_ONE_BODY);
      } finally {
        await db.close();
      }
    });
  });
}
