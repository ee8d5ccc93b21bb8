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
import { CORRELATE_MANY, CORRELATE_MANY_SETTINGS, CORRELATE_ONE, CORRELATE_ONE_BODY, CORRELATE_ONE_FUNCTION, CORRELATE_ONE_TYPES } from './correlation-sql.js';

/** The plan's reads of the correlation tables (not its inserts), and a description of them for messages. */
function readsOf(raw: unknown): { reads: PlanNode[]; described: string } {
  const reads = planNodes(raw).nodes.filter((n) => n['Relation Name']?.startsWith('correlation_') && !n['Node Type'].startsWith('Modify'));
  return { reads, described: describePlan(reads) };
}

for (const backend of databaseBackends('correlation_plan')) {
  describe(`the kept plan of correlating one object, on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    test('looks each value and each cell up in its primary key, also when alerts crowd at a few sites', async () => {
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
          ANALYZE correlation_places; ANALYZE correlation_observables;`);
        await db.exec(`PREPARE correlate_one_plan (${CORRELATE_ONE_TYPES}) AS ${CORRELATE_ONE}`);
        await db.exec('SET plan_cache_mode = force_generic_plan');
        const searched = Array.from({ length: 9 }, (_, i) => `'drone/${i}/9/77'`).join(', ');
        const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE correlate_one_plan ('incident--new', 'MadMSP',
          ARRAY['ipv4-addr'], ARRAY['198.51.100.7'], ARRAY['pattern'], 100, 'drone', 40.0, -3.7, '2026-06-02T20:00:00Z', '2026-06-02T20:00:00Z',
          ARRAY['drone/0/9/77'], ARRAY[${searched}], 200, 1000, 900, 20)`);
        const { reads, described } = readsOf(rows[0]?.['QUERY PLAN']);
        assert.deepEqual(reads.map((n) => n['Relation Name']).sort(), ['correlation_observables', 'correlation_places'], described);
        for (const n of reads) {
          assert.match(n['Node Type'], /^Index (Only )?Scan$/, described);
          assert.equal(n['Index Name'], `${n['Relation Name']}_pkey`, described);
          assert.match(n['Index Cond'] ?? '', n['Relation Name'] === 'correlation_places' ? /\(?cell = / : /\(?kind = .*value = /, described);
        }
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
          [...searched.map(() => 1), ...searched.map(() => 2)], [...searched, ...searched], 100, 200, 1000, 900, 20];
        const plan = async (settings: readonly string[]): Promise<ReturnType<typeof readsOf>> => {
          const { rows } = await db.queryWith<{ 'QUERY PLAN': unknown }>(settings, `EXPLAIN (FORMAT JSON) ${CORRELATE_MANY}`, params);
          return readsOf(rows[0]?.['QUERY PLAN']);
        };
        const { reads, described } = await plan(CORRELATE_MANY_SETTINGS);
        const places = reads.filter((n) => n['Relation Name'] === 'correlation_places');
        assert.equal(places.length, 1, described);
        assert.equal(places[0]!['Node Type'], 'Index Scan', described);
        assert.equal(places[0]!['Index Name'], 'correlation_places_pkey', described);
        assert.match(places[0]!['Index Cond'] ?? '', /\(?cell = /, described);
        // Without the settings this data does lead the planner to bitmap scans: the check above is not vacuous.
        const unset = await plan([]);
        assert.ok(unset.reads.some((n) => n['Relation Name'] === 'correlation_places' && n['Node Type'].startsWith('Bitmap')), unset.described);
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
