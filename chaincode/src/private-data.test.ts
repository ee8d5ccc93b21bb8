import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex, TLP, type StixObject } from '@popart/schemas';
import type { PrivateEntry } from './private-data.js';
import type { ObjectRecord } from './records.js';
import { AGENCIES, TestLedger, alertFixture, bundleJson, indicatorFixture, registerAgencies } from './testing.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';
import { HASHED_PREFIX } from './tx-context.js';

const { pn, pj, mad, crm } = AGENCIES;
const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-02T10:00:00.000Z';

function marked(object: StixObject, tlp: keyof typeof TLP, extra: Record<string, unknown> = {}): StixObject {
  return { ...object, object_marking_refs: [TLP[tlp].id], ...extra };
}

const redIndicator = marked(indicatorFixture({ uuid: '9a1e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a01', createdBy: pn.identity.id, name: 'RED-SECRET informant drone', mac: '60:60:1f:aa:bb:01' }), 'red');
const amberAlert = marked(alertFixture({ uuid: '9a1e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a02', createdBy: pn.identity.id, latitude: 40.45, longitude: -3.69, audience: [pj.identity.id], severity: 'high' }), 'amber');
const greenIndicator = marked(indicatorFixture({ uuid: '9a1e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a03', createdBy: pn.identity.id }), 'green');

async function ledger(): Promise<TestLedger> {
  const l = new TestLedger(new ThreatExchangeContract());
  await registerAgencies(l);
  return l;
}

const heldText = (l: TestLedger, msp: string): string => l.privateState.heldBy(msp).map((e) => Buffer.from(e.value).toString('utf8')).join('\n');

describe('private data by TLP 2.0', () => {
  it('TLP:RED: content only in the publisher\'s collection, written with no public key; the channel gets the stub and the hash', async () => {
    const l = await ledger();
    const { stored, published } = await l.publishSplit(pn.mspId, [redIndicator, greenIndicator], T1);
    assert.equal(stored.error, undefined, stored.error?.message);
    // Step 1 writes only hashes of private values (Fabric: only the collection's member endorses it), no event.
    assert.ok(stored.rwSet.writes.length > 0 && stored.rwSet.writes.every((w) => w.key.startsWith(HASHED_PREFIX)));
    assert.equal(stored.event, null);
    assert.deepEqual([...new Set(stored.rwSet.privateWrites.map((w) => w.collection))], ['private-PnMSP']);
    assert.match(heldText(l, pn.mspId), /RED-SECRET/);
    for (const other of [pj, mad, crm]) assert.equal(l.privateState.heldBy(other.mspId).length, 0, `${other.mspId} holds nothing`);

    assert.equal(published?.error, undefined, published?.error?.message);
    const onChannel = JSON.stringify(published?.rwSet.writes.map((w) => [w.key, w.value ? Buffer.from(w.value).toString('utf8') : null]));
    assert.doesNotMatch(onChannel, /RED-SECRET|60:60:1f:aa:bb:01/, 'no RED content in the public writes');
    const announced = published?.event?.payload.objects.map((o) => [o.id, o.tlp]);
    assert.deepEqual(announced, [[greenIndicator.id, 'green'], [redIndicator.id, 'red']]);

    const own = await l.evaluate<ObjectRecord>(pn.mspId, 'ReadObject', [redIndicator.id, '']);
    assert.deepEqual(own.object, redIndicator, 'pn reads its RED object whole');
    assert.equal(own.hash, sha256Hex(redIndicator));
    const refused = await l.submit(pj.mspId, 'ReadObject', [redIndicator.id, ''], T2);
    assert.equal(refused.contractError?.code, 'NOT_AVAILABLE');
    assert.match(refused.error?.message ?? '', /not available to your organisation \(PjMSP\)/);
    assert.equal((refused.contractError?.details as { hash: string }).hash, sha256Hex(redIndicator), 'the hash is told, not the content');
    // What every organisation can read of it: the stub and the hash.
    const history = await l.evaluate<ObjectRecord[]>(mad.mspId, 'GetHistory', [redIndicator.id]);
    assert.deepEqual(Object.keys(history[0]?.object ?? {}).sort(), ['created', 'created_by_ref', 'id', 'modified', 'object_marking_refs', 'spec_version', 'type']);
    assert.deepEqual(history[0]?.private, { collections: ['private-PnMSP'] });
    assert.equal(history[0]?.hash, sha256Hex(redIndicator));
  });

  it('TLP:AMBER: content in the publisher\'s and each audience agency\'s collection, no other; announced with its audience and area', async () => {
    const l = await ledger();
    const { stored, published } = await l.publishSplit(pn.mspId, [amberAlert], T1);
    assert.equal(stored.error ?? published?.error, undefined);
    assert.deepEqual([...new Set(stored.rwSet.privateWrites.map((w) => w.collection))].sort(), ['private-PjMSP', 'private-PnMSP']);
    assert.deepEqual((await l.evaluate<ObjectRecord>(pj.mspId, 'ReadObject', [amberAlert.id, ''])).object, amberAlert);
    for (const other of [mad, crm]) {
      assert.equal(l.privateState.heldBy(other.mspId).length, 0);
      assert.equal((await l.submit(other.mspId, 'ReadObject', [amberAlert.id, ''], T2)).contractError?.code, 'NOT_AVAILABLE');
    }
    const a = published?.event?.payload.objects[0];
    assert.equal(a?.tlp, 'amber');
    assert.deepEqual(a?.audience, [pj.identity.id]);
    assert.equal(a?.severity, 'high');
    assert.ok(a?.bbox, 'the area is announced, computed by the contract from the content');
  });

  it('runs the checks of PublishBundle on private objects: STIX, anti-spoofing, marking; and refuses private content in clear', async () => {
    const l = await ledger();
    const spoofed = marked(indicatorFixture({ uuid: '9a1e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a04', createdBy: pn.identity.id }), 'red');
    assert.equal((await l.publishSplit(pj.mspId, [spoofed], T1)).stored.contractError?.code, 'SPOOFED_CREATOR');
    const bad = { ...redIndicator, pattern: 'not a pattern' };
    assert.equal((await l.publishSplit(pn.mspId, [bad], T1)).stored.contractError?.code, 'INVALID_BUNDLE');
    const green = await l.submit(pn.mspId, 'StorePrivateObjects', [], T1, { bundle: bundleJson([greenIndicator]) });
    assert.equal(green.contractError?.code, 'INVALID_BUNDLE');
    assert.deepEqual((green.contractError?.details as { property: string }[]).map((i) => i.property), ['object_marking_refs']);
    const none = await l.submit(pn.mspId, 'StorePrivateObjects', [], T1);
    assert.equal(none.contractError?.code, 'INVALID_ARGUMENT');
    const inClear = await l.submit(pn.mspId, 'PublishBundle', [bundleJson([greenIndicator, redIndicator])], T1);
    assert.equal(inClear.contractError?.code, 'INVALID_BUNDLE');
    assert.deepEqual((inClear.contractError?.details as { objectId: string; property: string }[]).map((i) => [i.objectId, i.property]), [[redIndicator.id, 'object_marking_refs']]);
    assert.deepEqual(inClear.rwSet.writes, []);
  });

  it('PublishBundleWithPrivate accepts only the entries StorePrivateObjects stored in the caller\'s collection', async () => {
    const l = await ledger();
    const stored = await l.submit(pn.mspId, 'StorePrivateObjects', [], T1, { bundle: bundleJson([amberAlert]) });
    const [entry] = (JSON.parse(stored.result ?? '{}') as { entries: PrivateEntry[] }).entries;
    assert.ok(entry);
    const forged = { ...entry, announcement: { ...entry.announcement, audience: [pj.identity.id, mad.identity.id] } };
    const r = await l.submit(pn.mspId, 'PublishBundleWithPrivate', ['', JSON.stringify([forged])], T1);
    assert.equal(r.contractError?.code, 'INVALID_ARGUMENT');
    assert.match(r.error?.message ?? '', /does not match what StorePrivateObjects stored in private-PnMSP/);
    // Another agency cannot announce pn's entry as its own (it is looked for in its own collection).
    assert.equal((await l.submit(pj.mspId, 'PublishBundleWithPrivate', ['', JSON.stringify([entry])], T1)).contractError?.code, 'INVALID_ARGUMENT');
    const ok = await l.submit(pn.mspId, 'PublishBundleWithPrivate', ['', JSON.stringify([entry])], T1);
    assert.equal(ok.error, undefined, ok.error?.message);
    // Sent again (an outbox retry after a lost answer): unchanged, no second announcement.
    const again = await l.publishSplit(pn.mspId, [amberAlert], T1);
    assert.deepEqual(JSON.parse(again.stored.result ?? '{}').entries, []);
    assert.equal(again.published?.event, null);
  });

  it('versions private objects like public ones: a newer version, STALE_VERSION for an older one, VERSION_CONFLICT for changed content', async () => {
    const l = await ledger();
    await l.publishSplit(pn.mspId, [redIndicator], T1);
    const v2 = { ...redIndicator, modified: T2, name: 'RED-SECRET v2' };
    const r = await l.publishSplit(pn.mspId, [v2], T2);
    assert.equal(r.stored.error ?? r.published?.error, undefined);
    assert.equal((await l.evaluate<ObjectRecord>(pn.mspId, 'ReadObject', [redIndicator.id, ''])).object.name, 'RED-SECRET v2');
    assert.equal((await l.evaluate<ObjectRecord>(pn.mspId, 'ReadObject', [redIndicator.id, String(redIndicator.modified)])).object.name, 'RED-SECRET informant drone');
    const conflict = { ...v2, name: 'other' };
    assert.equal((await l.publishSplit(pn.mspId, [conflict], T2)).stored.contractError?.code, 'VERSION_CONFLICT');
    const revoke = await l.submit(pn.mspId, 'RevokeObject', [redIndicator.id], T2);
    assert.equal(revoke.contractError?.code, 'INVALID_ARGUMENT', 'revoking private data needs its content: a new version through the private path');
  });
});
