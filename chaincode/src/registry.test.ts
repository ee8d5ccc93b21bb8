import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgencyEntry, RegistrationReceipt } from './registry.js';
import { AGENCIES, TestLedger, registerAgencies, run, showKey } from './testing.js';
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

  it('follows a new version of the identity published in a bundle', async () => {
    const ledger = new TestLedger(new ThreatExchangeContract());
    await registerAgencies(ledger, [pn]);
    const renamed = { ...pn.identity, name: 'Policía Nacional (CNP)', modified: '2025-02-01T00:00:00.000Z' };
    await ledger.ok(pn.mspId, 'PublishBundle', [JSON.stringify({ type: 'bundle', id: 'bundle--0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f', objects: [renamed] })], '2025-02-01T00:00:00.000Z');
    const entry = await ledger.evaluate<AgencyEntry>(pj.mspId, 'GetAgency', [pn.identity.id]);
    assert.equal(entry.name, 'Policía Nacional (CNP)');
    assert.equal(entry.registered_at, T0);
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
