/**
 * A second client of PGlite's database thread through a port of its own (what a query worker uses): the same database,
 * the same lanes, transactions of two clients never interleaved, closing the second client leaves the database open,
 * and the owner closing it is a lost connection for the second client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from './database.js';
import { attachPglite, connectPglitePort } from './pglite-thread.js';

test('a client attached through a port reads and writes the same database, its transactions are its own', async () => {
  const owner = await openDatabase({ kind: 'pglite', dir: null });
  try {
    await owner.exec('CREATE TABLE t (n int PRIMARY KEY)');
    await owner.query('INSERT INTO t VALUES (1)');
    const other = connectPglitePort(await attachPglite(owner));
    assert.deepEqual((await other.query<{ n: number }>('SELECT n FROM t')).rows, [{ n: 1 }], 'the owner\'s rows');
    await other.urgent.query('INSERT INTO t VALUES (2)');
    assert.deepEqual((await owner.query<{ n: number }>('SELECT n FROM t ORDER BY n')).rows.map((r) => r.n), [1, 2], 'the client\'s write, seen by the owner');

    // Both clients number their transactions from 1: each is still its own.
    const seen: number[] = [];
    let begun = (): void => undefined;
    const inside = new Promise<void>((resolve) => { begun = resolve; });
    const first = other.transaction(async (q) => {
      await q.query('INSERT INTO t VALUES (3)');
      begun();
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen.push((await q.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]!.n);
      throw new Error('undo');
    });
    await inside; // (the two clients' messages come on two channels: which BEGIN arrives first is not ordered)
    const second = owner.transaction(async (q) => q.query('INSERT INTO t VALUES (4)'));
    await assert.rejects(first, /undo/);
    await second;
    assert.deepEqual(seen, [3], 'the owner\'s transaction waited for the client\'s');
    assert.deepEqual((await other.query<{ n: number }>('SELECT n FROM t ORDER BY n')).rows.map((r) => r.n), [1, 2, 4], 'the rolled back insert is gone');

    const err = await other.query('INSERT INTO t VALUES (1)').then(() => null, (e: unknown) => e as { code?: string });
    assert.equal(err?.code, '23505', 'PostgreSQL\'s code crosses the port');

    await other.close();
    const closed = await other.query('SELECT 1').then(() => null, (e: unknown) => e as { code?: string });
    assert.equal(closed?.code, '08003', 'the closed client answers no more');
    assert.deepEqual((await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows, [{ n: 3 }], 'the database stays open for its owner');

    const late = connectPglitePort(await attachPglite(owner));
    await owner.close();
    const lost = await late.query('SELECT 1').then(() => null, (e: unknown) => e as { code?: string });
    assert.ok(lost?.code === '08006' || lost?.code === '08003', `the owner closed the database: a lost connection, not a hang (${lost?.code})`);
  } finally {
    await owner.close();
  }
});

test('only PGlite takes other clients', async () => {
  assert.throws(() => attachPglite({ kind: 'postgres' } as Parameters<typeof attachPglite>[0]), /only PGlite's database thread/);
});
