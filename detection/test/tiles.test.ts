import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareInput, toFrameBox } from '../src/vision/detectors/preprocess.js';
import { scaledTransform } from '../src/video-ingest/scaled-input.js';
import { CombinedDetector } from '../src/vision/detectors/combined-detector.js';
import { TiledDetector } from '../src/vision/detectors/tiled-detector.js';
import { autoGrid, mergeTileDetections, predictedPersonHeightPx, tileGrid, type TileDetection } from '../src/vision/detectors/tiles.js';
import { CameraGeometry } from '../src/vision/geometry/camera-geometry.js';
import type { Box, Detection, Frame, ObjectDetector } from '../src/vision/types.js';
import { cameraConfig } from './vision-helpers.js';

const close = (a: Box, b: Box, tolerance = 0.51): boolean => (['x1', 'y1', 'x2', 'y2'] as const).every((k) => Math.abs(a[k] - b[k]) <= tolerance);

test('letterbox: a 640×360 frame lands in the middle of a 416 square, and boxes map back to the same frame pixels', () => {
  const t = scaledTransform(640, 360, { width: 416, height: 416, mode: 'letterbox' });
  assert.equal(t.scaleX, 0.65);
  assert.equal(t.scaleY, 0.65);
  assert.deepEqual([t.innerWidth, t.innerHeight, t.padX, t.padY], [416, 234, 0, 91]);
  // A person at frame (100, 50)–(160, 230) is drawn at model (65, 91 + 32.5)–(104, 91 + 149.5).
  const model: Box = { x1: 65, y1: 123.5, x2: 104, y2: 240.5 };
  assert.ok(close(toFrameBox(model, t), { x1: 100, y1: 50, x2: 160, y2: 230 }, 1e-9));
  // Stretched, the same box comes back from other model pixels: y scales by 416 / 360.
  const s = scaledTransform(640, 360, { width: 416, height: 416, mode: 'stretch' });
  assert.ok(close(toFrameBox({ x1: 65, y1: 50 * 416 / 360, x2: 104, y2: 230 * 416 / 360 }, s), { x1: 100, y1: 50, x2: 160, y2: 230 }, 1e-9));
  // A portrait frame is padded left and right.
  const p = scaledTransform(360, 640, { width: 416, height: 416, mode: 'letterbox' });
  assert.deepEqual([p.padX, p.padY, p.innerWidth, p.innerHeight], [91, 0, 234, 416]);
});

test('letterbox input: the picture keeps its aspect and the bands are grey 114', () => {
  // 8×4 white frame into 8×8: rows 0–1 and 6–7 are bands, rows 2–5 the picture.
  const frame: Frame = { data: new Uint8Array(8 * 4 * 3).fill(255), width: 8, height: 4 };
  const plain = { order: 'rgb' as const, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  const { tensor, transform } = prepareInput(frame, 8, 8, 'letterbox', plain);
  assert.deepEqual(transform, { scaleX: 1, scaleY: 1, padX: 0, padY: 2 });
  const row = (y: number): number[] => Array.from(tensor.subarray(y * 8, y * 8 + 8));
  assert.deepEqual(row(0), Array(8).fill(114));
  assert.deepEqual(row(3), Array(8).fill(255));
  assert.deepEqual(row(7), Array(8).fill(114));
});

test('tile grid: tiles overlap by the share asked, cover the frame and stay inside it', () => {
  const tiles = tileGrid(640, 360, [2, 1], 0.2);
  assert.deepEqual(tiles, [{ x: 0, y: 0, width: 356, height: 360 }, { x: 284, y: 0, width: 356, height: 360 }]);
  const grid = tileGrid(1280, 720, [3, 2], 0.25);
  assert.equal(grid.length, 6);
  for (const t of grid) assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= 1280 && t.y + t.height <= 720);
  assert.equal(Math.max(...grid.map((t) => t.x + t.width)), 1280);
  assert.equal(Math.max(...grid.map((t) => t.y + t.height)), 720);
  const [a, b] = grid;
  assert.ok(Math.abs((a!.x + a!.width - b!.x) / a!.width - 0.25) < 0.01, 'neighbours share a quarter of a tile');
});

const td = (x1: number, y1: number, x2: number, y2: number, score: number, pass: number, cut = false, label = 'person'): TileDetection => ({
  box: { x1, y1, x2, y2 }, score, classId: label === 'person' ? 0 : 1, label, pass, cut,
});

test('merge across tiles: the same person seen by two tiles is one box; a piece cut by a tile edge joins the whole', () => {
  const merged = mergeTileDetections([
    td(300, 100, 330, 180, 0.9, 1), td(301, 101, 331, 181, 0.8, 2), // both tiles see it whole: NMS keeps the better
    td(350, 100, 356, 180, 0.7, 1, true), td(350, 100, 380, 180, 0.6, 2), // a sliver cut at x = 356 and the whole person
    td(400, 100, 430, 180, 0.9, 1), td(425, 100, 455, 180, 0.85, 1), // neighbours in a queue: two persons
    td(300, 100, 330, 180, 0.5, 2, false, 'car'), // another class at the same place stays
  ], 0.5, 100);
  const persons = merged.filter((d) => d.label === 'person').sort((a, b) => a.box.x1 - b.box.x1);
  assert.equal(persons.length, 4);
  assert.ok(close(persons[0]!.box, { x1: 300, y1: 100, x2: 330, y2: 180 }));
  assert.equal(persons[0]!.score, 0.9);
  assert.ok(close(persons[1]!.box, { x1: 350, y1: 100, x2: 380, y2: 180 }), 'the cut piece grew to the whole person');
  assert.equal(persons[1]!.score, 0.7);
  assert.equal(merged.filter((d) => d.label === 'car').length, 1);
  assert.ok(!('cut' in persons[0]!) && !('pass' in persons[0]!));
});

/** Finds the parts of fixed frame rectangles that fall inside what it is given (a tile is a crop: it says where). */
class RectanglesDetector implements ObjectDetector {
  readonly name = 'rectangles';
  readonly labels = ['person'];
  readonly calls: { width: number; height: number }[] = [];
  constructor(private readonly rects: Box[], private readonly where: () => { x: number; y: number }) {}
  async detect(frame: Frame): Promise<Detection[]> {
    this.calls.push({ width: frame.width, height: frame.height });
    const { x, y } = this.where();
    return this.rects.flatMap((r) => {
      const box = { x1: Math.max(0, r.x1 - x), y1: Math.max(0, r.y1 - y), x2: Math.min(frame.width, r.x2 - x), y2: Math.min(frame.height, r.y2 - y) };
      return box.x2 - box.x1 > 2 && box.y2 - box.y1 > 2 ? [{ box, score: 0.9, classId: 0, label: 'person' }] : [];
    });
  }
  async close(): Promise<void> {}
}

test('tiled detector: every tile and the whole frame run, boxes come back in frame pixels, a person on a tile edge is one box', async () => {
  const tiles = tileGrid(640, 360, [2, 1], 0.2);
  let call = 0;
  const origins = [{ x: 0, y: 0 }, ...tiles.map((t) => ({ x: t.x, y: t.y }))];
  const people: Box[] = [{ x1: 340, y1: 100, x2: 370, y2: 180 }, { x1: 20, y1: 200, x2: 50, y2: 300 }, { x1: 600, y1: 40, x2: 630, y2: 120 }];
  const inner = new RectanglesDetector(people, () => origins[call++ % 3]!);
  const tiled = new TiledDetector(inner, { grid: [2, 1], overlap: 0.2, fullFrame: false, iouThreshold: 0.5, maxDetections: 100 });
  // Without the whole frame: tiles only (the person at x 340–370 straddles the first tile's right edge, 356).
  call = 1;
  const found = await tiled.detect({ data: new Uint8Array(640 * 360 * 3), width: 640, height: 360 });
  assert.deepEqual(inner.calls, [{ width: 356, height: 360 }, { width: 356, height: 360 }]);
  assert.equal(found.length, 3);
  for (const p of people) assert.ok(found.some((d) => close(d.box, p)), `found ${JSON.stringify(p)}`);
  assert.equal(tiled.input, undefined, 'tiles cannot use the scaled copy');
  assert.equal(tiled.passes, 2);
});

test('combined detector: labels are the union and class ids follow them; the largest input is the one ffmpeg scales', async () => {
  const one = (name: string, labels: string[], input: ObjectDetector['input'], d: Detection[]): ObjectDetector => ({ name, labels, input, detect: async () => d, close: async () => {} });
  const persons = one('p', ['person'], { width: 300, height: 300, mode: 'stretch' }, [{ box: { x1: 0, y1: 0, x2: 1, y2: 1 }, score: 0.9, classId: 0, label: 'person' }]);
  const coco = one('c', ['person', 'bicycle', 'car'], { width: 416, height: 416, mode: 'letterbox' }, [{ box: { x1: 0, y1: 0, x2: 1, y2: 1 }, score: 0.8, classId: 2, label: 'car' }]);
  const both = new CombinedDetector([persons, coco]);
  assert.deepEqual(both.labels, ['person', 'bicycle', 'car']);
  assert.deepEqual(both.input, { width: 416, height: 416, mode: 'letterbox' });
  const found = await both.detect({ data: new Uint8Array(3), width: 1, height: 1 });
  assert.deepEqual(found.map((d) => [d.label, d.classId, both.labels[d.classId]]), [['person', 0, 'person'], ['car', 2, 'car']]);
});

test('auto tiles: the person size the homography predicts at the far edge sets the grid', () => {
  // Ground seen obliquely: 20 m across at the bottom row (640 px), 80 m across at the top (the far edge).
  const geometry = new CameraGeometry({
    width: 640, height: 360, viewRadiusM: 100,
    calibration: { kind: 'homography', groundUnits: 'metres', image: [[0, 360], [640, 360], [640, 0], [0, 0]], ground: [[-10, 0], [10, 0], [40, 100], [-40, 100]] },
  });
  const near = predictedPersonHeightPx(geometry, [[320, 359]])!;
  const far = predictedPersonHeightPx(geometry, [[320, 1]])!;
  assert.ok(Math.abs(near - 1.7 / (20 / 640)) < 1, `near: ${near} ≈ 54 px`);
  assert.ok(Math.abs(far - 1.7 / (80 / 640)) < 1, `far: ${far} ≈ 13.6 px`);
  assert.equal(predictedPersonHeightPx(geometry, [[320, 359], [320, 1]]), Math.min(near, far));
  const model = { width: 300, height: 300 };
  // 54 px × 300 / 640 = 25 model px: under 20 the whole frame suffices, for 40 the frame is tiled.
  assert.deepEqual(autoGrid(640, 360, near, model, { minPersonPx: 20, maxTiles: 6, overlap: 0.2 }), [1, 1]);
  assert.deepEqual(autoGrid(640, 360, near, model, { minPersonPx: 40, maxTiles: 6, overlap: 0.2 }), [2, 1]);
  assert.deepEqual(autoGrid(640, 360, far, model, { minPersonPx: 40, maxTiles: 6, overlap: 0.2 }), [3, 2]);
  assert.deepEqual(autoGrid(640, 360, far, model, { minPersonPx: 40, maxTiles: 4, overlap: 0.2 }), [2, 2]);
  const topDown = new CameraGeometry({ width: 640, height: 360, viewRadiusM: 100, calibration: { kind: 'scale', metresPerPixel: 0.02 } });
  assert.equal(predictedPersonHeightPx(topDown, []), 30);
});

test('camera config: a list of detectors, tiles checked field by field, auto tiles need a calibration', () => {
  const c = cameraConfig({
    detector: [{ kind: 'ssdlite-person', tiles: { grid: [2, 1] } }, { kind: 'nanodet', classes: ['car'], letterbox: false }],
  });
  assert.deepEqual(c.detectors.map((d) => d.kind), ['ssdlite-person', 'nanodet']);
  assert.equal(c.detector, c.detectors[0]);
  assert.deepEqual(c.detectors[0]!.tiles, { grid: [2, 1], overlap: 0.2, fullFrame: true, auto: false, minPersonPx: 40, maxTiles: 6 });
  assert.equal(c.detectors[1]!.kind === 'nanodet' && c.detectors[1]!.letterbox, false);
  assert.equal(cameraConfig({}).detector.kind === 'nanodet' && cameraConfig({}).detector.kind === 'nanodet' ? (cameraConfig({}).detector as { letterbox: boolean }).letterbox : undefined, true);
  assert.throws(() => cameraConfig({ detector: [{ kind: 'ssdlite-person', tiles: { auto: true, grid: [9, 1], overlap: 0.9 } }, { kind: 'nope' }] }), (e: Error) => {
    for (const want of [/detector\[0\]\.tiles\.grid: must be whole numbers from 1 to 8/, /detector\[0\]\.tiles\.overlap/, /detector\[0\]\.tiles: give either grid/, /detector\[0\]\.tiles\.auto: needs a calibration/, /detector\[1\]\.kind: unknown detector "nope"/]) {
      assert.match(e.message, want);
    }
    return true;
  });
  assert.throws(() => cameraConfig({ detector: [] }), /detector: must list at least one detector/);
});

test('merge across tiles: the face a tile took for a person joins the whole person the full frame found', () => {
  const tile = { x: 0, y: 0, width: 200, height: 200 };
  const merged = mergeTileDetections([
    { ...td(20, 10, 300, 400, 0.8, 0), cut: false }, // the whole frame sees a person larger than a tile
    { ...td(60, 20, 150, 120, 0.9, 1), tile }, // inside tile 1, not touching its edge: the face
    { ...td(160, 150, 190, 195, 0.7, 1), tile }, // a hand, inside the big box, from the same tile
  ], 0.5, 100);
  assert.equal(merged.length, 1);
  assert.ok(close(merged[0]!.box, { x1: 20, y1: 10, x2: 300, y2: 400 }));
  assert.equal(merged[0]!.score, 0.9);
});
