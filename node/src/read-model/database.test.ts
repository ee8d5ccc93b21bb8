/**
 * The read model's urgent lane: statements of the listener and the audit log do not wait behind users' queries, on
 * PGlite (one statement at a time: they go ahead of those waiting) and on a PostgreSQL server (connections of their own).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseBackends } from '../../test/support.js';

for (const backend of databaseBackends('lanes')) {
  describe(`urgent statements on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    test('an urgent statement is answered before the queries that were waiting when it came', async () => {
      const db = await backend.open();
      try {
        await db.exec('CREATE TABLE t (n int)');
        const order: string[] = [];
        const queries = Array.from({ length: 6 }, (_, i) => db.query('SELECT pg_sleep(0.2), $1::int AS n', [i]).then(() => { order.push(`query ${i}`); }));
        const urgent = db.urgent.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1)');
        }).then(() => { order.push('urgent'); });
        await Promise.all([...queries, urgent]);
        assert.ok(order.indexOf('urgent') <= 1, `at most the statement already running comes first: ${order.join(', ')}`);
        const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
        assert.equal(r.rows[0]?.n, 1, 'the urgent write is in the same database');
        assert.equal(db.urgent.kind, db.kind);
      } finally {
        await db.urgent.close(); // closes the database, both lanes
      }
    });
  });
}
