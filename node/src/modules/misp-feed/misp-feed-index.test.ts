import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_EXTENSION_ID, tlpMarkingRef, type StixObject } from '@popart/schemas';
import { rowFromObject, type ThreatRow } from '../threat/threat-row.js';
import type { ThreatStore } from '../threat/threat-store.js';
import { MispFeedIndex } from './misp-feed-index.js';

const T = '2026-11-01T00:00:00.000Z';
const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const id = (type: string, n: number): string => `${type}--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function row(obj: Record<string, unknown>): ThreatRow {
  return rowFromObject({ spec_version: '2.1', created: T, modified: T, created_by_ref: PN, object_marking_refs: [tlpMarkingRef('green')], ...obj } as StixObject,
    { publisherMsp: 'PnMSP', txId: 'tx', blockNumber: 1, signatureVerified: true });
}
const alert = (n: number, extra: Record<string, unknown> = {}): ThreatRow => row({
  type: 'incident', id: id('incident', n), name: `alert ${n}`, ...extra,
  extensions: { [ALERT_EXTENSION_ID]: { extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 80, sensor_kind: 'remote-id',
    area: { shape: 'circle', latitude: 40.4, longitude: -3.7, radius_m: 300 }, venue: 'Sol', expires: '2026-11-01T01:00:00.000Z', guidance: 'Keep away.' } },
});
const indicator = (n: number, extra: Record<string, unknown> = {}): ThreatRow =>
  row({ type: 'indicator', id: id('indicator', n), name: `indicator ${n}`, pattern_type: 'stix', pattern: "[mac-addr:value = '60:60:1f:00:00:01']", valid_from: T, ...extra });
const relationship = (n: number, from: string, to: string): ThreatRow => row({ type: 'relationship', id: id('relationship', n), relationship_type: 'related-to', source_ref: from, target_ref: to });

/** A store whose outlines are `rows` (in one page), running `during` each time it is asked. */
function storeOf(rows: ThreatRow[], during?: () => void): ThreatStore {
  return { outlines: async () => { during?.(); return rows; } } as unknown as ThreatStore;
}

test('the index: events by uuid, what each holds (a relationship\'s other end, a report\'s objects), and which events a change touches', async () => {
  const a1 = alert(1);
  const i1 = indicator(1);
  const r1 = relationship(1, i1.id, a1.id);
  const report = row({ type: 'report', id: id('report', 9), name: 'weekly', published: T, object_refs: [i1.id] });
  const index = new MispFeedIndex(storeOf([a1, i1, r1, report]));
  await index.ready();
  assert.equal(index.subjectOf(a1.id.slice('incident--'.length)), a1.id);
  assert.deepEqual(index.allSubjects().sort(), [a1.id, report.id].sort(), 'alerts and reports are events; indicators are not');
  assert.deepEqual(index.relatedIds(a1.id).sort(), [i1.id, r1.id].sort());
  assert.deepEqual(index.relatedIds(report.id), [i1.id]);
  const v = index.version;
  index.apply([indicator(1, { modified: '2026-11-02T00:00:00.000Z' })]);
  assert.deepEqual(index.changedSince(v)?.sort(), [a1.id, report.id].sort(), 'a new version of the indicator touches the alert (by the relationship) and the report');
  const v2 = index.version;
  const a2 = alert(2);
  index.apply([a2, indicator(2)]);
  assert.deepEqual(index.changedSince(v2), [a2.id], 'a new alert is a change; an unrelated indicator touches nothing');
  index.apply([alert(2, { modified: '2026-11-02T00:00:00.000Z', revoked: true })]);
  assert.ok(!index.allSubjects().includes(a2.id) && index.subjectOf(a2.id.slice('incident--'.length)) === undefined, 'a revoked alert leaves');
  assert.ok(index.changedSince(v2)?.includes(a2.id), 'its leaving is a change');
  index.apply([relationship(1, i1.id, a2.id)]);
  assert.deepEqual(index.relatedIds(a1.id), [], 'a new version of a relationship unlinks its old ends');
});

test('the index: rows applied while it is built are not lost; before the build nothing is kept; a failed build is tried again', async () => {
  const a1 = alert(1);
  const late = alert(3);
  const holder: { index?: MispFeedIndex } = {};
  const index = new MispFeedIndex(storeOf([a1], () => holder.index?.apply([late])));
  holder.index = index;
  index.apply([alert(4)]);
  await index.ready();
  assert.deepEqual(index.allSubjects().sort(), [a1.id, late.id].sort(), 'the row applied during the build is indexed; one before it was the store\'s to give');
  let fail = true;
  const flaky = new MispFeedIndex({ outlines: async () => { if (fail) throw new Error('database down'); return [a1]; } } as unknown as ThreatStore);
  await assert.rejects(flaky.ready(), /database down/);
  fail = false;
  await flaky.ready();
  assert.deepEqual(flaky.allSubjects(), [a1.id]);
});

test('the newest events: by their latest version, then id, at most the limit; brought up to date by new versions and revocations', async () => {
  const at = (day: number): string => `2026-11-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  const rows = [alert(1, { modified: at(3) }), alert(2, { modified: at(5) }), alert(3, { modified: at(4) }), indicator(1, { modified: at(9) })];
  const index = new MispFeedIndex(storeOf(rows));
  await index.ready();
  assert.deepEqual(index.newestSubjects(2), [id('incident', 2), id('incident', 3)], 'newest first; an indicator is no event');
  assert.deepEqual(index.newestSubjects(10), [id('incident', 2), id('incident', 3), id('incident', 1)]);
  index.apply([alert(1, { modified: at(6) })]);
  assert.deepEqual(index.newestSubjects(2), [id('incident', 1), id('incident', 2)], 'a new version makes an event new again');
  index.apply([alert(2, { modified: at(7), revoked: true })]);
  assert.deepEqual(index.newestSubjects(2), [id('incident', 1), id('incident', 3)], 'a revoked event leaves, the next comes in');
});

test('the newest events, kept up to date change by change, are always what ranking every event gives', async () => {
  // A seeded sequence of new alerts, new versions (later or, as a publisher may send, earlier) and revocations, with
  // the list asked for after each: each answer against every live alert ranked from scratch.
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const at = (minute: number): string => new Date(Date.UTC(2026, 10, 1) + minute * 60_000).toISOString();
  const live = new Map<number, number>(); // alert number → minute of its latest version
  const rows = Array.from({ length: 30 }, (_, i) => {
    live.set(i + 1, i);
    return alert(i + 1, { modified: at(i) });
  });
  const index = new MispFeedIndex(storeOf(rows));
  await index.ready();
  const expected = (limit: number): string[] => [...live.entries()]
    .sort(([a, ma], [b, mb]) => mb - ma || (id('incident', b) < id('incident', a) ? -1 : 1)).slice(0, limit).map(([n]) => id('incident', n));
  let next = 31;
  for (let step = 0; step < 400; step++) {
    const r = rnd();
    const known = [...live.keys()];
    const pick = known[Math.floor(rnd() * known.length)];
    if (r < 0.3 || pick === undefined) {
      const minute = 30 + step;
      live.set(next, minute);
      index.apply([alert(next++, { modified: at(minute) })]);
    } else if (r < 0.75) {
      const minute = rnd() < 0.8 ? 30 + step : Math.floor(rnd() * 30);
      live.set(pick, minute);
      index.apply([alert(pick, { modified: at(minute) })]);
    } else {
      live.delete(pick);
      index.apply([alert(pick, { modified: at(30 + step), revoked: true })]);
    }
    assert.deepEqual(index.newestSubjects(8), expected(8), `after step ${step}`);
  }
});

test('the newest events after listed ones leave and another falls back below the kept list: ranked from every event', async () => {
  const at = (minute: number): string => new Date(Date.UTC(2026, 10, 1) + minute * 60_000).toISOString();
  const index = new MispFeedIndex(storeOf([1, 2, 3, 4, 5, 6].map((n) => alert(n, { modified: at(n) }))));
  await index.ready();
  assert.deepEqual(index.newestSubjects(2), [id('incident', 6), id('incident', 5)]);
  // 6 and 5 revoked, and alert 1 again with a version older than alert 3's: the newest two are 4 and 3, although 3
  // was neither among the events kept ranked nor changed.
  index.apply([alert(6, { modified: at(7), revoked: true }), alert(5, { modified: at(7), revoked: true }), alert(1, { modified: at(2.5) })]);
  assert.deepEqual(index.newestSubjects(2), [id('incident', 4), id('incident', 3)]);
  index.apply([alert(7, { modified: at(8) })]);
  assert.deepEqual(index.newestSubjects(2), [id('incident', 7), id('incident', 4)], 'a new event comes first');
});
