import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseBackends } from '../../../test/support.js';
import { InputError, LedgerUnavailable } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { Database } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { Outbox } from './outbox.js';

const log = createLogger('outbox-test', 'silent');
/** Long enough that the worker's own timer never fires during a test: each test drains by hand. */
const NEVER = 10 * 60_000;

for (const backend of databaseBackends('outbox')) {
  describe(`outbox on ${backend.name}`, () => {
    const open: { outbox: Outbox; db: Database }[] = [];
    before(() => backend.setup());
    after(async () => {
      for (const o of open) {
        await o.outbox.stop();
        await o.db.close();
      }
      backend.teardown();
    });

    async function outboxWith(bundles: string[], submit: (bundle: string) => Promise<{ txId: string; blockNumber: number }>): Promise<{ db: Database; outbox: Outbox; calls: string[] }> {
      const db = await backend.open();
      await migrate(db);
      const calls: string[] = [];
      const outbox = new Outbox(db, async (b) => { calls.push(b); return submit(b); }, log, NEVER, NEVER);
      open.push({ outbox, db });
      for (const b of bundles) await outbox.enqueue(`bundle--${b}`, b, 'ledger unavailable');
      return { db, outbox, calls };
    }

    test('a bundle that keeps failing alone does not hold back the ones queued after it', async () => {
      const { outbox, calls } = await outboxWith(['poison', 'a', 'b'], async (b) => {
        if (b === 'poison') throw new LedgerUnavailable('chaincode stream terminated');
        return { txId: `tx-${b}`, blockNumber: 7 };
      });
      await outbox.drain();
      const entries = await outbox.entries();
      assert.deepEqual(entries.map((e) => [e.bundle, e.status, e.txId]), [['poison', 'pending', null], ['a', 'committed', 'tx-a'], ['b', 'committed', 'tx-b']]);
      assert.equal(entries[0]!.attempts, 2);
      assert.match(entries[0]!.lastError ?? '', /chaincode stream terminated/);
      // retried on the next round, alone
      await outbox.drain();
      assert.deepEqual(calls, ['poison', 'a', 'b', 'poison']);
    });

    test('while the ledger is unavailable a round stops after two failures in a row and everything stays queued', async () => {
      const { outbox, calls } = await outboxWith(['a', 'b', 'c', 'd'], async () => { throw new LedgerUnavailable('no peer'); });
      await outbox.drain();
      assert.deepEqual(calls, ['a', 'b']);
      assert.deepEqual((await outbox.entries('pending')).map((e) => e.bundle), ['a', 'b', 'c', 'd']);
    });

    test('a bundle the ledger refuses is rejected for good, with the reason, and the next ones go on', async () => {
      const { outbox } = await outboxWith(['stale', 'a'], async (b) => {
        if (b === 'stale') throw new InputError('STALE_VERSION', 'a newer version is on the ledger');
        return { txId: `tx-${b}`, blockNumber: 3 };
      });
      await outbox.drain();
      const entries = await outbox.entries();
      assert.deepEqual(entries.map((e) => [e.bundle, e.status]), [['stale', 'rejected'], ['a', 'committed']]);
      assert.equal(entries[0]!.lastError, 'STALE_VERSION: a newer version is on the ledger');
      await outbox.drain();
      assert.deepEqual((await outbox.entries()).map((e) => e.status), ['rejected', 'committed'], 'nothing is tried again');
    });
  });
}
