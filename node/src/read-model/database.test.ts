/**
 * The read model's urgent lane: statements of the listener and the audit log do not wait behind users' queries, on
 * PGlite (one statement at a time: they go ahead of those waiting) and on a PostgreSQL server (connections of their own).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CODE_POINT_ORDER, databaseBackends } from '../../test/support.js';

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

    test('a transaction is all or nothing and no other statement runs inside it; errors keep PostgreSQL\'s code', async () => {
      const db = await backend.open();
      try {
        await db.exec('CREATE TABLE t (n int PRIMARY KEY)');
        const seen: number[] = [];
        const tx = db.transaction(async (q) => {
          await q.query('INSERT INTO t VALUES (1)');
          await new Promise((resolve) => setTimeout(resolve, 50));
          seen.push((await q.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]!.n);
          await q.query('INSERT INTO t VALUES (1)'); // a duplicate: the whole transaction is undone
        });
        const outside = db.query('INSERT INTO t VALUES (2)');
        const err = await tx.then(() => null, (e: unknown) => e as { code?: string; message?: string });
        assert.equal(err?.code, '23505', 'unique_violation, as PostgreSQL says it');
        assert.match(err?.message ?? '', /duplicate key value/);
        await outside;
        // PGlite runs one statement at a time: the insert sent meanwhile waits for the transaction's end. (A server runs it
        // on another connection at once, and the transaction sees it committed.)
        if (db.kind === 'pglite') assert.deepEqual(seen, [1], 'the insert sent meanwhile outside the transaction ran after it');
        const rows = (await db.query<{ n: number }>('SELECT n FROM t ORDER BY n')).rows.map((r) => r.n);
        assert.deepEqual(rows, [2], 'nothing of the failed transaction was kept');
        const syntax = await db.query('SELEKT 1').then(() => null, (e: unknown) => e as { code?: string });
        assert.equal(syntax?.code, '42601', 'syntax_error');
        const r = await db.query<{ at: Date; n: number; doc: { a: number[] } }>("SELECT now() AS at, 7::int8 AS n, '{\"a\":[1]}'::jsonb AS doc");
        assert.ok(r.rows[0]?.at instanceof Date);
        assert.deepEqual({ n: r.rows[0]?.n, doc: r.rows[0]?.doc }, { n: 7, doc: { a: [1] } });
      } finally {
        await db.close();
      }
      const closed = await db.query('SELECT 1').then(() => null, (e: unknown) => e as { code?: string });
      assert.notEqual(closed, null, 'a closed database answers no more');
      if (db.kind === 'pglite') assert.equal(closed?.code, '08003', 'as a connection that does not exist: unavailable, not a bad statement');
    });
    test('a statement with its own settings: they hold for it alone, also when it fails, and a write in it is kept', async () => {
      const db = await backend.open();
      try {
        await db.exec('CREATE TABLE t (n int PRIMARY KEY)');
        const setting = async (run: (text: string) => Promise<{ rows: { v: string }[] }>): Promise<string | undefined> =>
          (await run("SELECT current_setting('enable_bitmapscan') AS v")).rows[0]?.v;
        assert.equal(await setting((text) => db.queryWith(['enable_bitmapscan = off', 'enable_sort = off'], text)), 'off');
        assert.equal(await setting((text) => db.query(text)), 'on', 'the next statement has the session\'s settings');
        const r = await db.queryWith<{ n: number }>(['enable_bitmapscan = off'], 'INSERT INTO t VALUES ($1) RETURNING n', [5]);
        assert.deepEqual(r.rows, [{ n: 5 }]);
        const err = await db.queryWith(['enable_bitmapscan = off'], 'INSERT INTO t VALUES ($1)', [5]).then(() => null, (e: unknown) => e as { code?: string });
        assert.equal(err?.code, '23505', 'unique_violation, as PostgreSQL says it');
        assert.equal(await setting((text) => db.query(text)), 'on', 'and after a statement that failed');
        const bad = await db.queryWith(['no_such_setting = 1'], 'SELECT 1').then(() => null, (e: unknown) => e as { code?: string });
        assert.equal(bad?.code, '42704', 'undefined_object: an unknown setting is refused');
        assert.deepEqual((await db.query<{ n: number }>('SELECT n FROM t')).rows, [{ n: 5 }], 'the database is usable and kept the first write');
      } finally {
        await db.close();
      }
    });
    test('text is ordered by code point, as on the other backend, whatever the machine\'s locale', async () => {
      const db = await backend.open();
      try {
        const { rows } = await db.query<{ collate: string }>('SELECT datcollate AS collate FROM pg_database WHERE datname = current_database()');
        assert.deepEqual(rows, [{ collate: 'C' }]);
        const sorted = await db.query<{ x: string }>(CODE_POINT_ORDER.sql);
        assert.deepEqual(sorted.rows.map((r) => r.x), CODE_POINT_ORDER.sorted);
      } finally {
        await db.close();
      }
    });
  });
}
