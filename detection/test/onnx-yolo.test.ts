import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CameraConfigError } from '../src/vision/config/config-error.js';
import { DetectorError } from '../src/vision/detectors/detector-error.js';
import { createDetector } from '../src/vision/detectors/registry.js';
import type { OnnxYoloConfig } from '../src/vision/detectors/onnx-yolo/config.js';
import { buildBrightSpotModel, buildFixedOutputModel, yoloAnchorsFirst, yoloBoxesFirst } from '../src/testing/onnx-builder.js';
import { cameraConfig, tempDir } from './vision-helpers.js';

const CLASSES = ['drone', 'bird', 'airplane'];
// Frame 128×64 into a 64×64 model: letterbox scale 0.5, 16 px bands above and below.
const frame = { data: new Uint8Array(128 * 64 * 3).fill(90), width: 128, height: 64 };

function yoloConfig(model: string, extra: Partial<OnnxYoloConfig> = {}): OnnxYoloConfig {
  return { kind: 'onnx-yolo', model, classMap: CLASSES, layout: 'auto', letterbox: true, scoreThreshold: 0.4, iouThreshold: 0.45, maxDetections: 100, ...extra };
}

test('YOLOv8 layout [1, 4+nc, N]: boxes mapped back through the letterbox, class map, threshold, NMS', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'v8.onnx');
  await writeFile(model, buildFixedOutputModel({
    inputDims: [1, 3, 64, 64],
    outputDims: [1, 7, 8],
    output: yoloBoxesFirst(8, 3, [
      { cx: 32, cy: 32, w: 16, h: 8, scores: [0.9, 0, 0] }, // drone
      { cx: 33, cy: 32, w: 16, h: 8, scores: [0.8, 0, 0] }, // same drone, weaker: suppressed
      { cx: 10, cy: 20, w: 4, h: 4, scores: [0, 0.3, 0] }, // bird below threshold
      { cx: 50, cy: 40, w: 8, h: 8, scores: [0, 0.1, 0.7] }, // airplane
    ]),
  }));
  const detector = await createDetector(yoloConfig(model));
  t.after(() => detector.close());
  const found = await detector.detect(frame);
  assert.equal(found.length, 2);
  const [drone, plane] = found;
  assert.equal(drone!.label, 'drone');
  assert.ok(Math.abs(drone!.score - 0.9) < 1e-6);
  // model box (24, 28)-(40, 36) → frame ((24-0)/0.5, (28-16)/0.5) … = (48, 24)-(80, 40)
  assert.deepEqual(drone!.box, { x1: 48, y1: 24, x2: 80, y2: 40 });
  assert.equal(plane!.label, 'airplane');
  assert.deepEqual(plane!.box, { x1: 92, y1: 40, x2: 108, y2: 56 });
});

test('YOLOv5 layout [1, N, 5+nc]: objectness times class score, and the classes filter', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'v5.onnx');
  await writeFile(model, buildFixedOutputModel({
    inputDims: [1, 3, 64, 64],
    outputDims: [1, 6, 8],
    output: yoloAnchorsFirst(6, 3, [
      { cx: 32, cy: 32, w: 16, h: 8, objectness: 0.5, scores: [0.9, 0, 0] }, // 0.45: kept
      { cx: 10, cy: 30, w: 8, h: 8, objectness: 0.5, scores: [0, 0.7, 0] }, // 0.35: dropped
      { cx: 50, cy: 30, w: 8, h: 8, objectness: 0.9, scores: [0, 0, 0.9] }, // airplane 0.81
    ]),
  }));
  const all = await createDetector(yoloConfig(model));
  t.after(() => all.close());
  const found = await all.detect(frame);
  assert.deepEqual(found.map((d) => d.label), ['airplane', 'drone']);
  assert.ok(Math.abs(found[1]!.score - 0.45) < 1e-6);
  const onlyDrones = await createDetector(yoloConfig(model, { classes: ['drone'] }));
  t.after(() => onlyDrones.close());
  assert.deepEqual((await onlyDrones.detect(frame)).map((d) => d.label), ['drone']);
});

test('stretch instead of letterbox maps each axis on its own', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'v8.onnx');
  await writeFile(model, buildFixedOutputModel({ inputDims: [1, 3, 64, 64], outputDims: [1, 7, 2], output: yoloBoxesFirst(2, 3, [{ cx: 32, cy: 32, w: 16, h: 8, scores: [0.9, 0, 0] }]) }));
  const detector = await createDetector(yoloConfig(model, { letterbox: false }));
  t.after(() => detector.close());
  const [d] = await detector.detect(frame);
  assert.deepEqual(d!.box, { x1: 48, y1: 28, x2: 80, y2: 36 });
});

test('a model whose output does not fit the class map is refused with both shapes named', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'v8.onnx');
  await writeFile(model, buildFixedOutputModel({ inputDims: [1, 3, 64, 64], outputDims: [1, 7, 8], output: new Float32Array(56) }));
  await assert.rejects(createDetector(yoloConfig(model, { classMap: ['a', 'b', 'c', 'd', 'e'] })), (e: unknown) => {
    assert.ok(e instanceof DetectorError);
    assert.equal(e.code, 'MODEL_MISMATCH');
    assert.match(e.message, /output \[1, 7, 8\] does not fit 5 class\(es\)/);
    assert.match(e.message, /\[1, 9, N\]/);
    return true;
  });
});

test('dynamic input size needs detector.inputSize', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'dyn.onnx');
  await writeFile(model, buildFixedOutputModel({ inputDims: [1, 3, 'height', 'width'], outputDims: [1, 7, 2], output: new Float32Array(14) }));
  await assert.rejects(createDetector(yoloConfig(model)), /dynamic size: set detector.inputSize/);
  const detector = await createDetector(yoloConfig(model, { inputSize: [64, 64] }));
  t.after(() => detector.close());
  assert.deepEqual(await detector.detect(frame), []);
});

test('missing and corrupt model files are clear errors', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(createDetector(yoloConfig(join(dir, 'nope.onnx'))), (e: unknown) => e instanceof DetectorError && e.code === 'MODEL_NOT_FOUND' && /nope\.onnx/.test(e.message));
  const junk = join(dir, 'junk.onnx');
  await writeFile(junk, 'not a model');
  await assert.rejects(createDetector(yoloConfig(junk)), (e: unknown) => e instanceof DetectorError && e.code === 'MODEL_INVALID' && /junk\.onnx/.test(e.message));
});

test('onnx-yolo config: model and classMap are required, class ids in a mapping, unknown filter classes named', () => {
  assert.throws(() => cameraConfig({ detector: { kind: 'onnx-yolo' } }), (e: unknown) => {
    assert.ok(e instanceof CameraConfigError);
    const paths = e.issues.map((i) => i.path);
    assert.ok(paths.includes('detector.model'));
    assert.ok(paths.includes('detector.classMap'));
    return true;
  });
  const c = cameraConfig({ detector: { kind: 'onnx-yolo', model: 'm.onnx', classMap: { 0: 'drone', 2: 'bird' } } }, '/models');
  assert.equal(c.detector.kind, 'onnx-yolo');
  assert.deepEqual(c.detector.kind === 'onnx-yolo' && c.detector.classMap, ['drone', 'class-1', 'bird']);
  assert.equal(c.detector.kind === 'onnx-yolo' && c.detector.model, '/models/m.onnx');
  assert.throws(() => cameraConfig({ detector: { kind: 'onnx-yolo', model: 'm.onnx', classMap: ['drone'], classes: ['plane'], layout: 'sideways' } }),
    (e: unknown) => e instanceof CameraConfigError
      && e.issues.some((i) => i.path === 'detector.classes[0]' && /unknown class "plane"/.test(i.message))
      && e.issues.some((i) => i.path === 'detector.layout' && /"auto", "boxes-first", "anchors-first"/.test(i.message)));
});

test('the testing bright-spot model: its one box follows a white square in the frame, and nothing without one', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'spot.onnx');
  await writeFile(model, buildBrightSpotModel({ width: 64, height: 64, classes: 2, box: { width: 4, height: 8 } }));
  // Stretched 128×64 → 64×64 (x scale 0.5): a 4×8 model box is 8×8 in the frame.
  const detector = await createDetector(yoloConfig(model, { classMap: ['drone', 'bird'], letterbox: false, layout: 'boxes-first' }));
  t.after(() => detector.close());
  const sky = (square?: { x: number; y: number }): typeof frame => {
    const data = new Uint8Array(128 * 64 * 3);
    for (let i = 0; i < 128 * 64; i++) data.set([135, 206, 235], i * 3);
    if (square) for (let y = square.y; y < square.y + 8; y++) for (let x = square.x; x < square.x + 8; x++) data.set([255, 255, 255], (y * 128 + x) * 3);
    return { data, width: 128, height: 64 };
  };
  assert.deepEqual(await detector.detect(sky()), [], 'no bright pixels, no object');
  for (const square of [{ x: 10, y: 4 }, { x: 60, y: 20 }, { x: 112, y: 50 }]) {
    const [found, ...more] = await detector.detect(sky(square));
    assert.equal(more.length, 0);
    assert.equal(found!.label, 'drone');
    assert.ok(Math.abs(found!.score - 0.9) < 1e-6);
    const centre = [(found!.box.x1 + found!.box.x2) / 2, (found!.box.y1 + found!.box.y2) / 2];
    assert.ok(Math.abs(centre[0]! - (square.x + 4)) < 1 && Math.abs(centre[1]! - (square.y + 4)) < 1, `box centre ${centre} for a square centred at ${square.x + 4},${square.y + 4}`);
    assert.ok(Math.abs(found!.box.x2 - found!.box.x1 - 8) < 1e-6 && Math.abs(found!.box.y2 - found!.box.y1 - 8) < 1e-6);
  }
  assert.throws(() => buildBrightSpotModel({ width: 8, height: 8, classes: 2, classId: 2, box: { width: 1, height: 1 } }), /classId 2 is not one of the 2 classes/);
});
