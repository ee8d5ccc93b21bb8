import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assign } from '../src/vision/tracking/hungarian.js';
import { MultiObjectTracker } from '../src/vision/tracking/tracker.js';
import { det } from './vision-helpers.js';

test('Hungarian assignment finds the minimum total cost, on rectangular matrices, and drops pairs above maxCost', () => {
  // Greedy would take (0,0)=1 then (1,1)=10: total 11; optimum is (0,1)+(1,0) = 2+2.
  assert.deepEqual(assign([[1, 2], [2, 10]], 100), [[0, 1], [1, 0]]);
  assert.deepEqual(assign([[5, 1, 9]], 100), [[0, 1]]);
  assert.deepEqual(assign([[5], [1], [9]], 100), [[1, 0]]);
  assert.deepEqual(assign([[0.9, Infinity], [Infinity, 0.1]], 0.5), [[1, 1]]);
  assert.deepEqual(assign([], 1), []);
});

test('an object moving at constant speed keeps one id; confirmation needs two hits', () => {
  const tracker = new MultiObjectTracker();
  const ids = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const tracks = tracker.update([det('person', 10 + 6 * i, 50, 30 + 6 * i, 100)], i / 10, i);
    if (i === 0) assert.equal(tracks.length, 0, 'tentative after one detection');
    else {
      assert.equal(tracks.length, 1);
      ids.add(tracks[0]!.id);
    }
  }
  assert.deepEqual([...ids], ['t1']);
  const [t] = tracker.active;
  assert.ok(Math.abs(t!.velocity[0] - 60) < 10, `velocity ${t!.velocity[0]} ≈ 60 px/s`);
});

test('two objects crossing keep their ids (prediction carries them through the crossing)', () => {
  const tracker = new MultiObjectTracker();
  const seen: Record<string, number[]> = {};
  for (let i = 0; i < 30; i++) {
    const a = det('person', 10 + 8 * i, 50, 30 + 8 * i, 90);
    const b = det('person', 250 - 8 * i, 56, 270 - 8 * i, 96);
    for (const tr of tracker.update([a, b], i / 10, i)) (seen[tr.id] ??= []).push((tr.box.x1 + tr.box.x2) / 2);
  }
  assert.deepEqual(Object.keys(seen).sort(), ['t1', 't2']);
  const [first, second] = [seen.t1!, seen.t2!];
  assert.ok(first.at(-1)! > first[0]!, 't1 kept moving right');
  assert.ok(second.at(-1)! < second[0]!, 't2 kept moving left');
});

test('occlusion: a track survives maxLostS without detections, then ends; a new object gets a new id', () => {
  const tracker = new MultiObjectTracker({ maxLostS: 0.5 });
  for (let i = 0; i < 5; i++) tracker.update([det('car', 10 + 5 * i, 10, 50 + 5 * i, 40)], i / 10, i);
  let tracks = tracker.update([], 0.5, 5);
  assert.equal(tracks[0]?.state, 'lost');
  assert.equal(tracks[0]?.matched, false);
  tracks = tracker.update([det('car', 40, 10, 80, 40)], 0.6, 6);
  assert.equal(tracks[0]?.id, 't1', 'picked up again after a short gap');
  for (let i = 7; i < 14; i++) tracks = tracker.update([], i / 10, i);
  assert.equal(tracks.length, 0, 'ended after maxLostS');
  tracker.update([det('car', 200, 10, 240, 40)], 1.4, 14);
  tracks = tracker.update([det('car', 202, 10, 242, 40)], 1.5, 15);
  assert.equal(tracks[0]?.id, 't2');
});

test('low-score detections continue a track but never start one; classes are not mixed', () => {
  const tracker = new MultiObjectTracker();
  tracker.update([det('person', 10, 10, 30, 60, 0.9)], 0, 0);
  tracker.update([det('person', 12, 10, 32, 60, 0.9)], 0.1, 1);
  let tracks = tracker.update([det('person', 14, 10, 34, 60, 0.3), det('person', 200, 10, 220, 60, 0.3)], 0.2, 2);
  assert.deepEqual(tracks.map((t) => [t.id, t.matched]), [['t1', true]]);
  tracks = tracker.update([det('person', 200, 10, 220, 60, 0.3)], 0.3, 3);
  tracks = tracker.update([det('person', 200, 10, 220, 60, 0.3)], 0.4, 4);
  assert.equal(tracks.filter((t) => t.matched).length, 0, 'no track born from low scores');
  // A dog where the person is does not continue the person's track.
  tracks = tracker.update([det('dog', 16, 10, 36, 60, 0.9, 16)], 0.5, 5);
  assert.equal(tracks.find((t) => t.id === 't1')?.matched, false);
});
