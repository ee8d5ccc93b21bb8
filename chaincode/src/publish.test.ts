import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TLP, alertExtensionDefinition, popartIdentity, sha256Hex, type StixObject } from '@popart/schemas';
import { INLINE_OBJECT_MAX_BYTES, type ObjectRecord, type Receipt } from './records.js';
import {
  AGENCIES, TestLedger, alertFixture, bundleJson, indicatorFixture, registerAgencies, run, showKey,
} from './testing.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';

const { pn, pj, mad } = AGENCIES;
const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-02T10:00:00.000Z';
const IND = '1c0b7d4e-6f3a-4b2c-9d8e-7f6a5b4c3d01';
const ALERT = '2d1c8e5f-7a4b-4c3d-8e9f-8a7b6c5d4e02';

async function ledgerWithAgencies(): Promise<TestLedger> {
  const ledger = new TestLedger(new ThreatExchangeContract());
  await registerAgencies(ledger);
  return ledger;
}

function receiptOf(result: string | undefined): Receipt {
  return JSON.parse(result ?? 'null') as Receipt;
}

describe('PublishBundle', () => {
  it('stores each object with its version and indexes, and announces them in one event', async () => {
    const ledger = await ledgerWithAgencies();
    const indicator = indicatorFixture({ uuid: IND, createdBy: pn.identity.id });
    const alert = alertFixture({ uuid: ALERT, createdBy: pn.identity.id, latitude: 40.453, longitude: -3.688, audience: [mad.identity.id] });
    const r = await run(ledger.contract, ledger.state, pn.mspId, 'PublishBundle', [bundleJson([indicator, alert])], T1, { txId: 'tx-pub' });
    assert.equal(r.error, undefined);
    assert.deepEqual(receiptOf(r.result), {
      txId: 'tx-pub',
      objects: [
        { id: indicator.id, type: 'indicator', modified: indicator.modified, status: 'created' },
        { id: alert.id, type: 'incident', modified: alert.modified, status: 'created' },
      ],
    });

    const recordOf = (object: StixObject): ObjectRecord =>
      ({ object, publisher_msp: 'PnMSP', tx_id: 'tx-pub', committed_at: T1, hash: sha256Hex(object) });
    const bbox = r.event?.payload.objects[1]?.bbox;
    assert.ok(bbox);
    const [minLon, minLat, maxLon, maxLat] = bbox;
    assert.ok(minLon < -3.688 && maxLon > -3.688 && minLat < 40.453 && maxLat > 40.453);
    const indEntry = { id: indicator.id, type: 'indicator', modified: indicator.modified, bbox: null };
    const alertEntry = { id: alert.id, type: 'incident', modified: alert.modified, bbox };
    const iv = '2025-01-01T00:00:00.000000000Z';
    const av = '2025-01-01T12:00:00.000000000Z';
    assert.deepEqual(r.writes.map((w) => ({ key: showKey(w.key), value: w.value })), [
      { key: `obj~${indicator.id}`, value: recordOf(indicator) },
      { key: `/ver/${indicator.id}/${iv}/`, value: recordOf(indicator) },
      { key: `/idx-type/indicator/${iv}/${indicator.id}/`, value: indEntry },
      { key: `/idx-time/${iv}/${indicator.id}/`, value: indEntry },
      { key: `obj~${alert.id}`, value: recordOf(alert) },
      { key: `/ver/${alert.id}/${av}/`, value: recordOf(alert) },
      { key: `/idx-type/incident/${av}/${alert.id}/`, value: alertEntry },
      { key: `/idx-time/${av}/${alert.id}/`, value: alertEntry },
    ]);

    assert.deepEqual(r.event, {
      name: 'popart.objects',
      payload: {
        tx_id: 'tx-pub',
        publisher_msp: 'PnMSP',
        objects: [
          {
            id: indicator.id, type: 'indicator', modified: indicator.modified, tlp: null, audience: [], area: null, bbox: null,
            severity: null, category: null, created_by_ref: pn.identity.id, revoked: false, object: indicator,
          },
          {
            id: alert.id, type: 'incident', modified: alert.modified, tlp: 'green', audience: [mad.identity.id],
            area: { shape: 'circle', latitude: 40.453, longitude: -3.688, radius_m: 500 }, bbox,
            severity: 'high', category: 'drone', created_by_ref: pn.identity.id, revoked: false, object: alert,
          },
        ],
      },
    });
  });

  it('announces an object over INLINE_OBJECT_MAX_BYTES without its content (listeners read it with ReadObject)', async () => {
    const ledger = await ledgerWithAgencies();
    const small = indicatorFixture({ uuid: IND, createdBy: pn.identity.id });
    const large = { ...alertFixture({ uuid: ALERT, createdBy: pn.identity.id, latitude: 40.45, longitude: -3.69 }), description: 'x'.repeat(INLINE_OBJECT_MAX_BYTES) };
    const r = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([small, large])], T1);
    assert.equal(r.error, undefined);
    const [first, second] = r.event?.payload.objects ?? [];
    assert.deepEqual(first?.object, small);
    assert.equal(second?.id, large.id);
    assert.equal(second?.object, undefined);
    const read = await ledger.evaluate<ObjectRecord>(mad.mspId, 'ReadObject', [large.id, '']);
    assert.equal(read.object.description, large.description);
  });

  it('rejects an invalid bundle with every issue and writes nothing', async () => {
    const ledger = await ledgerWithAgencies();
    const bad1 = { ...indicatorFixture({ uuid: IND, createdBy: pn.identity.id }), pattern_type: undefined, valid_from: 'yesterday' };
    const bad2 = { ...indicatorFixture({ uuid: ALERT }), id: 'indicator--nope' };
    const r = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([bad1, bad2])], T1);
    assert.equal(r.contractError?.code, 'INVALID_BUNDLE');
    const issues = r.contractError?.details as { objectIndex: number; property: string }[];
    assert.ok(issues.length >= 3, JSON.stringify(issues));
    assert.ok(issues.some((i) => i.objectIndex === 0 && i.property === 'pattern_type'));
    assert.ok(issues.some((i) => i.objectIndex === 0 && i.property === 'valid_from'));
    assert.ok(issues.some((i) => i.objectIndex === 1 && i.property === 'id'));
    assert.deepEqual(r.rwSet.writes, []);
    assert.equal(r.rwSet.event, null);
  });

  it('rejects malformed JSON', async () => {
    const ledger = await ledgerWithAgencies();
    const r = await ledger.submit(pn.mspId, 'PublishBundle', ['{"type":"bundle",'], T1);
    assert.equal(r.contractError?.code, 'MALFORMED_JSON');
    assert.equal((r.contractError?.details as { property: string }).property, 'bundle');
    assert.deepEqual(r.rwSet.writes, []);
  });

  it('rejects a caller that is not a registered agency', async () => {
    const ledger = await ledgerWithAgencies();
    const r = await ledger.submit('RogueMSP', 'PublishBundle', [bundleJson([indicatorFixture({ uuid: IND })])], T1);
    assert.equal(r.contractError?.code, 'UNKNOWN_AGENCY');
    assert.deepEqual(r.rwSet.writes, []);
  });

  it('rejects an object claiming another agency as creator, writing nothing of the bundle', async () => {
    const ledger = await ledgerWithAgencies();
    const own = indicatorFixture({ uuid: ALERT, createdBy: pn.identity.id });
    const spoofed = indicatorFixture({ uuid: IND, createdBy: pj.identity.id });
    const r = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([own, spoofed])], T1);
    assert.equal(r.contractError?.code, 'SPOOFED_CREATOR');
    assert.deepEqual(r.contractError?.details, { objectId: spoofed.id, property: 'created_by_ref', msp_id: 'PjMSP' });
    assert.deepEqual(r.rwSet.writes, []);
    assert.equal(r.rwSet.event, null);
  });

  it('rejects an identity object carrying another agency\'s registered id', async () => {
    const ledger = await ledgerWithAgencies();
    const fake = { ...pj.identity, name: 'Polícia Judiciária (fake)', modified: T1 };
    const r = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([fake])], T1);
    assert.equal(r.contractError?.code, 'SPOOFED_CREATOR');
    assert.deepEqual(r.contractError?.details, { objectId: pj.identity.id, property: 'id', msp_id: 'PjMSP' });
  });

  it('keeps the producer of foreign STIX whose identity is in the bundle or on the ledger', async () => {
    const ledger = await ledgerWithAgencies();
    const vendor: StixObject = {
      type: 'identity', spec_version: '2.1', id: 'identity--5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
      created: '2024-06-01T00:00:00.000Z', modified: '2024-06-01T00:00:00.000Z', name: 'Drone CERT', identity_class: 'organization',
    };
    const foreign = indicatorFixture({ uuid: IND, createdBy: vendor.id });
    const receipt = await ledger.ok<Receipt>(pj.mspId, 'PublishBundle', [bundleJson([vendor, foreign])], T1);
    assert.deepEqual(receipt.objects.map((o) => o.status), ['created', 'created']);
    const stored = await ledger.evaluate<ObjectRecord>(mad.mspId, 'ReadObject', [foreign.id, '']);
    assert.equal(stored.publisher_msp, 'PjMSP');
    assert.equal(stored.object.created_by_ref, vendor.id);

    // Later bundles may refer to the stored producer without repeating it, and may repeat it unchanged.
    const second = indicatorFixture({ uuid: ALERT, createdBy: vendor.id });
    const again = await ledger.ok<Receipt>(pn.mspId, 'PublishBundle', [bundleJson([vendor, second])], T2);
    assert.deepEqual(again.objects.map((o) => o.status), ['unchanged', 'created']);

    // A producer that is nowhere is a dangling reference.
    const dangling = indicatorFixture({ uuid: '3e2d9f6a-8b5c-4d4e-9fa0-9b8c7d6e5f03', createdBy: 'identity--6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c' });
    const r = await ledger.submit(pj.mspId, 'PublishBundle', [bundleJson([dangling])], T2);
    assert.equal(r.contractError?.code, 'INVALID_BUNDLE');
    assert.deepEqual((r.contractError?.details as { property: string }[]).map((i) => i.property), ['created_by_ref']);
  });

  it('accepts objects without created_by_ref, recording the publisher MSP', async () => {
    const ledger = await ledgerWithAgencies();
    const anonymous = indicatorFixture({ uuid: IND });
    await ledger.ok(mad.mspId, 'PublishBundle', [bundleJson([anonymous])], T1);
    assert.equal((await ledger.evaluate<ObjectRecord>(pn.mspId, 'ReadObject', [anonymous.id, ''])).publisher_msp, 'MadMSP');
  });

  it('stores TLP markings and the alert extension definition once, from any agency', async () => {
    const ledger = await ledgerWithAgencies();
    const reference = [TLP.green, TLP.amber, popartIdentity, alertExtensionDefinition];
    const first = await ledger.ok<Receipt>(pn.mspId, 'PublishBundle', [bundleJson(reference)], T1);
    assert.deepEqual(first.objects.map((o) => o.status), ['created', 'created', 'created', 'created']);
    const alert = alertFixture({ uuid: ALERT, createdBy: pj.identity.id, latitude: 38.72, longitude: -9.14 });
    const second = await ledger.submit(pj.mspId, 'PublishBundle', [bundleJson([TLP.green, alertExtensionDefinition, alert])], T2);
    assert.equal(second.error, undefined);
    assert.deepEqual(receiptOf(second.result).objects.map((o) => o.status), ['unchanged', 'unchanged', 'created']);
    assert.deepEqual(second.event?.payload.objects.map((o) => o.id), [alert.id]);
  });

  it('versions objects: stale, idempotent duplicate, conflict, update, creator only', async () => {
    const ledger = await ledgerWithAgencies();
    const v1 = indicatorFixture({ uuid: IND, createdBy: pn.identity.id, modified: '2025-03-01T00:00:00.000Z' });
    await ledger.ok(pn.mspId, 'PublishBundle', [bundleJson([v1])], T1);

    const dup = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([v1])], T2);
    assert.equal(dup.error, undefined);
    assert.deepEqual(receiptOf(dup.result).objects, [{ id: v1.id, type: 'indicator', modified: v1.modified, status: 'unchanged' }]);
    assert.deepEqual(dup.rwSet.writes, []);
    assert.equal(dup.rwSet.event, null);

    const conflicting = { ...v1, name: 'Something else' };
    const conflict = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([conflicting])], T2);
    assert.equal(conflict.contractError?.code, 'VERSION_CONFLICT');
    assert.deepEqual(conflict.rwSet.writes, []);

    const stale = { ...v1, name: 'Older', modified: '2025-02-01T00:00:00.000Z' };
    const staleR = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([stale])], T2);
    assert.equal(staleR.contractError?.code, 'STALE_VERSION');
    assert.deepEqual(staleR.contractError?.details, { objectId: v1.id, property: 'modified', latest_modified: v1.modified });

    const v2 = { ...v1, name: 'Renamed', modified: '2025-03-01T00:00:00.5Z' };
    const byOther = await ledger.submit(pj.mspId, 'PublishBundle', [bundleJson([{ ...v2, created_by_ref: pj.identity.id }])], T2);
    assert.equal(byOther.contractError?.code, 'NOT_CREATOR');
    assert.deepEqual(byOther.contractError?.details, { objectId: v1.id, property: 'id', publisher_msp: 'PnMSP' });

    const updated = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([v2])], T2);
    assert.deepEqual(receiptOf(updated.result).objects.map((o) => o.status), ['updated']);
    const oldKey = '2025-03-01T00:00:00.000000000Z';
    const newKey = '2025-03-01T00:00:00.500000000Z';
    assert.deepEqual(updated.writes.map((w) => [showKey(w.key), w.value === null]), [
      [`obj~${v1.id}`, false],
      [`/ver/${v1.id}/${newKey}/`, false],
      [`/idx-type/indicator/${oldKey}/${v1.id}/`, true],
      [`/idx-time/${oldKey}/${v1.id}/`, true],
      [`/idx-type/indicator/${newKey}/${v1.id}/`, false],
      [`/idx-time/${newKey}/${v1.id}/`, false],
    ]);

    // Replaying the first version after the update is harmless.
    const replay = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([v1])], T2);
    assert.deepEqual(receiptOf(replay.result).objects.map((o) => o.status), ['unchanged']);
    assert.deepEqual(replay.rwSet.writes, []);
  });

  it('stores cyber observables, which have no version, once: identical again is unchanged, different is a conflict', async () => {
    const ledger = await ledgerWithAgencies();
    const mac: StixObject = { type: 'mac-addr', spec_version: '2.1', id: 'mac-addr--6a7b8c9d-0e1f-5a2b-8c3d-4e5f6a7b8c9d', value: '60:60:1f:00:00:01' };
    const first = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([mac])], T1);
    assert.equal(first.error, undefined);
    assert.deepEqual(receiptOf(first.result).objects, [{ id: mac.id, type: 'mac-addr', modified: null, status: 'created' }]);
    assert.ok(first.writes.some((w) => showKey(w.key) === `/ver/${mac.id}/0000-00-00T00:00:00.000000000Z/`));
    const again = await ledger.submit(pj.mspId, 'PublishBundle', [bundleJson([mac])], T2);
    assert.deepEqual(receiptOf(again.result).objects.map((o) => o.status), ['unchanged']);
    const changed = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([{ ...mac, value: '60:60:1f:00:00:02' }])], T2);
    assert.equal(changed.contractError?.code, 'VERSION_CONFLICT');
  });

  it('rejects a bundle listing the same id twice', async () => {
    const ledger = await ledgerWithAgencies();
    const a = indicatorFixture({ uuid: IND, createdBy: pn.identity.id });
    const b = { ...a, modified: T1 };
    const r = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([a, b])], T1);
    assert.equal(r.contractError?.code, 'INVALID_BUNDLE');
    assert.deepEqual(r.rwSet.writes, []);
  });

  it('is deterministic: same state, inputs and timestamp give byte-identical write sets and events', async () => {
    const bundle = bundleJson([
      indicatorFixture({ uuid: IND, createdBy: pn.identity.id }),
      alertFixture({ uuid: ALERT, createdBy: pn.identity.id, latitude: 40.4, longitude: -3.7, audience: [mad.identity.id, pj.identity.id] }),
    ]);
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const ledger = await ledgerWithAgencies();
      runs.push(await run(ledger.contract, ledger.state, pn.mspId, 'PublishBundle', [bundle], T1, { txId: 'tx-same' }));
    }
    const [a, b] = runs;
    assert.ok(a && b);
    assert.deepEqual(a.rwSet, b.rwSet);
    assert.ok(a.rwSet.writes.length > 0 && a.rwSet.event !== null);
    const bytes = (r: typeof a): string => r.rwSet.writes.map((w) => `${w.key}=${Buffer.from(w.value ?? []).toString('hex')}`).join(';') + (r.rwSet.event ? Buffer.from(r.rwSet.event.payload).toString('hex') : '');
    assert.equal(bytes(a), bytes(b));
  });
});
