/**
 * A start on a read model from before a version that adds an index says that it builds it (indexesToBuild): the
 * indexes the migration would build over objects already held, on PGlite and PostgreSQL.
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
  });
}
