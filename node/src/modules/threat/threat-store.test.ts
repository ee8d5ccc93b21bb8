/**
 * The read model's SQL, run on PGlite and on a real PostgreSQL server: the same tests, both backends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StixObject } from '@popart/schemas';
import { databaseBackends } from '../../../test/support.js';
import type { Database } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { rowFromObject, type ThreatRow } from './threat-row.js';
import { decodeCursor, encodeCursor, ThreatStore } from './threat-store.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';

function indicator(n: number, modified: string, extra: Partial<StixObject> = {}): StixObject {
  const id = `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    type: 'indicator', spec_version: '2.1', id, created: '2026-11-01T00:00:00.000Z', modified,
    name: `Drone controller ${n}`, pattern: `[mac-addr:value = '00:11:22:33:44:${String(n % 100).padStart(2, '0')}']`,
    pattern_type: 'stix', valid_from: '2026-11-01T00:00:00.000Z', object_marking_refs: [GREEN], ...extra,
  };
}

function row(obj: StixObject, block: number, msp = 'PnMSP'): ThreatRow {
  return rowFromObject(obj, { publisherMsp: msp, txId: `tx-${block}`, blockNumber: block, signatureVerified: true });
}

const backends = databaseBackends('store');

for (const backend of backends) {
  describe(`read model on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    async function fresh(): Promise<{ db: Database; store: ThreatStore }> {
      const db = await backend.open();
      await migrate(db);
      await migrate(db); // migrations run twice without harm
      return { db, store: new ThreatStore(db) };
    }

    test('a block and its checkpoint are applied once; replays are ignored', async () => {
      const { db, store } = await fresh();
      assert.equal(await store.checkpoint(), -1);
      assert.equal(await store.applyBlock(1, [row(indicator(1, '2026-11-02T00:00:00.000Z'), 1)]), true);
      assert.equal(await store.applyBlock(1, [row(indicator(1, '2026-11-02T00:00:00.000Z'), 1)]), false);
      assert.equal(await store.applyBlock(2, []), true);
      assert.equal(await store.checkpoint(), 2);
      const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM threat_versions');
      assert.equal(r.rows[0]?.n, 1);
      await db.close();
    });

    test('a failing block leaves neither rows nor checkpoint behind', async () => {
      const { db, store } = await fresh();
      const bad = row(indicator(2, '2026-11-02T00:00:00.000Z'), 1);
      (bad as { type: unknown }).type = null; // violates NOT NULL
      await assert.rejects(store.applyBlock(1, [row(indicator(1, '2026-11-02T00:00:00.000Z'), 1), bad]));
      assert.equal(await store.checkpoint(), -1);
      assert.equal(await store.get(indicator(1, '').id), undefined);
      await db.close();
    });

    test('newer versions replace the latest, older ones never do, all are kept in history', async () => {
      const { db, store } = await fresh();
      await store.applyBlock(1, [row(indicator(1, '2026-11-02T00:00:00.000Z'), 1)]);
      await store.applyBlock(2, [row(indicator(1, '2026-11-03T00:00:00.000Z', { name: 'v2' }), 2)]);
      await store.applyBlock(3, [row(indicator(1, '2026-11-02T12:00:00.000Z', { name: 'late old' }), 3)]);
      const latest = await store.get(indicator(1, '').id);
      assert.equal(latest?.name, 'v2');
      assert.equal(latest?.blockNumber, 2);
      assert.deepEqual((await store.versions(indicator(1, '').id)).map((v) => v.modified),
        ['2026-11-02T00:00:00.000Z', '2026-11-02T12:00:00.000Z', '2026-11-03T00:00:00.000Z']);
      await db.close();
    });

    test('search filters by type, publisher, time, text and area, newest first with cursors', async () => {
      const { db, store } = await fresh();
      const alertExt = 'extension-definition--1d6f7ac4-0b38-4d6b-8e43-3c1a3e8e6f21';
      const rows: ThreatRow[] = [];
      for (let i = 1; i <= 12; i++) rows.push(row(indicator(i, `2026-11-${String(i + 2).padStart(2, '0')}T00:00:00.000Z`), 1, i % 2 ? 'PnMSP' : 'PjMSP'));
      const located = row({
        type: 'location', spec_version: '2.1', id: 'location--00000000-0000-4000-8000-00000000aaaa', created: '2026-11-20T00:00:00.000Z',
        modified: '2026-11-20T00:00:00.000Z', name: 'Estadio Santiago Bernabéu', latitude: 40.4531, longitude: -3.6883, object_marking_refs: [GREEN],
      }, 1);
      rows.push(located);
      await store.applyBlock(1, rows);
      void alertExt;
      const ids = (rs: ThreatRow[]) => rs.map((r) => r.id.slice(-2));
      assert.deepEqual(ids(await store.search({ types: ['indicator'] }, null, 3)), ['12', '11', '10']);
      assert.equal((await store.search({ publisherMsps: ['PjMSP'] }, null, 100)).length, 6);
      assert.deepEqual(ids(await store.search({ types: ['indicator'], from: new Date('2026-11-05T00:00:00Z'), to: new Date('2026-11-06T00:00:00Z') }, null, 100)), ['04', '03']);
      assert.deepEqual(ids(await store.search({ text: 'CONTROLLER 7' }, null, 100)), ['07']);
      assert.deepEqual(ids(await store.search({ text: '100%_' }, null, 100)), [], 'LIKE wildcards in the text are literal');
      assert.deepEqual(ids(await store.search({ bbox: [-3.8, 40.3, -3.5, 40.6] }, null, 100)), ['aa']);
      assert.deepEqual(ids(await store.search({ bbox: [2.0, 41.0, 2.3, 41.5] }, null, 100)), []);
      const identity = row({ type: 'identity', spec_version: '2.1', id: 'identity--00000000-0000-4000-8000-00000000cccc', created: '2026-11-21T00:00:00.000Z', modified: '2026-11-21T00:00:00.000Z', name: 'Policía Nacional', identity_class: 'organization' }, 2);
      await store.applyBlock(2, [identity]);
      assert.ok(!ids(await store.search({}, null, 100)).includes('cc'), 'agencies\' identities are not listed as threats by default');
      assert.deepEqual(ids(await store.search({ types: ['identity'] }, null, 100)), ['cc'], 'but are when asked for by type');
      const many = await store.getMany([identity.id, 'indicator--00000000-0000-4000-8000-000000000003', 'indicator--00000000-0000-4000-8000-0000000000ff']);
      assert.deepEqual(ids(many).sort(), ['03', 'cc'], 'getMany: the rows held, unknown ids left out');
      assert.deepEqual(await store.getMany([]), []);
      const page1 = await store.search({ types: ['indicator'] }, null, 5);
      const last = page1.at(-1)!;
      const cursor = decodeCursor(encodeCursor({ modified: last.modified, id: last.id }));
      assert.deepEqual(ids(await store.search({ types: ['indicator'] }, cursor, 5)), ['07', '06', '05', '04', '03']);
      assert.equal(decodeCursor('not-a-cursor'), null);
      await db.close();
    });

    test('sightings are found by the object they sighted', async () => {
      const { db, store } = await fresh();
      const target = indicator(1, '2026-11-02T00:00:00.000Z');
      const sighting: StixObject = {
        type: 'sighting', spec_version: '2.1', id: 'sighting--00000000-0000-4000-8000-00000000bbbb', created: '2026-11-03T00:00:00.000Z',
        modified: '2026-11-03T00:00:00.000Z', sighting_of_ref: target.id, object_marking_refs: [GREEN],
      };
      await store.applyBlock(1, [row(target, 1), row(sighting, 1, 'MadMSP')]);
      const s = await store.sightingsOf(target.id);
      assert.deepEqual(s.map((r) => [r.id, r.publisherMsp]), [[sighting.id, 'MadMSP']]);
      await db.close();
    });

    test('what is withheld is remembered per object, the entries of a block in one statement; an id twice keeps its last entry', async () => {
      const { store } = await fresh();
      await store.recordWithheldMany([]);
      const a = indicator(801, '2026-11-02T00:00:00.000Z').id;
      const b = indicator(802, '2026-11-02T00:00:00.000Z').id;
      await store.recordWithheldMany([
        { id: a, facts: { tlp: 'red', version: 1 }, decision: { rule: 'tlp', reasons: ['RED'] }, blockNumber: 5 },
        { id: b, facts: { tlp: 'amber' }, decision: { rule: 'audience', reasons: ['not in the audience'] }, blockNumber: 5 },
        { id: a, facts: { tlp: 'red', version: 2 }, decision: { rule: 'tlp', reasons: ['RED, again'] }, blockNumber: 5 },
      ]);
      assert.deepEqual(await store.withheld(a), { facts: { tlp: 'red', version: 2 }, decision: { rule: 'tlp', reasons: ['RED, again'] } });
      assert.deepEqual(await store.withheld(b), { facts: { tlp: 'amber' }, decision: { rule: 'audience', reasons: ['not in the audience'] } });
      await store.recordWithheldMany([{ id: b, facts: { tlp: 'amber', later: true }, decision: { rule: 'audience', reasons: [] }, blockNumber: 9 }]);
      assert.deepEqual((await store.withheld(b))?.facts, { tlp: 'amber', later: true }, 'a later block replaces the entry');
      assert.equal(await store.withheld(indicator(803, '2026-11-02T00:00:00.000Z').id), undefined);
    });
  });
}
