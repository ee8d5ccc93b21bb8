import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectRecord, Receipt } from './records.js';
import {
  AGENCIES, TestLedger, bundleJson, indicatorFixture, registerAgencies, showKey, sightingFixture,
} from './testing.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';

const { pn, pj, mad } = AGENCIES;
const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-02T10:00:00.000Z';
const T3 = '2025-03-03T10:00:00.000Z';
const IND = '1c0b7d4e-6f3a-4b2c-9d8e-7f6a5b4c3d01';
const SIGHT = '4f3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a04';

async function ledgerWithIndicator(): Promise<{ ledger: TestLedger; indicatorId: string }> {
  const ledger = new TestLedger(new ThreatExchangeContract());
  await registerAgencies(ledger);
  const indicator = indicatorFixture({ uuid: IND, createdBy: pn.identity.id, modified: '2025-03-01T00:00:00.000Z' });
  await ledger.ok(pn.mspId, 'PublishBundle', [bundleJson([indicator])], T1);
  return { ledger, indicatorId: indicator.id };
}

describe('RevokeObject', () => {
  it('lets the creator revoke: a new version with revoked true and modified = transaction time', async () => {
    const { ledger, indicatorId } = await ledgerWithIndicator();
    const r = await ledger.submit(pn.mspId, 'RevokeObject', [indicatorId], T2);
    assert.equal(r.error, undefined);
    assert.deepEqual((JSON.parse(r.result ?? '') as Receipt).objects, [{ id: indicatorId, type: 'indicator', modified: T2, status: 'updated' }]);
    const latest = await ledger.evaluate<ObjectRecord>(mad.mspId, 'ReadObject', [indicatorId, '']);
    assert.equal(latest.object.revoked, true);
    assert.equal(latest.object.modified, T2);
    assert.equal(latest.committed_at, T2);
    assert.equal(r.event?.payload.objects[0]?.revoked, true);
    assert.ok(r.writes.some((w) => showKey(w.key) === `/ver/${indicatorId}/2025-03-02T10:00:00.000000000Z/`));

    // Nothing after revocation: neither a second revocation nor a new version.
    assert.equal((await ledger.submit(pn.mspId, 'RevokeObject', [indicatorId], T3)).contractError?.code, 'INVALID_ARGUMENT');
    const v3 = indicatorFixture({ uuid: IND, createdBy: pn.identity.id, modified: T3 });
    const after = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([v3])], T3);
    assert.equal(after.contractError?.code, 'STALE_VERSION');
    assert.equal((after.contractError?.details as { property: string }).property, 'revoked');
  });

  it('refuses others, unknown ids and a transaction time not after the latest version', async () => {
    const { ledger, indicatorId } = await ledgerWithIndicator();
    const other = await ledger.submit(pj.mspId, 'RevokeObject', [indicatorId], T2);
    assert.equal(other.contractError?.code, 'NOT_CREATOR');
    assert.deepEqual(other.rwSet.writes, []);
    assert.equal((await ledger.submit(pn.mspId, 'RevokeObject', ['indicator--00000000-0000-4000-8000-000000000000'], T2)).contractError?.code, 'NOT_FOUND');
    const early = await ledger.submit(pn.mspId, 'RevokeObject', [indicatorId], '2025-02-01T00:00:00.000Z');
    assert.equal(early.contractError?.code, 'STALE_VERSION');
    assert.deepEqual(early.rwSet.writes, []);
  });
});

describe('RecordSighting', () => {
  it('records another agency\'s sighting of an existing object, indexed by the sighted object', async () => {
    const { ledger, indicatorId } = await ledgerWithIndicator();
    const sighting = sightingFixture({ uuid: SIGHT, sightedId: indicatorId, createdBy: pj.identity.id, modified: T2 });
    const r = await ledger.submit(pj.mspId, 'RecordSighting', [JSON.stringify(sighting)], T2);
    assert.equal(r.error, undefined);
    assert.deepEqual((JSON.parse(r.result ?? '') as Receipt).objects, [{ id: sighting.id, type: 'sighting', modified: T2, status: 'created' }]);
    assert.deepEqual(r.writes.map((w) => showKey(w.key)), [
      `obj~${sighting.id}`,
      `/ver/${sighting.id}/2025-03-02T10:00:00.000000000Z/`,
      `/idx-type/sighting/2025-03-02T10:00:00.000000000Z/${sighting.id}/`,
      `/idx-time/2025-03-02T10:00:00.000000000Z/${sighting.id}/`,
      `/idx-sighting/${indicatorId}/${sighting.id}/`,
    ]);
    assert.equal(r.event?.payload.publisher_msp, 'PjMSP');
    assert.deepEqual(r.event?.payload.objects.map((o) => [o.id, o.created_by_ref]), [[sighting.id, pj.identity.id]]);

    const sightings = await ledger.evaluate<ObjectRecord[]>(mad.mspId, 'GetSightings', [indicatorId]);
    assert.deepEqual(sightings.map((s) => [s.object.id, s.publisher_msp]), [[sighting.id, 'PjMSP']]);
  });

  it('updates a sighting as a new version by the same agency', async () => {
    const { ledger, indicatorId } = await ledgerWithIndicator();
    const s1 = sightingFixture({ uuid: SIGHT, sightedId: indicatorId, createdBy: pj.identity.id, modified: T2 });
    await ledger.ok(pj.mspId, 'RecordSighting', [JSON.stringify(s1)], T2);
    const s2 = { ...s1, count: 3, modified: T3 };
    const receipt = await ledger.ok<Receipt>(pj.mspId, 'RecordSighting', [JSON.stringify(s2)], T3);
    assert.equal(receipt.objects[0]?.status, 'updated');
    const sightings = await ledger.evaluate<ObjectRecord[]>(mad.mspId, 'GetSightings', [indicatorId]);
    assert.deepEqual(sightings.map((s) => s.object.count), [3]);
  });

  it('refuses a sighting of a missing object, or created by someone else, writing nothing', async () => {
    const { ledger, indicatorId } = await ledgerWithIndicator();
    const missing = sightingFixture({ uuid: SIGHT, sightedId: 'indicator--00000000-0000-4000-8000-000000000000', createdBy: pj.identity.id });
    const r1 = await ledger.submit(pj.mspId, 'RecordSighting', [JSON.stringify(missing)], T2);
    assert.equal(r1.contractError?.code, 'NOT_FOUND');
    assert.deepEqual(r1.contractError?.details, { objectId: missing.id, property: 'sighting_of_ref' });
    const spoofed = sightingFixture({ uuid: SIGHT, sightedId: indicatorId, createdBy: pn.identity.id });
    const r2 = await ledger.submit(pj.mspId, 'RecordSighting', [JSON.stringify(spoofed)], T2);
    assert.equal(r2.contractError?.code, 'SPOOFED_CREATOR');
    const anonymous = sightingFixture({ uuid: SIGHT, sightedId: indicatorId });
    assert.equal((await ledger.submit(pj.mspId, 'RecordSighting', [JSON.stringify(anonymous)], T2)).contractError?.code, 'SPOOFED_CREATOR');
    const notSighting = indicatorFixture({ uuid: SIGHT, createdBy: pj.identity.id });
    assert.equal((await ledger.submit(pj.mspId, 'RecordSighting', [JSON.stringify(notSighting)], T2)).contractError?.code, 'INVALID_ARGUMENT');
    assert.equal((await ledger.submit('RogueMSP', 'RecordSighting', [JSON.stringify(missing)], T2)).contractError?.code, 'UNKNOWN_AGENCY');
    for (const r of [r1, r2]) assert.deepEqual(r.rwSet.writes, []);
    assert.deepEqual(await ledger.evaluate<ObjectRecord[]>(mad.mspId, 'GetSightings', [indicatorId]), []);
  });
});
