import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TLP, type StixObject } from '@popart/schemas';
import { AGENCIES, TestLedger, alertFixture, bundleJson, indicatorFixture, registerAgencies, sightingFixture } from './testing.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';

const { pn, pj, mad } = AGENCIES;
const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-02T10:00:00.000Z';
const ALERT = '2c0b7d4e-6f3a-4b2c-9d8e-7f6a5b4c3d01';

function marked(object: StixObject, tlp: keyof typeof TLP, extra: Record<string, unknown> = {}): StixObject {
  return { ...object, object_marking_refs: [TLP[tlp].id], ...extra };
}

async function ledgerWith(alert: StixObject): Promise<TestLedger> {
  const ledger = new TestLedger(new ThreatExchangeContract());
  await registerAgencies(ledger);
  const { stored, published } = await ledger.publishSplit(pn.mspId, [alert], T1);
  assert.equal(stored.error ?? published?.error, undefined);
  return ledger;
}

const redAlert = marked(alertFixture({ uuid: ALERT, createdBy: pn.identity.id, latitude: 40.45, longitude: -3.69 }), 'red');
const amberAlert = alertFixture({ uuid: ALERT, createdBy: pn.identity.id, latitude: 40.45, longitude: -3.69, audience: [mad.identity.id] });
(amberAlert as Record<string, unknown>).object_marking_refs = [TLP.amber.id];

describe('a sighting is never less restricted than what it is a sighting of', () => {
  it('refuses a TLP:GREEN sighting of a RED alert on the ledger (private data), by PublishBundle and by RecordSighting, naming object_marking_refs', async () => {
    const ledger = await ledgerWith(redAlert);
    const green = marked(sightingFixture({ uuid: '5f3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a01', sightedId: redAlert.id, createdBy: pn.identity.id, modified: T2 }), 'green');
    for (const [fn, arg] of [['PublishBundle', bundleJson([green])], ['RecordSighting', JSON.stringify(green)]] as const) {
      const r = await ledger.submit(pn.mspId, fn, [arg], T2);
      assert.equal(r.contractError?.code, 'INVALID_BUNDLE', fn);
      const issue = (r.contractError?.details as { objectId: string; property: string; message: string }[])[0];
      assert.equal(issue?.objectId, green.id);
      assert.equal(issue?.property, 'object_marking_refs');
      assert.match(issue?.message ?? '', /TLP:GREEN is less restricted than TLP:RED/);
      assert.deepEqual(r.rwSet.writes, [], `${fn} writes nothing`);
    }
    const red = marked(sightingFixture({ uuid: '5f3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a02', sightedId: redAlert.id, createdBy: pn.identity.id, modified: T2 }), 'red');
    const inClear = await ledger.submit(pn.mspId, 'RecordSighting', [JSON.stringify(red)], T2);
    assert.equal(inClear.contractError?.code, 'INVALID_BUNDLE', 'a RED sighting never goes on the channel in clear');
    const { stored, published } = await ledger.publishSplit(pn.mspId, [red], T2);
    assert.equal(stored.error ?? published?.error, undefined, 'a RED sighting goes as private data');
  });

  it('checks a subject in the same bundle too', async () => {
    const ledger = new TestLedger(new ThreatExchangeContract());
    await registerAgencies(ledger);
    const green = marked(sightingFixture({ uuid: '5f3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a03', sightedId: redAlert.id, createdBy: pn.identity.id, modified: T2 }), 'green');
    const r = await ledger.submit(pn.mspId, 'PublishBundle', [bundleJson([redAlert, green])], T2);
    assert.equal(r.contractError?.code, 'INVALID_BUNDLE');
  });

  it('an AMBER sighting of an AMBER alert may name the alert\'s audience and publisher, nobody else', async () => {
    const ledger = await ledgerWith(amberAlert);
    const ok = marked(sightingFixture({ uuid: '5f3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a04', sightedId: amberAlert.id, createdBy: mad.identity.id, modified: T2 }), 'amber',
      { x_popart_audience_refs: [pn.identity.id, mad.identity.id] });
    const { stored, published: r } = await ledger.publishSplit(mad.mspId, [ok], T2);
    assert.equal(stored.error ?? r?.error, undefined, (stored.error ?? r?.error)?.message);
    assert.deepEqual(r?.event?.payload.objects[0]?.audience, [pn.identity.id, mad.identity.id], 'the announcement carries the audience');
    const wider = marked(sightingFixture({ uuid: '5f3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a05', sightedId: amberAlert.id, createdBy: mad.identity.id, modified: T2 }), 'amber',
      { x_popart_audience_refs: [pn.identity.id, pj.identity.id] });
    const { stored: refused } = await ledger.publishSplit(mad.mspId, [wider], T2);
    assert.equal(refused.contractError?.code, 'INVALID_BUNDLE');
    const issue = (refused.contractError?.details as { property: string; message: string }[])[0];
    assert.equal(issue?.property, 'x_popart_audience_refs');
    assert.match(issue?.message ?? '', new RegExp(pj.identity.id));
  });
});

describe('placement from standard STIX in the objects event', () => {
  const loc = (uuid: string, extra: Record<string, unknown>): StixObject => ({
    type: 'location', spec_version: '2.1', id: `location--${uuid}`, created: T1, modified: T1, object_marking_refs: [TLP.green.id], ...extra,
  });
  const lisbon = loc('6a3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a01', { latitude: 38.72, longitude: -9.14 });
  const portugal = loc('6a3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a02', { country: 'pt' });
  const sighting = (uuid: string, extra: Record<string, unknown>): StixObject => marked(
    sightingFixture({ uuid, sightedId: amberAlert.id, createdBy: pj.identity.id, modified: T2 }), 'green', extra);

  it('an indicator placed by located-at in the same bundle; a sighting by where_sighted_refs to a location on the ledger with only a country', async () => {
    const ledger = await ledgerWith(marked(amberAlert, 'green'));
    await ledger.ok(pj.mspId, 'PublishBundle', [bundleJson([portugal])], T1);
    const byRel = marked(indicatorFixture({ uuid: '7a3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a01', createdBy: pj.identity.id }), 'green');
    const rel: StixObject = {
      type: 'relationship', spec_version: '2.1', id: 'relationship--7b3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a01', created: T2, modified: T2,
      relationship_type: 'located-at', source_ref: byRel.id, target_ref: lisbon.id, created_by_ref: pj.identity.id, object_marking_refs: [TLP.green.id],
    };
    const r = await ledger.submit(pj.mspId, 'PublishBundle', [bundleJson([lisbon, byRel, rel])], T2);
    assert.equal(r.error, undefined, r.error?.message);
    const announced = r.event?.payload.objects.find((o) => o.id === byRel.id);
    assert.deepEqual(announced?.bbox?.map((v) => Math.round(v * 100) / 100), [-9.14, 38.72, -9.14, 38.72]);

    const where = sighting('7a3e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a02', { where_sighted_refs: [portugal.id] });
    const w = await ledger.submit(pj.mspId, 'RecordSighting', [JSON.stringify(where)], T2);
    assert.equal(w.error, undefined, w.error?.message);
    assert.deepEqual(w.event?.payload.objects[0]?.countries, ['PT']);
    assert.equal(w.event?.payload.objects[0]?.bbox, null);
  });
});
