/**
 * The planner's statistics of the objects are kept current beside the writer: storing a block never waits for the
 * ANALYZE it calls for, and an ANALYZE that fails changes nothing stored (the next growth tries again). On PostgreSQL,
 * where another session can hold the lock that ANALYZE needs while inserts go on.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { indicator, IDENTITIES } from '../../test/stix-fixtures.js';
import { startPostgres, type PostgresServer } from '../../test/support.js';
import { createLogger } from '../log.js';
import { rowFromObject, type ThreatRow } from '../modules/threat/threat-row.js';
import { ThreatStore } from '../modules/threat/threat-store.js';
import { openDatabase, type Database } from './database.js';
import { migrate } from './migrations.js';

function rows(n: number, block: number): ThreatRow[] {
  return Array.from({ length: n }, () => rowFromObject(indicator(IDENTITIES.pn) as never,
    { publisherMsp: 'PnMSP', txId: randomUUID(), blockNumber: block, signatureVerified: true }));
}

/** Resolves with the promise's value, or fails the test when it takes longer than `ms` (it waited for something). */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the objects\' statistics, kept beside the writer, on PostgreSQL', () => {
  let server: PostgresServer;
  before(async () => { server = await startPostgres(); });
  after(() => server.stop());

  /** A read model, and a second session that holds the lock ANALYZE needs (inserts go on beside it). */
  async function setup(name: string, settings = ''): Promise<{ db: Database; holder: pg.Client; url: string; warnings: string[]; store: ThreatStore }> {
    const url = server.createDatabase(name);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    if (settings) await holder.query(`ALTER DATABASE ${name} SET ${settings}`);
    const db = await openDatabase({ kind: 'postgres', url });
    await migrate(db);
    const warnings: string[] = [];
    const store = new ThreatStore(db, 'ledger', createLogger('test', 'warn', (line) => warnings.push(line)));
    return { db, holder, url, warnings, store };
  }

  const analysedRows = async (db: Database): Promise<number> =>
    (await db.query<{ n: number }>("SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'threat_objects'::regclass")).rows[0]!.n;

  test('a block is stored and its checkpoint moved while the ANALYZE it calls for waits; the ANALYZE runs once it may', async () => {
    const { db, holder, store } = await setup('statistics_waits');
    try {
      await holder.query('BEGIN; LOCK TABLE threat_objects IN SHARE UPDATE EXCLUSIVE MODE');
      // 600 objects: more than the 500 after which a table is first analysed.
      assert.equal(await within(5000, 'storing the block', store.applyBlock(1, rows(600, 1))), true);
      assert.equal(await store.checkpoint(), 1);
      assert.equal((await db.query('SELECT 1 FROM threat_objects')).rows.length, 600);
      // The ANALYZE did start, and waits for the lock.
      let waiting = 0;
      for (let i = 0; i < 50 && waiting === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        waiting = (await holder.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'ANALYZE threat_objects%' AND wait_event_type = 'Lock'")).rows.length;
      }
      assert.equal(waiting, 1, 'the ANALYZE waits for the lock');
      assert.equal(await within(5000, 'the next block', store.applyBlock(2, rows(10, 2))), true, 'the next block does not wait either');
      assert.ok(await analysedRows(db) <= 0, 'not analysed yet');
      await holder.query('COMMIT');
      await within(10_000, 'the ANALYZE', store.statistics.settled());
      assert.equal(await analysedRows(db), 610);
    } finally {
      await holder.end();
      await db.close();
    }
  });

  test('an ANALYZE that fails leaves the block stored, is logged, and the next growth analyses again', async () => {
    // The database's sessions give up waiting for a lock after 200 ms; the writer's inserts never need that lock.
    const { db, holder, store, warnings } = await setup('statistics_fails', "lock_timeout = '200ms'");
    try {
      await holder.query('BEGIN; LOCK TABLE threat_objects IN SHARE UPDATE EXCLUSIVE MODE');
      assert.equal(await within(5000, 'storing the block', store.applyBlock(1, rows(600, 1))), true);
      await within(10_000, 'the ANALYZE', store.statistics.settled());
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /statistics of the objects were not updated.*lock timeout/);
      assert.equal(await store.checkpoint(), 1);
      assert.equal((await db.query('SELECT 1 FROM threat_objects')).rows.length, 600, 'the block is stored whole');
      await holder.query('COMMIT');
      // 100 more: less than the growth that calls for an ANALYZE (500 on a table never analysed).
      await store.applyBlock(2, rows(100, 2));
      await store.statistics.settled();
      assert.ok(await analysedRows(db) <= 0, 'no ANALYZE before the next growth');
      await store.applyBlock(3, rows(450, 3));
      await store.statistics.settled();
      assert.equal(await analysedRows(db), 1150);
      assert.equal(warnings.length, 1);
    } finally {
      await holder.end();
      await db.close();
    }
  });
});
