import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exerciseOf, markedForExercise } from './exercise.js';
import { validateObject } from './validate.js';

const indicator = {
  type: 'indicator', spec_version: '2.1', id: 'indicator--4b6f1c2a-8e3d-4f5a-9b7c-1d2e3f4a5b6c', created: '2026-06-01T20:00:00.000Z',
  modified: '2026-06-01T20:00:00.000Z', pattern: "[mac-addr:value = '60:60:1f:00:00:01']", pattern_type: 'stix', valid_from: '2026-06-01T20:00:00.000Z',
};

describe('exercise marks', () => {
  test('markedForExercise adds the property and the label once; exerciseOf reads it back', () => {
    const marked = markedForExercise({ ...indicator, labels: ['drone'] }, 'gate-crowding-2');
    assert.deepEqual(marked.labels, ['drone', 'exercise']);
    assert.equal(exerciseOf(marked), 'gate-crowding-2');
    assert.deepEqual(markedForExercise(marked, 'gate-crowding-2').labels, ['drone', 'exercise']);
    assert.equal(exerciseOf(indicator), null, 'a real object');
    assert.equal(exerciseOf({ ...indicator, labels: ['exercise'] }), 'exercise', 'the label alone makes an exercise object');
    assert.ok(validateObject(marked, 0).ok);
  });

  test('a malformed mark is refused, naming the property', () => {
    const noLabel = validateObject({ ...indicator, x_popart_exercise: 'gate-crowding-2' }, 0);
    assert.ok(!noLabel.ok && noLabel.errors.some((e) => e.property === 'labels' && /label "exercise"/.test(e.message)));
    const badId = validateObject({ ...indicator, x_popart_exercise: 'has spaces', labels: ['exercise'] }, 0);
    assert.ok(!badId.ok && badId.errors.some((e) => e.property === 'x_popart_exercise'));
  });
});
