import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { decodeImage } from '../src/video-ingest/jpeg.js';
import { decodeNanoDet } from '../src/vision/detectors/nanodet/decode.js';
import { NanoDetDetector } from '../src/vision/detectors/nanodet/nanodet-detector.js';
import { createDetector } from '../src/vision/detectors/registry.js';
import { DetectorError } from '../src/vision/detectors/detector-error.js';
import type { NanoDetConfig } from '../src/vision/detectors/nanodet/config.js';
import { COCO_LABELS } from '../src/vision/detectors/coco-labels.js';

const FIXTURES = join(fileURLToPath(import.meta.url), '../../../test/fixtures');
const config = (extra: Partial<NanoDetConfig> = {}): NanoDetConfig => ({ kind: 'nanodet', scoreThreshold: 0.35, iouThreshold: 0.6, maxDetections: 100, letterbox: true, ...extra });

test('NanoDet decoding: softmax expectation of each side, times the stride, from the cell centre', () => {
  const bins = 11;
  const classes = 2;
  // One level, stride 8, 2 × 2 cells; cell 3 (row 1, col 1) holds class 1 at 0.8.
  const scores = new Float32Array(4 * classes);
  scores[3 * classes + 1] = 0.8;
  scores[0] = 0.2; // below threshold
  const distances = new Float32Array(4 * 4 * bins).fill(-50);
  const side = (cell: number, k: number, bin: number, other?: number): void => {
    const o = cell * 4 * bins + k * bins;
    distances[o + bin] = 10;
    if (other !== undefined) distances[o + other] = 10; // two equal peaks → their mean
  };
  side(3, 0, 1); // left 1 × 8
  side(3, 1, 2); // top 2 × 8
  side(3, 2, 3, 5); // right (3 + 5) / 2 × 8 = 32
  side(3, 3, 0); // bottom 0
  const found = decodeNanoDet([{ stride: 8, columns: 2, scores, distances }], classes, bins, 0.35);
  assert.equal(found.length, 1);
  const [c] = found;
  assert.equal(c!.classId, 1);
  assert.ok(Math.abs(c!.score - 0.8) < 1e-6);
  // centre (1.5 × 8, 1.5 × 8) = (12, 12)
  const b = c!.box;
  for (const [got, want] of [[b.x1, 4], [b.y1, -4], [b.x2, 44], [b.y2, 12]] as const) assert.ok(Math.abs(got - want) < 1e-3, `${got} ≈ ${want}`);
  assert.deepEqual(decodeNanoDet([{ stride: 8, columns: 2, scores, distances }], classes, bins, 0.35, new Set([0])), []);
});

/** The decoding as specified, one score at a time: what the block-skipping scan must reproduce exactly. */
function referenceDecode(levels: { stride: number; columns: number; scores: Float32Array; distances: Float32Array }[], classes: number, bins: number, threshold: number, keep?: Set<number>): unknown[] {
  const out = [];
  const expected = (d: Float32Array, o: number): number => {
    const max = Math.max(...d.subarray(o, o + bins));
    const p = Array.from(d.subarray(o, o + bins), (v) => Math.exp(v - max));
    return p.reduce((a, v, j) => a + v * j, 0) / p.reduce((a, v) => a + v, 0);
  };
  for (const { stride, columns, scores, distances } of levels) {
    for (let i = 0; i < scores.length / classes; i++) {
      for (let c = 0; c < classes; c++) {
        const score = scores[i * classes + c]!;
        if (score < threshold || (keep && !keep.has(c))) continue;
        const cx = ((i % columns) + 0.5) * stride;
        const cy = (Math.floor(i / columns) + 0.5) * stride;
        const o = i * 4 * bins;
        out.push({ classId: c, score, box: { x1: cx - expected(distances, o) * stride, y1: cy - expected(distances, o + bins) * stride, x2: cx + expected(distances, o + 2 * bins) * stride, y2: cy + expected(distances, o + 3 * bins) * stride } });
      }
    }
  }
  return out;
}

test('NanoDet decoding of 80-class grids skips blocks of low scores and finds exactly the candidates a score-by-score scan finds', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const classes = 80;
  const bins = 8;
  const threshold = 0.35;
  const level = (stride: number, columns: number): { stride: number; columns: number; scores: Float32Array; distances: Float32Array } => {
    const cells = columns * columns;
    // Mostly tiny scores, as a sigmoid head gives; a few over the threshold, some exactly on it or just under it.
    const scores = Float32Array.from({ length: cells * classes }, () => random() * 0.05);
    for (let n = 0; n < 30; n++) scores[Math.floor(random() * cells * classes)] = 0.3 + random() * 0.7;
    scores[5] = Math.fround(threshold); // the float nearest 0.35 is below 0.35: not a candidate
    scores[13] = 0.3500001; // just over
    scores[scores.length - 1] = 0.99; // the very last score of the grid
    scores[classes * 2 + 7] = Number.NaN; // NaN is not below the threshold, so it passes, as score by score
    const distances = Float32Array.from({ length: cells * 4 * bins }, () => random() * 6 - 3);
    return { stride, columns, scores, distances };
  };
  const levels = [level(8, 12), level(16, 6), level(32, 3)];
  const strip = (xs: unknown[]): string => JSON.stringify(xs, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v));
  const found = decodeNanoDet(levels, classes, bins, threshold);
  const want = referenceDecode(levels, classes, bins, threshold);
  assert.ok(want.length > 80, `${want.length} candidates`);
  assert.equal(found.length, want.length);
  for (const [i, c] of found.entries()) {
    const w = want[i] as { classId: number; score: number; box: Record<'x1' | 'y1' | 'x2' | 'y2', number> };
    assert.equal(c.classId, w.classId);
    assert.equal(strip([c.score]), strip([w.score]));
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) assert.ok(Math.abs(c.box[k] - w.box[k]) < 1e-9, `candidate ${i} ${k}`);
  }
  assert.ok(found.some((c) => Number.isNaN(c.score)));
  assert.ok(!found.some((c) => c.score === Math.fround(threshold)));
  const keep = new Set([0, 7, 79]);
  assert.equal(strip(decodeNanoDet(levels, classes, bins, threshold, keep).map((c) => [c.classId, c.score])),
    strip((referenceDecode(levels, classes, bins, threshold, keep) as { classId: number; score: number }[]).map((c) => [c.classId, c.score])));
  // A threshold of 0 reads every score (a negative zero is not below it either).
  assert.equal(decodeNanoDet(levels, classes, bins, 0).length, referenceDecode(levels, classes, bins, 0).length);
});

test('the bundled NanoDet model loads (hash checked), reads its layout from the model and finds the astronaut', async (t) => {
  const detector = await NanoDetDetector.create(config());
  t.after(() => detector.close());
  assert.equal(detector.inputSize, 416);
  assert.equal(detector.labels, COCO_LABELS);
  // A public-domain photograph (scikit-image's astronaut.png): one person over the left two thirds.
  const frame = await decodeImage(join(FIXTURES, 'astronaut.jpg'), 320, 320);
  const found = await detector.detect(frame);
  for (const d of found) {
    assert.ok(d.score >= 0.35 && d.score <= 1);
    assert.ok(d.box.x1 >= 0 && d.box.y1 >= 0 && d.box.x2 <= 320 && d.box.y2 <= 320 && d.box.x1 < d.box.x2 && d.box.y1 < d.box.y2);
    assert.equal(d.label, COCO_LABELS[d.classId]);
  }
  const person = found.find((d) => d.label === 'person');
  assert.ok(person, `a person among ${JSON.stringify(found.map((d) => d.label))}`);
  assert.ok(person.score > 0.5);
  const centreX = (person.box.x1 + person.box.x2) / 2;
  assert.ok(centreX < 200, `person centred at x=${centreX}, expected in the left part`);
  assert.ok(person.box.y2 - person.box.y1 > 200, 'the person spans most of the height');
  // Non-maximum suppression leaves one person box.
  assert.equal(found.filter((d) => d.label === 'person').length, 1);
});

test('NanoDet on a frame of another size and with a class filter returns well-formed detections', async (t) => {
  const detector = await createDetector({ ...config({ classes: ['car'] }) });
  t.after(() => detector.close());
  const frame = { data: new Uint8Array(200 * 100 * 3).map((_, i) => (i * 37) % 251), width: 200, height: 100 };
  const found = await detector.detect(frame);
  assert.ok(Array.isArray(found));
  for (const d of found) assert.equal(d.label, 'car');
  const photo = await decodeImage(join(FIXTURES, 'astronaut.jpg'), 320, 320);
  assert.deepEqual((await detector.detect(photo)).filter((d) => d.label === 'person'), []);
});

test('a NanoDet model path that does not exist is a clear error', async () => {
  await assert.rejects(NanoDetDetector.create(config({ model: '/nonexistent/nanodet.onnx' })),
    (e: unknown) => e instanceof DetectorError && e.code === 'MODEL_NOT_FOUND' && /\/nonexistent\/nanodet\.onnx/.test(e.message));
});
