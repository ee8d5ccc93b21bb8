/**
 * The settings the node's PostgreSQL sessions run with, on both pools: JIT compilation off (the read model's statements
 * are short; compiling a block's correlation statement took 1.5 s of its 1.7, docs/benchmarks.md).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../test/support.js';
import { openDatabase } from './database.js';

let server: PostgresServer | null = null;
before(async () => { server = await startPostgres(); });
after(() => server?.stop());

test('the node\'s sessions on PostgreSQL, for queries and urgent statements, run without JIT; the server\'s default is left alone', async () => {
  const url = server!.createDatabase('settings');
  const plain = new pg.Client({ connectionString: url });
  await plain.connect();
  try {
    assert.equal((await plain.query<{ jit: string }>('SHOW jit')).rows[0]?.jit, 'on', 'the server compiles with JIT by default');
  } finally {
    await plain.end();
  }
  const db = await openDatabase({ kind: 'postgres', url });
  try {
    // Several at once, so that more than one connection of each pool answers.
    const answers = await Promise.all([db, db, db, db.urgent, db.urgent].map(async (d) => (await d.query<{ jit: string }>('SHOW jit')).rows[0]?.jit));
    assert.deepEqual(answers, ['off', 'off', 'off', 'off', 'off']);
  } finally {
    await db.close();
  }
});
