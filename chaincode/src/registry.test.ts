import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgencyEntry, RegistrationReceipt } from './registry.js';
import { AGENCIES, TestLedger, indicatorFixture, registerAgencies, run, showKey } from './testing.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';
import { MemoryState } from './tx-context.js';

const T0 = '2025-01-01T00:00:00.000Z';
const { pn, pj, mad } = AGENCIES;

describe('RegisterAgency', () => {
  it('stores the registry entries and the identity object, and announces the identity', async () => {
    const r = await run(new ThreatExchangeContract(), new MemoryState(), pn.mspId, 'RegisterAgency', [JSON.stringify(pn.identity)], T0, { txId: 'tx-reg' });
    assert.equal(r.error, undefined);
    const entry: AgencyEntry = { msp_id: 'PnMSP', identity_id: pn.identity.id, name: 'Policía Nacional', registered_at: T0, tx_id: 'tx-reg' };
    const receipt: RegistrationReceipt = {
      txId: 'tx-reg', agency: entry, objects: [{ id: pn.identity.id, type: 'identity', modified: T0, status: 'created' }],
    };
    assert.deepEqual(JSON.parse(r.result ?? ''), receipt);
    const record = { object: pn.identity, publisher_msp: 'PnMSP', tx_id: 'tx-reg', committed_at: T0, hash: (r.writes[2]?.value as { hash: string }).hash };
    assert.match(record.hash, /^[0-9a-f]{64}$/);
    const index = { id: pn.identity.id, type: 'identity', modified: T0, bbox: null };
    assert.deepEqual(r.writes.map((w) => ({ key: showKey(w.key), value: w.value })), [
      { key: 'agency~msp~PnMSP', value: entry },
      { key: `agency~id~${pn.identity.id}`, value: entry },
      { key: `obj~${pn.identity.id}`, value: record },
      { key: `/ver/${pn.identity.id}/2025-01-01T00:00:00.000000000Z/`, value: record },
      { key: `/idx-type/identity/2025-01-01T00:00:00.000000000Z/${pn.identity.id}/`, value: index },
      { key: `/idx-time/2025-01-01T00:00:00.000000000Z/${pn.identity.id}/`, value: index },
    ]);
    assert.equal(r.event?.name, 'popart.objects');
    assert.deepEqual(r.event?.payload.objects.map((o) => o.id), [pn.identity.id]);
  });

  it('lists every registered agency by MSP and finds one by identity id', async () => {
    const ledger = new TestLedger(new ThreatExchangeContract());
    await registerAgencies(ledger);
    const list = await ledger.evaluate<AgencyEntry[]>(mad.mspId, 'ListAgencies', []);
    assert.deepEqual(list.map((a) => [a.msp_id, a.name]), [
      ['CrmMSP', 'Comunidad de Madrid – ASEM112'],
      ['MadMSP', 'Policía Municipal de Madrid'],
      ['PjMSP', 'Polícia Judiciária'],
      ['PnMSP', 'Policía Nacional'],
    ]);
    const got = await ledger.evaluate<AgencyEntry>(mad.mspId, 'GetAgency', [pj.identity.id]);
    assert.equal(got.msp_id, 'PjMSP');
    const missing = await run(ledger.contract, ledger.state, mad.mspId, 'GetAgency', ['identity--00000000-0000-4000-8000-000000000000'], T0);
    assert.equal(missing.contractError?.code, 'NOT_FOUND');
  });

  it('is idempotent for the same identity: no writes, no event', async () => {
    const ledger = new TestLedger(new ThreatExchangeContract());
    await registerAgencies(ledger, [pn]);
    const again = await ledger.submit(pn.mspId, 'RegisterAgency', [JSON.stringify(pn.identity)], '2025-02-01T00:00:00.000Z');
    assert.equal(again.error, undefined);
    assert.deepEqual(again.writes, []);
    assert.equal(again.event, null);
    assert.equal((JSON.parse(again.result ?? '') as RegistrationReceipt).objects[0]?.status, 'unchanged');
  });

  it('accepts a changed identity only with a greater modified', async () => {
    const ledger = new TestLedger(new ThreatExchangeContract());
    await registerAgencies(ledger, [pn]);
    const renamed = { ...pn.identity, name: 'Policía Nacional de España' };
    const conflict = await ledger.submit(pn.mspId, 'RegisterAgency', [JSON.stringify(renamed)], '2025-02-01T00:00:00.000Z');
    assert.equal(conflict.contractError?.code, 'VERSION_CONFLICT');
    assert.deepEqual(conflict.writes, []);
    const older = { ...renamed, modified: '2024-12-31T00:00:00.000Z', created: '2024-12-01T00:00:00.000Z' };
    assert.equal((await ledger.submit(pn.mspId, 'RegisterAgency', [JSON.stringify(older)], '2025-02-01T00:00:00.000Z')).contractError?.code, 'STALE_VERSION');
    const newer = { ...renamed, modified: '2025-02-01T00:00:00.000Z' };
    const receipt = await ledger.ok<RegistrationReceipt>(pn.mspId, 'RegisterAgency', [JSON.stringify(newer)], '2025-02-01T00:00:00.000Z');
    assert.equal(receipt.objects[0]?.status, 'updated');
    assert.equal(receipt.agency.name, 'Policía Nacional de España');
    assert.equal(receipt.agency.registered_at, T0);
  });

  it('changes the registered identity only through RegisterAgency: a bundle carrying another version of it is refused whole', async () => {
    const ledger = new TestLedger(new ThreatExchangeContract());
    await registerAgencies(ledger, [pn, pj]);
    const T1 = '2025-02-01T00:00:00.000Z';
    const bundle = (objects: unknown[]) => [JSON.stringify({ type: 'bundle', id: 'bundle--0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f', objects })];
    const indicator = indicatorFixture({ uuid: '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e01', createdBy: pn.identity.id });
    // The defect: fewer properties (no sectors) in a newer version used to replace the registered identity.
    const { sectors: _dropped, ...thinner } = { ...pn.identity, modified: T1 } as Record<string, unknown>;
    const refused = await ledger.submit(pn.mspId, 'PublishBundle', bundle([thinner, indicator]), T1);
    assert.equal(refused.contractError?.code, 'REGISTERED_IDENTITY');
    assert.deepEqual(refused.contractError?.details, { objectId: pn.identity.id, property: 'sectors', msp_id: 'PnMSP' });
    assert.match(refused.contractError?.message ?? '', /changes only through RegisterAgency/);
    assert.deepEqual(refused.writes, [], 'nothing of the bundle is written');
    const renamed = await ledger.submit(pn.mspId, 'PublishBundle', bundle([{ ...pn.identity, name: 'Policía Nacional (CNP)', modified: T1 }]), T1);
    assert.deepEqual(renamed.contractError?.details, { objectId: pn.identity.id, property: 'name', msp_id: 'PnMSP' });
    const sameTime = await ledger.submit(pn.mspId, 'PublishBundle', bundle([{ ...pn.identity, name: 'Policía Nacional (CNP)' }]), T1);
    assert.equal(sameTime.contractError?.code, 'REGISTERED_IDENTITY', 'the same modified with other content too');
    const stored = await ledger.evaluate<{ object: Record<string, unknown> }>(pj.mspId, 'ReadObject', [pn.identity.id, '']);
    assert.deepEqual(stored.object, pn.identity, 'the registered identity is unchanged');
    assert.equal((await ledger.evaluate<AgencyEntry>(pj.mspId, 'GetAgency', [pn.identity.id])).name, 'Policía Nacional');
    // Carried as registered (an export passed on), by its agency or another: accepted, nothing written for it.
    const asRegistered = await ledger.ok<{ objects: { id: string; status: string }[] }>(pn.mspId, 'PublishBundle', bundle([pn.identity, indicator]), T1);
    assert.deepEqual(asRegistered.objects.map((o) => o.status), ['unchanged', 'created']);
    const byPj = await ledger.ok<{ objects: { id: string; status: string }[] }>(pj.mspId, 'PublishBundle', bundle([pn.identity]), T1);
    assert.deepEqual(byPj.objects.map((o) => o.status), ['unchanged']);
    // Another version of another agency's identity stays a spoofing attempt.
    const spoof = await ledger.submit(pj.mspId, 'PublishBundle', bundle([{ ...pn.identity, name: 'Fake', modified: T1 }]), T1);
    assert.equal(spoof.contractError?.code, 'SPOOFED_CREATOR');
  });

  it('registers an agency identity only TLP:CLEAR, so every agency may export it', async () => {
    const { object_marking_refs: _marking, ...unmarked } = pn.identity as Record<string, unknown>;
    const r = await run(new ThreatExchangeContract(), new MemoryState(), pn.mspId, 'RegisterAgency', [JSON.stringify(unmarked)], T0);
    assert.equal(r.contractError?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(r.contractError?.details, { objectId: pn.identity.id, property: 'object_marking_refs' });
    const green = { ...unmarked, object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'] };
    const r2 = await run(new ThreatExchangeContract(), new MemoryState(), pn.mspId, 'RegisterAgency', [JSON.stringify(green)], T0);
    assert.equal(r2.contractError?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(r2.rwSet.writes, []);
  });

  it('never moves an identity id to another MSP, and keeps one identity per MSP', async () => {
    const ledger = new TestLedger(new ThreatExchangeContract());
    await registerAgencies(ledger, [pn, pj]);
    const stolen = await ledger.submit(mad.mspId, 'RegisterAgency', [JSON.stringify(pn.identity)], '2025-02-01T00:00:00.000Z');
    assert.equal(stolen.contractError?.code, 'SPOOFED_CREATOR');
    assert.deepEqual(stolen.contractError?.details, { objectId: pn.identity.id, property: 'id', msp_id: 'PnMSP' });
    const second = await ledger.submit(pn.mspId, 'RegisterAgency', [JSON.stringify(mad.identity)], '2025-02-01T00:00:00.000Z');
    assert.equal(second.contractError?.code, 'INVALID_ARGUMENT');
  });

  it('takes only a valid organisation identity', async () => {
    const state = new MemoryState();
    const contract = new ThreatExchangeContract();
    const individual = { ...pn.identity, identity_class: 'individual' };
    const r1 = await run(contract, state, pn.mspId, 'RegisterAgency', [JSON.stringify(individual)], T0);
    assert.deepEqual(r1.contractError?.details, { objectId: pn.identity.id, property: 'identity_class' });
    const invalid = { ...pn.identity, id: 'identity--not-a-uuid' };
    const r2 = await run(contract, state, pn.mspId, 'RegisterAgency', [JSON.stringify(invalid)], T0);
    assert.equal(r2.contractError?.code, 'INVALID_BUNDLE');
    assert.ok(Array.isArray(r2.contractError?.details));
    const r3 = await run(contract, state, pn.mspId, 'RegisterAgency', ['{"type":'], T0);
    assert.equal(r3.contractError?.code, 'MALFORMED_JSON');
    for (const r of [r1, r2, r3]) assert.deepEqual(r.rwSet.writes, []);
  });
});
