import assert from 'node:assert/strict';
import { test } from 'node:test';
import { riskPicture, type RiskAlert } from './risk-rule.js';

const NOW = new Date('2026-06-01T21:00:00.000Z');
const minutesAgo = (m: number): string => new Date(NOW.getTime() - m * 60_000).toISOString();
const later = new Date(NOW.getTime() + 3_600_000).toISOString();

function alert(id: string, o: Partial<RiskAlert> = {}): RiskAlert {
  return { id, name: id, agency: 'pn', category: 'drone', severity: 'high', modified: minutesAgo(0), expires: later, sightings: [], ...o };
}

test('no alert: normal, score 0', () => {
  const r = riskPicture([], [], NOW);
  assert.equal(r.level, 'normal');
  assert.equal(r.score, 0);
  assert.match(r.reasons[0] ?? '', /^normal: score 0/);
});

test('one fresh high drone alert: 4 points, elevated; a gunshot weighs 1.5', () => {
  assert.deepEqual([riskPicture([alert('a')], [], NOW).level, riskPicture([alert('a')], [], NOW).score], ['elevated', 4]);
  assert.deepEqual([riskPicture([alert('g', { category: 'gunshot' })], [], NOW).score, riskPicture([alert('g', { category: 'gunshot' })], [], NOW).level], [6, 'high']);
});

test('recency halves the points every 30 minutes since the last activity; a sighting is activity', () => {
  assert.equal(riskPicture([alert('a', { modified: minutesAgo(30) })], [], NOW).score, 2);
  assert.equal(riskPicture([alert('a', { modified: minutesAgo(60) })], [], NOW).score, 1);
  assert.equal(riskPicture([alert('a', { modified: minutesAgo(60), sightings: [{ agency: 'pn', at: minutesAgo(0), status: null }] })], [], NOW).score, 4);
});

test('linked alerts of two agencies are one incident, counted once at the strongest, corroborated × 1.5: the level rises to high', () => {
  const pn = alert('pn-camera', { severity: 'high' });
  const mad = alert('mad-rid', { agency: 'mad', severity: 'medium' });
  const apart = riskPicture([pn, mad], [], NOW);
  assert.deepEqual([apart.score, apart.level], [6, 'high'], 'unlinked: two incidents, 4 + 2');
  const linked = riskPicture([pn, mad], [['pn-camera', 'mad-rid']], NOW);
  assert.deepEqual([linked.score, linked.level], [6, 'high']);
  const c = linked.contributions.find((x) => x.alertId === 'pn-camera');
  assert.equal(c?.points, 6);
  assert.ok(c?.reasons.some((r) => r === 'corroborated by mad: × 1.5'), JSON.stringify(c));
  assert.equal(linked.contributions.find((x) => x.alertId === 'mad-rid')?.points, 0);
  assert.match(linked.reasons[1] ?? '', /corroborated by mad: 6 points/);
  // three agencies: at most × 2
  const three = riskPicture([pn, mad], [['pn-camera', 'mad-rid']], NOW);
  assert.equal(three.score, 6);
  const many = riskPicture([{ ...pn, sightings: [{ agency: 'pj', at: minutesAgo(0), status: null }, { agency: 'crm', at: minutesAgo(0), status: 'acknowledged' }] }, mad],
    [['pn-camera', 'mad-rid']], NOW);
  assert.equal(many.score, 8, '4 × 2 (pj, crm, mad: capped)');
});

test('expired and resolved alerts are listed but not counted; critical from 12', () => {
  const r = riskPicture([
    alert('old', { expires: minutesAgo(1) }),
    alert('done', { sightings: [{ agency: 'mad', at: minutesAgo(2), status: 'resolved' }] }),
    alert('bomb', { category: 'explosion', severity: 'critical' }),
  ], [], NOW);
  assert.deepEqual([r.score, r.level], [12, 'critical']);
  assert.deepEqual(r.contributions.map((c) => c.counted), [false, false, true]);
  assert.match(r.contributions[0]?.reasons[0] ?? '', /^expired at/);
  assert.match(r.contributions[1]?.reasons[0] ?? '', /^resolved by mad/);
});
