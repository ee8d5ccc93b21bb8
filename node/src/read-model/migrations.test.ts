/**
 * A start on a read model from before a version that adds an index says that it builds it (indexesToBuild): the
 * indexes the migration would build over objects already held, on PGlite and PostgreSQL. And the links' primary key
 * of earlier versions gives way to the pair's index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseBackends } from '../../test/support.js';
import { indexesToBuild, migrate } from './migrations.js';

for (const backend of databaseBackends('migrations')) {
  describe(`indexes built over held objects, on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    test('nothing for a new or current read model; the missing index and the objects held after an upgrade', async () => {
      const db = await backend.open();
      try {
        assert.deepEqual(await indexesToBuild(db), { indexes: [], objects: 0 }, 'a new database');
        await migrate(db);
        assert.deepEqual(await indexesToBuild(db), { indexes: [], objects: 0 }, 'just migrated, no objects');
        await db.exec(`INSERT INTO threat_objects (id, type, modified, modified_at, publisher_msp, search_text, min_lon, min_lat, max_lon, max_lat,
            stix, tx_id, block_number, signature_verified)
          SELECT 'location--' || i, 'location', '2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00Z', 'PnMSP', '', -3.7, 40.4, -3.7, 40.4, '{}'::jsonb,
            'tx', 1, true FROM generate_series(1, 3) AS i`);
        assert.deepEqual(await indexesToBuild(db), { indexes: [], objects: 0 }, 'current: every index there');
        // A read model from before the area-and-time index (and before the venues' index).
        await db.exec('DROP INDEX threat_objects_area_time; DROP INDEX threat_objects_locations');
        assert.deepEqual(await indexesToBuild(db), { indexes: ['threat_objects_area_time', 'threat_objects_locations'], objects: 3 });
        await migrate(db);
        assert.deepEqual(await indexesToBuild(db), { indexes: [], objects: 0 }, 'built by the migration');
      } finally {
        await db.close();
      }
    });

    test('a read model whose links had a primary key: the pair\'s index replaces it, and the links stay', async () => {
      const db = await backend.open();
      try {
        await migrate(db);
        // As an earlier version made the table: a primary key of the pair, the kind and the value, no index of the pair.
        await db.exec(`DROP INDEX correlation_links_a; DROP INDEX correlation_links_pair;
          ALTER TABLE correlation_links ADD PRIMARY KEY (a_id, b_id, kind, value_kind, value);
          INSERT INTO correlation_links (a_id, b_id, kind, value_kind, value, distance_m, seconds_apart, cross_agency)
            VALUES ('incident--1', 'incident--2', 'proximity', 'drone', '', 40, 0, true), ('indicator--1', 'indicator--2', 'observable', 'mac-addr', 'aa', NULL, NULL, false)`);
        const constraints = async (): Promise<string[]> => (await db.query<{ conname: string }>(
          "SELECT conname FROM pg_constraint WHERE conrelid = 'correlation_links'::regclass AND contype IN ('p', 'u')")).rows.map((r) => r.conname);
        assert.deepEqual(await constraints(), ['correlation_links_pkey']);
        await migrate(db);
        assert.deepEqual(await constraints(), [], 'the primary key is dropped');
        const indexes = await db.query<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'correlation_links' ORDER BY 1");
        assert.deepEqual(indexes.rows.map((r) => r.name), ['correlation_links_a', 'correlation_links_b', 'correlation_links_pair']);
        const links = await db.query<{ a_id: string; distance_m: number | null }>('SELECT a_id, distance_m FROM correlation_links ORDER BY a_id');
        assert.deepEqual(links.rows, [{ a_id: 'incident--1', distance_m: 40 }, { a_id: 'indicator--1', distance_m: null }]);
        await migrate(db);
        assert.deepEqual(await constraints(), [], 'a second start changes nothing');
      } finally {
        await db.close();
      }
    });
  });
}
