import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ObjectPage } from './queries.js';
import type { ObjectRecord } from './records.js';
import { AGENCIES, TestLedger, alertFixture, bundleJson, indicatorFixture, registerAgencies, run } from './testing.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';

const { pn, pj, mad } = AGENCIES;
const uuid = (n: number): string => `5a4b3c2d-1e0f-4a9b-8c7d-${String(n).padStart(12, '0')}`;

describe('reads', () => {
  const ledger = new TestLedger(new ThreatExchangeContract());
  const indicatorId = `indicator--${uuid(1)}`;
  // Madrid (Bernabéu), Lisbon, Madrid (Retiro)
  const alerts = [
    alertFixture({ uuid: uuid(101), createdBy: pn.identity.id, latitude: 40.453, longitude: -3.688, modified: '2025-01-01T12:00:00.000Z' }),
    alertFixture({ uuid: uuid(102), createdBy: pj.identity.id, latitude: 38.722, longitude: -9.139, modified: '2025-01-01T12:05:00.000Z' }),
    alertFixture({ uuid: uuid(103), createdBy: pn.identity.id, latitude: 40.415, longitude: -3.684, modified: '2025-01-01T12:10:00.000Z' }),
  ];

  before(async () => {
    await registerAgencies(ledger);
    for (let i = 1; i <= 5; i++) {
      const ind = indicatorFixture({ uuid: uuid(i), createdBy: pn.identity.id, modified: `2025-02-0${i}T00:00:00.000Z` });
      await ledger.ok(pn.mspId, 'PublishBundle', [bundleJson([ind])], `2025-02-0${i}T00:00:01.000Z`);
    }
    const v2 = indicatorFixture({ uuid: uuid(1), createdBy: pn.identity.id, modified: '2025-02-10T00:00:00.000Z', name: 'v2' });
    await ledger.ok(pn.mspId, 'PublishBundle', [bundleJson([v2])], '2025-02-10T00:00:01.000Z');
    for (const a of alerts) {
      const msp = a.created_by_ref === pj.identity.id ? pj.mspId : pn.mspId;
      await ledger.ok(msp, 'PublishBundle', [bundleJson([a])], '2025-02-11T00:00:00.000Z');
    }
  });

  it('ReadObject returns the latest version or the one asked for', async () => {
    const latest = await ledger.evaluate<ObjectRecord>(mad.mspId, 'ReadObject', [indicatorId, '']);
    assert.equal(latest.object.name, 'v2');
    assert.equal(latest.tx_id, 'tx-0010');
    const first = await ledger.evaluate<ObjectRecord>(mad.mspId, 'ReadObject', [indicatorId, '2025-02-01T00:00:00Z']);
    assert.equal(first.object.modified, '2025-02-01T00:00:00.000Z');
    const missing = await run(ledger.contract, ledger.state, mad.mspId, 'ReadObject', [indicatorId, '2025-02-02T00:00:00.000Z'], '2025-03-01T00:00:00Z');
    assert.equal(missing.contractError?.code, 'NOT_FOUND');
    const bad = await run(ledger.contract, ledger.state, mad.mspId, 'ReadObject', [indicatorId, 'yesterday'], '2025-03-01T00:00:00Z');
    assert.equal(bad.contractError?.code, 'INVALID_ARGUMENT');
    const unknown = await run(ledger.contract, ledger.state, mad.mspId, 'ReadObject', ['indicator--00000000-0000-4000-8000-000000000000'], '2025-03-01T00:00:00Z');
    assert.equal(unknown.contractError?.code, 'NOT_FOUND');
  });

  it('GetHistory lists every version oldest first with its transaction', async () => {
    const history = await ledger.evaluate<ObjectRecord[]>(mad.mspId, 'GetHistory', [indicatorId]);
    assert.deepEqual(history.map((h) => [h.object.modified, h.tx_id]), [
      ['2025-02-01T00:00:00.000Z', 'tx-0005'],
      ['2025-02-10T00:00:00.000Z', 'tx-0010'],
    ]);
    const missing = await run(ledger.contract, ledger.state, mad.mspId, 'GetHistory', ['indicator--00000000-0000-4000-8000-000000000000'], '2025-03-01T00:00:00Z');
    assert.equal(missing.contractError?.code, 'NOT_FOUND');
  });

  it('QueryObjects filters by type and time, latest versions only, ordered by modified', async () => {
    const page = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ type: 'indicator' })]);
    assert.deepEqual(page.records.map((r) => r.object.id), [2, 3, 4, 5, 1].map((n) => `indicator--${uuid(n)}`));
    assert.equal(page.bookmark, '');
    const window = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ type: 'indicator', from: '2025-02-03T00:00:00Z', to: '2025-02-04T00:00:00Z' })]);
    assert.deepEqual(window.records.map((r) => r.object.modified), ['2025-02-03T00:00:00.000Z', '2025-02-04T00:00:00.000Z']);
    const all = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ from: '2025-01-01T12:00:00Z', to: '2025-01-31T00:00:00Z' })]);
    assert.deepEqual(all.records.map((r) => r.object.id), alerts.map((a) => a.id));
  });

  it('QueryObjects filters by bounding box', async () => {
    const madrid = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ bbox: [-3.9, 40.3, -3.5, 40.6] })]);
    assert.deepEqual(madrid.records.map((r) => r.object.id), [alerts[0]?.id, alerts[2]?.id]);
    const lisbon = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ type: 'incident', bbox: [-9.2, 38.7, -9.1, 38.75] })]);
    assert.deepEqual(lisbon.records.map((r) => r.object.id), [alerts[1]?.id]);
    const sea = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ bbox: [-20, 30, -15, 35] })]);
    assert.deepEqual(sea.records, []);
  });

  it('QueryObjects pages with a bookmark', async () => {
    const seen: string[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const page: ObjectPage = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ limit: 3, bookmark })]);
      seen.push(...page.records.map((r) => r.object.id));
      bookmark = page.bookmark;
      pages += 1;
    } while (bookmark !== '' && pages < 10);
    const everything = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', ['{}']);
    assert.equal(pages, Math.ceil(everything.records.length / 3));
    assert.deepEqual(seen, everything.records.map((r) => r.object.id));
    assert.equal(new Set(seen).size, 4 + 5 + 3); // 4 identities, 5 indicators, 3 alerts
  });

  it('QueryObjects refuses bad queries', async () => {
    for (const [query, property] of [
      [{ limit: 0 }, 'limit'], [{ limit: 1001 }, 'limit'], [{ limit: 2.5 }, 'limit'], [{ from: 'yesterday' }, 'from'],
      [{ bbox: [1, 2, 3] }, 'bbox'], [{ bbox: [3, 2, 1, 4] }, 'bbox'], [{ colour: 'red' }, 'colour'], [{ bookmark: '!!' }, 'bookmark'],
    ] as const) {
      const r = await run(ledger.contract, ledger.state, mad.mspId, 'QueryObjects', [JSON.stringify(query)], '2025-03-01T00:00:00Z');
      assert.equal(r.contractError?.code, 'INVALID_ARGUMENT', JSON.stringify(query));
      assert.equal((r.contractError?.details as { property: string }).property, property);
    }
    const otherIndex = await ledger.evaluate<ObjectPage>(mad.mspId, 'QueryObjects', [JSON.stringify({ limit: 1 })]);
    const r = await run(ledger.contract, ledger.state, mad.mspId, 'QueryObjects', [JSON.stringify({ type: 'indicator', bookmark: otherIndex.bookmark })], '2025-03-01T00:00:00Z');
    assert.equal(r.contractError?.code, 'INVALID_ARGUMENT');
    const malformed = await run(ledger.contract, ledger.state, mad.mspId, 'QueryObjects', ['{'], '2025-03-01T00:00:00Z');
    assert.equal(malformed.contractError?.code, 'MALFORMED_JSON');
  });
});
