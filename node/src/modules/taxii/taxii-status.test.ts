import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { databaseBackends, tempDir } from '../../../test/support.js';
import { NodeError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import { openDatabase, type Database } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import type { HttpPrincipal } from '../../server/http-auth.js';
import type { PublishResult } from '../publish/publish-service.js';
import { TaxiiStatuses } from './taxii-status.js';

const principal = (username: string): HttpPrincipal => ({
  viewer: { username, displayName: username, role: 'analyst', agency: { key: 'pn', mspId: 'PnMSP', identityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01', level: 'national' } } as unknown as Viewer,
  method: 'basic', partner: null, purpose: null,
});
const indicator = (n: number): Record<string, unknown> => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-00000000000${n}`, created: '2026-12-06T10:00:00.000Z', modified: '2026-12-06T10:00:00.000Z',
});
const envelope = (...objects: unknown[]): string => JSON.stringify({ objects });

/** What PublishService answers when the ledger is unreachable (the bundle waits in the outbox) or commits. */
const queued = { publish: async (): Promise<PublishResult> => ({ status: 'QUEUED', bundleId: 'bundle--x', transactionId: null, blockNumber: null, objects: [], outboxId: 1 }) };
const committed = { publish: async (): Promise<PublishResult> => ({ status: 'COMMITTED', bundleId: 'bundle--x', transactionId: 'tx1', blockNumber: 9, objects: [], outboxId: null }) };

for (const backend of databaseBackends('taxii_status')) {
  describe(`TAXII status resources on ${backend.name}`, () => {
    const open: Database[] = [];
    before(() => backend.setup());
    after(async () => {
      for (const db of open) await db.close();
      backend.teardown();
    });
    const database = async (): Promise<Database> => {
      const db = await backend.open();
      await migrate(db);
      open.push(db);
      return db;
    };

    test('a status is shown to its poster only; a pending object becomes a success once its version is stored, and stays so', async () => {
      const db = await database();
      const committedNow = new Set<string>();
      const statuses = new TaxiiStatuses(db, queued, async (id, version) => committedNow.has(`${id}@${version}`));
      const posted = await statuses.post(principal('pn-analyst'), envelope(indicator(1), indicator(2)));
      assert.equal(posted.status, 'pending');
      assert.equal(posted.pending_count, 2);
      assert.equal(await statuses.get(principal('pn-operator'), posted.id), undefined, 'another user does not see it');
      assert.equal(await statuses.get(principal('pn-analyst'), 'no-such-status'), undefined);
      assert.deepEqual(await statuses.get(principal('pn-analyst'), posted.id), posted, 'nothing stored yet: as posted');

      committedNow.add(`${indicator(1).id as string}@2026-12-06T10:00:00.000Z`);
      const half = (await statuses.get(principal('pn-analyst'), posted.id))!;
      assert.deepEqual([half.status, half.success_count, half.pending_count], ['pending', 1, 1]);
      assert.equal(half.successes[0]!.message, 'committed from the outbox');
      committedNow.add(`${indicator(2).id as string}@2026-12-06T10:00:00.000Z`);
      const done = (await statuses.get(principal('pn-analyst'), posted.id))!;
      assert.deepEqual([done.status, done.success_count, done.pending_count, done.total_count], ['complete', 2, 0, 2]);
      committedNow.clear();
      assert.deepEqual(await statuses.get(principal('pn-analyst'), posted.id), done, 'a success is kept, not asked again');
    });

    test('bad envelopes are refused naming the field, and leave no status behind', async () => {
      const db = await database();
      const statuses = new TaxiiStatuses(db, committed, async () => true);
      await assert.rejects(statuses.post(principal('pn-analyst'), '{"objects": ['), /body: the body is not valid JSON|not valid JSON/);
      await assert.rejects(statuses.post(principal('pn-analyst'), '{"objects": []}'), (err: Error) => err.message.startsWith('objects:'));
      const refusing = new TaxiiStatuses(db, { publish: async () => { throw new NodeError('INVALID_BUNDLE', 'objects[0].created: must be a timestamp', { issues: [{ objectIndex: 0, objectId: null, property: 'created', message: 'must be a timestamp' }] }); } }, async () => true);
      await assert.rejects(refusing.post(principal('pn-analyst'), envelope({ type: 'indicator' })), (err: Error) => err.message.includes('objects[0].created'));
      assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM taxii_statuses')).rows[0]!.n, 0);
      const ok = await statuses.post(principal('pn-analyst'), envelope(indicator(3)));
      assert.deepEqual([ok.status, ok.success_count], ['complete', 1]);
    });
  });
}

describe('TAXII status resources across a restart', () => {
  const dir = tempDir('popart-taxii-status-');
  after(() => dir.remove());

  test('a queued post\'s status is still there after the node (its read model) is closed and opened again, and statuses older than the retention are gone', async () => {
    const path = join(dir.path, 'read-model');
    let db = await openDatabase({ kind: 'pglite', dir: path });
    await migrate(db);
    const posted = await new TaxiiStatuses(db, queued, async () => false).post(principal('pn-analyst'), envelope(indicator(4)));
    const old = await new TaxiiStatuses(db, queued, async () => false).post(principal('pn-analyst'), envelope(indicator(5)));
    await db.query(`UPDATE taxii_statuses SET posted_at = now() - interval '31 days' WHERE id = $1`, [old.id]);
    await db.close();

    db = await openDatabase({ kind: 'pglite', dir: path });
    try {
      await migrate(db);
      const statuses = new TaxiiStatuses(db, committed, async () => true);
      const again = (await statuses.get(principal('pn-analyst'), posted.id))!;
      assert.deepEqual([again.id, again.status, again.success_count], [posted.id, 'complete', 1]);
      assert.equal(await statuses.get(principal('pn-analyst'), old.id), undefined, 'past the retention: not shown');
      await statuses.post(principal('pn-analyst'), envelope(indicator(6)));
      assert.equal((await db.query('SELECT 1 FROM taxii_statuses WHERE id = $1', [old.id])).rows.length, 0, 'and removed by the next post');
    } finally {
      await db.close();
    }
  });
});
