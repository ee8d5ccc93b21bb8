import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLabels } from '../vision-eval/labels.js';
import { scoreBoxes } from '../vision-eval/score.js';
import { crowdScene, medianImage, toImage, VIEW } from '../vision-eval/synthetic.js';
import { det } from './vision-helpers.js';

test('vision eval scoring: best score first, IoU ≥ 0.5, one detection per labelled box, hidden persons neither hit nor miss', () => {
  const truth = { boxes: [{ x1: 0, y1: 0, x2: 10, y2: 20 }, { x1: 50, y1: 0, x2: 60, y2: 20 }], difficult: [{ x1: 100, y1: 0, x2: 110, y2: 20 }] };
  const s = scoreBoxes([
    det('person', 0, 0, 10, 19, 0.9), det('person', 1, 0, 11, 20, 0.8), // the second is a duplicate: a false alarm
    det('person', 100, 0, 110, 20, 0.7), // on the hidden person: ignored
    det('person', 200, 0, 210, 20, 0.6), // nothing there
  ], truth);
  assert.deepEqual(s, { tp: 1, fp: 2, fn: 1, truth: 3, detected: 4 });
});

test('vision eval labels: every image and box is inside its picture', () => {
  const images = loadLabels();
  assert.ok(images.length >= 7);
  for (const i of images) {
    for (const b of [...i.truth.person.boxes, ...i.truth.person.difficult, ...i.truth.vehicle.boxes]) {
      assert.ok(b.x1 >= 0 && b.y1 >= 0 && b.x2 <= i.width && b.y2 <= i.height && b.x2 > b.x1 && b.y2 > b.y1, `${i.file}: ${JSON.stringify(b)}`);
    }
  }
});

test('synthetic crowds: persons stand where the view projects them, near ones drawn over far ones', () => {
  // The view's ground model: 10 m ahead is row −44 + 665 × 6.3 / 10 = 375, and a person there is 1.7 / 6.3 × 419 px tall.
  assert.deepEqual(toImage(0, 10).map((v) => Math.round(v)), [384, 375]);
  const background = medianImage([1, 2, 3].map((v) => ({ data: new Uint8Array(VIEW.width * VIEW.height * 3).fill(v * 10), width: VIEW.width, height: VIEW.height })));
  assert.equal(background[0], 20);
  const sprite = { width: 10, height: 40, rgb: new Uint8Array(400 * 3).fill(255), mask: new Uint8Array(400).fill(1) };
  const sparse = crowdScene(background, [sprite], 5, 1);
  const dense = crowdScene(background, [sprite], 400, 1);
  assert.equal(sparse.truth.boxes.length + sparse.truth.difficult.length, 5);
  for (const b of [...sparse.truth.boxes, ...sparse.truth.difficult]) {
    const h = b.y2 - b.y1;
    assert.ok(Math.abs(h - (1.7 * (b.y2 + 44)) / 6.3) < 1e-6, 'height from the foot row');
    assert.ok(b.y2 >= 146 && b.y2 <= 376, 'feet on the ground rectangle (10–22 m)');
  }
  assert.ok(dense.truth.difficult.length > dense.persons / 2, `at 3 /m² most persons are hidden: ${dense.truth.difficult.length} of ${dense.persons}`);
  assert.ok(sparse.image.data.some((v) => v === 255), 'the persons are drawn');
});
