/**
 * The settings the node's PostgreSQL sessions run with, on both pools: JIT compilation off (the read model's statements
 * are short; compiling a block's correlation statement took 1.5 s of its 1.7, docs/benchmarks.md), and no parallel
 * workers (each parallel plan forks server processes for one statement: under fifty analysts that halved the requests
 * a second, docs/benchmarks.md).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../test/support.js';
import { openDatabase } from './database.js';

let server: PostgresServer | null = null;
before(async () => { server = await startPostgres(); });
after(() => server?.stop());

test('the node\'s sessions on PostgreSQL, for queries and urgent statements, run without JIT and without parallel workers; the server\'s defaults are left alone', async () => {
  const url = server!.createDatabase('settings');
  const plain = new pg.Client({ connectionString: url });
  await plain.connect();
  try {
    assert.equal((await plain.query<{ jit: string }>('SHOW jit')).rows[0]?.jit, 'on', 'the server compiles with JIT by default');
    const workers = (await plain.query<{ max_parallel_workers_per_gather: string }>('SHOW max_parallel_workers_per_gather')).rows[0]?.max_parallel_workers_per_gather;
    assert.notEqual(workers, '0', 'the server plans parallel workers by default');
  } finally {
    await plain.end();
  }
  const db = await openDatabase({ kind: 'postgres', url });
  try {
    // Several at once, so that more than one connection of each pool answers.
    const answers = await Promise.all([db, db, db, db.urgent, db.urgent].map(async (d) => {
      const jit = (await d.query<{ jit: string }>('SHOW jit')).rows[0]?.jit;
      const workers = (await d.query<{ w: string }>('SELECT current_setting(\'max_parallel_workers_per_gather\') AS w')).rows[0]?.w;
      return `${jit} ${workers}`;
    }));
    assert.deepEqual(answers, ['off 0', 'off 0', 'off 0', 'off 0', 'off 0']);
  } finally {
    await db.close();
  }
});
