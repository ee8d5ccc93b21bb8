import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectionEvent } from '@popart/detection';
import { AlertMerger, areaMovedMaterially } from './alert-merger.js';

const T0 = Date.parse('2026-05-01T20:00:00.000Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

function ev(s: number, over: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    id: 'incursion-1', source: 'rid', sensorKind: 'remote-id', category: 'drone', severity: 'high', confidence: 0.9,
    startedAt: at(0), observedAt: at(s), summary: 'drone', measurements: {},
    area: { shape: 'circle', latitude: 40.45306, longitude: -3.68835, radius_m: 30 },
    ...over,
  };
}

/** Feeds events through the merger as the runner does (recording what it publishes); returns the decisions. */
function run(merger: AlertMerger, events: [DetectionEvent, boolean][]): string[] {
  return events.map(([e, ended]) => {
    const d = merger.decide(e, ended);
    if (d.publish) merger.published(e, ended, d.modified);
    return d.reason;
  });
}

test('updates of one occurrence: published when severity, confidence, area or evidence change, or after the interval; else merged', () => {
  const m = new AlertMerger(60);
  const moved = { shape: 'circle' as const, latitude: 40.4540, longitude: -3.68835, radius_m: 30 };
  const reasons = run(m, [
    [ev(0), false],
    [ev(5), false],
    [ev(10, { confidence: 0.95 }), false],
    [ev(15, { confidence: 0.75 }), false],
    [ev(20, { confidence: 0.75, severity: 'critical' }), false],
    [ev(25, { confidence: 0.75, severity: 'critical', area: moved }), false],
    [ev(30, { confidence: 0.75, severity: 'critical', area: moved, evidence: [{ kind: 'capture', uri: 'a', sha256: 'a'.repeat(64), mediaType: 'x' }] }), false],
    [ev(60, { confidence: 0.75, severity: 'critical', area: moved, evidence: [{ kind: 'capture', uri: 'a', sha256: 'a'.repeat(64), mediaType: 'x' }] }), false],
    [ev(90, { confidence: 0.75, severity: 'critical', area: moved, evidence: [{ kind: 'capture', uri: 'a', sha256: 'a'.repeat(64), mediaType: 'x' }] }), false],
    [ev(95), true],
    [ev(100), false],
  ]);
  assert.deepEqual(reasons, ['new', 'unchanged', 'unchanged', 'confidence', 'severity', 'area', 'evidence', 'unchanged', 'interval', 'ended', 'after-end']);
  assert.equal(m.openCount, 0, 'an ended occurrence is forgotten');
});

test('versions get strictly increasing modified times, even when events repeat a time', () => {
  const m = new AlertMerger(1);
  const first = m.decide(ev(5), false);
  assert.ok(first.publish);
  assert.equal(first.modified.toISOString(), at(5));
  m.published(ev(5), false, first.modified);
  const same = m.decide(ev(5, { severity: 'critical' }), false);
  assert.ok(same.publish);
  assert.equal(same.modified.toISOString(), new Date(T0 + 5001).toISOString());
  m.published(ev(5, { severity: 'critical' }), false, same.modified);
  const end = m.decide(ev(5), true);
  assert.ok(end.publish && end.reason === 'ended');
  assert.equal(end.modified.toISOString(), new Date(T0 + 5002).toISOString());
});

test('an occurrence first heard as ended is published once as ended; other occurrences are independent', () => {
  const m = new AlertMerger(60);
  assert.deepEqual(run(m, [[ev(0, { id: 'a' }), true], [ev(1, { id: 'b' }), false], [ev(2, { id: 'a' }), false]]), ['ended', 'new', 'after-end']);
  assert.equal(m.openCount, 1);
});

test('the merger forgets the stalest occurrence past its bound', () => {
  const m = new AlertMerger(60, 2);
  run(m, [[ev(0, { id: 'a' }), false], [ev(1, { id: 'b' }), false], [ev(2, { id: 'c' }), false]]);
  assert.equal(m.openCount, 2);
  assert.equal(m.decide(ev(3, { id: 'a' }), false).reason, 'new', 'the oldest was dropped, so it counts as new again');
  assert.equal(m.decide(ev(3, { id: 'c' }), false).reason, 'unchanged');
});

test('material area changes: centre moves beyond max(25 m, a quarter of the size), or size changes by more than 25 %', () => {
  const c = (lat: number, r: number) => ({ shape: 'circle' as const, latitude: lat, longitude: -3.68835, radius_m: r });
  assert.equal(areaMovedMaterially(c(40.45306, 30), c(40.45316, 30)), false, '11 m');
  assert.equal(areaMovedMaterially(c(40.45306, 30), c(40.45336, 30)), true, '33 m');
  assert.equal(areaMovedMaterially(c(40.45306, 400), c(40.45336, 400)), false, '33 m of a 400 m circle');
  assert.equal(areaMovedMaterially(c(40.45306, 100), c(40.45306, 120)), false, '+20 %');
  assert.equal(areaMovedMaterially(c(40.45306, 100), c(40.45306, 130)), true, '+30 %');
  const square = (d: number) => ({ shape: 'polygon' as const, vertices: [[-3.689 + d, 40.453], [-3.688 + d, 40.453], [-3.688 + d, 40.454], [-3.689 + d, 40.454], [-3.689 + d, 40.453]] as [number, number][] });
  assert.equal(areaMovedMaterially(square(0), square(0.0001)), false, '8 m');
  assert.equal(areaMovedMaterially(square(0), square(0.001)), true, '85 m');
  assert.equal(areaMovedMaterially(undefined, undefined), false);
  assert.equal(areaMovedMaterially(undefined, c(40.45, 10)), true);
});
