import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditAnchor } from './audit-anchors.js';
import { AGENCIES, TestLedger, registerAgencies, run, showKey } from './testing.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';

const T1 = '2025-03-01T10:00:00.000Z';
const { pn, pj } = AGENCIES;
const H = (c: string) => c.repeat(64);

function anchor(from: number, to: number, msp: string = pn.mspId, hash = H('a')): string {
  return JSON.stringify({ agency_msp: msp, from_seq: from, to_seq: to, head_hash: hash });
}

async function ledger(): Promise<TestLedger> {
  const l = new TestLedger(new ThreatExchangeContract());
  await registerAgencies(l, [pn, pj]);
  return l;
}

describe('AnchorAuditLog', () => {
  it('stores the anchor under a composite key and as the organisation\'s head, timed by the transaction', async () => {
    const l = await ledger();
    const r = await l.submit(pn.mspId, 'AnchorAuditLog', [anchor(1, 100)], T1);
    assert.equal(r.error, undefined);
    const stored: AuditAnchor = { agency_msp: 'PnMSP', from_seq: 1, to_seq: 100, head_hash: H('a'), tx_id: 'tx-0003', anchored_at: T1 };
    assert.deepEqual(JSON.parse(r.result ?? ''), stored);
    assert.deepEqual(r.writes.map((w) => ({ key: showKey(w.key), value: w.value })), [
      { key: '/audit-anchor/PnMSP/0000000000000100/', value: stored },
      { key: 'audit-anchor~head~PnMSP', value: stored },
    ]);
    assert.equal(r.event, null, 'an anchor emits no objects event');
  });

  it('is deterministic: the same proposal gives the same write set', async () => {
    const l = await ledger();
    const a = await run(l.contract, l.state, pn.mspId, 'AnchorAuditLog', [anchor(1, 5)], T1, { txId: 'tx-x' });
    const b = await run(l.contract, l.state, pn.mspId, 'AnchorAuditLog', [anchor(1, 5)], T1, { txId: 'tx-x' });
    assert.deepEqual(a.rwSet, b.rwSet);
  });

  it('continues the previous anchor of the same organisation: no gap, no overlap', async () => {
    const l = await ledger();
    await l.ok(pn.mspId, 'AnchorAuditLog', [anchor(1, 10)], T1);
    const gap = await l.submit(pn.mspId, 'AnchorAuditLog', [anchor(12, 20)], T1);
    assert.equal(gap.contractError?.code, 'INVALID_ARGUMENT');
    assert.match(gap.contractError?.message ?? '', /gap.*starts at 11/);
    assert.deepEqual(gap.contractError?.details, { objectId: null, property: 'from_seq', message: gap.contractError?.message.replace(/^anchor from_seq: /, ''), expected_from_seq: 11 });
    const overlap = await l.submit(pn.mspId, 'AnchorAuditLog', [anchor(10, 20)], T1);
    assert.equal(overlap.contractError?.code, 'INVALID_ARGUMENT');
    assert.match(overlap.contractError?.message ?? '', /overlaps/);
    const replay = await l.submit(pn.mspId, 'AnchorAuditLog', [anchor(1, 10)], T1);
    assert.equal(replay.contractError?.code, 'INVALID_ARGUMENT', 'the same anchor twice is an overlap');
    await l.ok(pn.mspId, 'AnchorAuditLog', [anchor(11, 11, pn.mspId, H('b'))], T1);
    // another organisation's sequence is independent
    const first = await l.submit(pj.mspId, 'AnchorAuditLog', [anchor(5, 6, pj.mspId)], T1);
    assert.equal(first.contractError?.code, 'INVALID_ARGUMENT', 'the first anchor starts at 1');
    await l.ok(pj.mspId, 'AnchorAuditLog', [anchor(1, 3, pj.mspId)], T1);
  });

  it('refuses an anchor of another organisation\'s log as SPOOFED_CREATOR', async () => {
    const l = await ledger();
    const r = await l.submit(pj.mspId, 'AnchorAuditLog', [anchor(1, 10, pn.mspId)], T1);
    assert.equal(r.contractError?.code, 'SPOOFED_CREATOR');
    assert.deepEqual(r.contractError?.details, { objectId: null, property: 'agency_msp', msp_id: 'PjMSP' });
    assert.match(r.error?.message ?? '', /^\[POPART:SPOOFED_CREATOR\] PjMSP cannot anchor the audit log of PnMSP/);
    assert.deepEqual(await l.evaluate(pn.mspId, 'ListAuditAnchors', [pn.mspId]), []);
  });

  it('refuses an organisation that is not registered', async () => {
    const l = await ledger();
    const r = await l.submit('EvilMSP', 'AnchorAuditLog', [anchor(1, 1, 'EvilMSP')], T1);
    assert.equal(r.contractError?.code, 'UNKNOWN_AGENCY');
  });

  it('names the argument or property at fault', async () => {
    const l = await ledger();
    const cases: [string, string, string][] = [
      ['{', 'MALFORMED_JSON', 'anchor'],
      ['[]', 'INVALID_ARGUMENT', 'anchor'],
      [JSON.stringify({ agency_msp: 'PnMSP', from_seq: 1, to_seq: 2 }), 'INVALID_ARGUMENT', 'head_hash'],
      [JSON.stringify({ agency_msp: 'PnMSP', from_seq: 1, to_seq: 2, head_hash: 'ABC' }), 'INVALID_ARGUMENT', 'head_hash'],
      [JSON.stringify({ agency_msp: 'PnMSP', from_seq: 0, to_seq: 2, head_hash: H('a') }), 'INVALID_ARGUMENT', 'from_seq'],
      [JSON.stringify({ agency_msp: 'PnMSP', from_seq: 1.5, to_seq: 2, head_hash: H('a') }), 'INVALID_ARGUMENT', 'from_seq'],
      [JSON.stringify({ agency_msp: 'PnMSP', from_seq: 3, to_seq: 2, head_hash: H('a') }), 'INVALID_ARGUMENT', 'to_seq'],
      [JSON.stringify({ agency_msp: 'PnMSP', from_seq: 1, to_seq: '2', head_hash: H('a') }), 'INVALID_ARGUMENT', 'to_seq'],
      [JSON.stringify({ agency_msp: '', from_seq: 1, to_seq: 2, head_hash: H('a') }), 'INVALID_ARGUMENT', 'agency_msp'],
      [JSON.stringify({ agency_msp: 'PnMSP', from_seq: 1, to_seq: 2, head_hash: H('a'), note: 'x' }), 'INVALID_ARGUMENT', 'note'],
    ];
    for (const [arg, code, property] of cases) {
      const r = await l.submit(pn.mspId, 'AnchorAuditLog', [arg], T1);
      assert.equal(r.contractError?.code, code, arg);
      assert.equal((r.contractError?.details as { property?: string }).property, property, arg);
      assert.deepEqual(r.writes, [], arg);
    }
  });
});

describe('ListAuditAnchors', () => {
  it('lists one organisation\'s anchors in sequence order (numeric, not text order)', async () => {
    const l = await ledger();
    await l.ok(pn.mspId, 'AnchorAuditLog', [anchor(1, 9)], T1);
    await l.ok(pn.mspId, 'AnchorAuditLog', [anchor(10, 10)], T1);
    await l.ok(pn.mspId, 'AnchorAuditLog', [anchor(11, 100)], T1);
    await l.ok(pj.mspId, 'AnchorAuditLog', [anchor(1, 1, pj.mspId)], T1);
    const list = await l.evaluate<AuditAnchor[]>(pj.mspId, 'ListAuditAnchors', [pn.mspId]);
    assert.deepEqual(list.map((a) => [a.from_seq, a.to_seq]), [[1, 9], [10, 10], [11, 100]]);
    assert.deepEqual((await l.evaluate<AuditAnchor[]>(pn.mspId, 'ListAuditAnchors', [pj.mspId])).map((a) => a.agency_msp), ['PjMSP']);
    assert.deepEqual(await l.evaluate(pn.mspId, 'ListAuditAnchors', ['PjMS']), [], 'an MSP id prefix matches nothing');
  });
});
