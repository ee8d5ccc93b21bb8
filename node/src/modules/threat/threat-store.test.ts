/**
 * The read model's SQL, run on PGlite and on a real PostgreSQL server: the same tests, both backends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ALERT_EXTENSION_ID, type StixObject } from '@popart/schemas';
import { isEventRow, isEventSubject } from '../misp-feed/misp-event.js';
import { pointsAt } from '../misp-feed/misp-feed-index.js';
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

    test('outlines are the rows search gives, in its order and pages, and say what the whole objects say of references and events', async () => {
      const { db, store } = await fresh();
      const T = (d: number): string => `2026-11-${String(d).padStart(2, '0')}T00:00:00.000Z`;
      const base = { spec_version: '2.1', created: T(1), object_marking_refs: [GREEN] };
      const area = { shape: 'circle', latitude: 40.4, longitude: -3.7, radius_m: 300 };
      const ext = { extension_type: 'property-extension' as const, category: 'drone', severity: 'high', detection_confidence: 80, sensor_kind: 'remote-id',
        area, venue: 'Sol', expires: T(2), guidance: 'Keep away.' };
      const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const i1 = indicator(1, T(2));
      const objects: StixObject[] = [
        i1,
        { ...base, type: 'incident', id: `incident--${uuid(2)}`, modified: T(3), name: 'drone', extensions: { [ALERT_EXTENSION_ID]: ext } },
        // An alert extension that does not validate: not an event, as with the whole object.
        { ...base, type: 'incident', id: `incident--${uuid(3)}`, modified: T(4), name: 'broken', extensions: { [ALERT_EXTENSION_ID]: { ...ext, severity: 'apocalyptic' } } },
        { ...base, type: 'relationship', id: `relationship--${uuid(4)}`, modified: T(5), relationship_type: 'indicates', source_ref: i1.id, target_ref: `incident--${uuid(2)}` },
        { ...base, type: 'sighting', id: `sighting--${uuid(5)}`, modified: T(6), sighting_of_ref: i1.id, where_sighted_refs: [`location--${uuid(9)}`] },
        { ...base, type: 'report', id: `report--${uuid(6)}`, modified: T(7), name: 'weekly', published: T(7), object_refs: [i1.id, `incident--${uuid(2)}`] },
        { ...base, type: 'note', id: `note--${uuid(7)}`, modified: T(8), content: 'seen twice', object_refs: [`incident--${uuid(2)}`] },
        // A reference that is not a string (hostile input) is no reference in either.
        { ...base, type: 'relationship', id: `relationship--${uuid(8)}`, modified: T(9), relationship_type: 'related-to', source_ref: 42, target_ref: i1.id } as unknown as StixObject,
        { ...indicator(10, T(10)), revoked: true },
      ];
      await store.applyBlock(1, objects.map((o) => row(o, 1)));
      const whole = await store.search({}, null, 100);
      const outlines = await store.outlines({}, null, 100);
      assert.deepEqual(outlines.map((o) => [o.id, o.modified, o.revoked]), whole.map((r) => [r.id, r.modified, r.revoked]), 'the same rows, in the same order');
      assert.equal(outlines.length, objects.length - 1, 'the revoked one is left out by both');
      for (const [k, o] of outlines.entries()) {
        const r = whole[k] as ThreatRow;
        assert.deepEqual(pointsAt(o.stix), pointsAt(r.stix), `${o.id}: the same references`);
        assert.equal(isEventRow(o), isEventSubject(r.stix), `${o.id}: an event by its outline exactly when the whole object is one`);
        assert.equal(isEventRow(r), isEventSubject(r.stix), `${o.id}: and by its whole row`);
        assert.equal(o.stix.name, undefined, `${o.id}: no content`);
      }
      assert.deepEqual(outlines.filter((o) => isEventRow(o)).map((o) => o.id), [`report--${uuid(6)}`, `incident--${uuid(2)}`]);
      // Paged as search pages.
      const first = await store.outlines({}, null, 3);
      const last = first.at(-1) as { id: string; modified: string };
      assert.deepEqual((await store.outlines({}, { id: last.id, modified: last.modified }, 3)).map((o) => o.id),
        (await store.search({}, { id: last.id, modified: last.modified }, 3)).map((r) => r.id));
      await db.close();
    });
  });
}
