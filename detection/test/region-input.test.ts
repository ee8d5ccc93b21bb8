import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { pictureBytes, yuv420pToRgb } from '../src/video-ingest/pixels.js';
import { prepareInput, type Normalisation } from '../src/vision/detectors/preprocess.js';
import { createDetector } from '../src/vision/detectors/registry.js';
import { TiledDetector } from '../src/vision/detectors/tiled-detector.js';
import { tileGrid, type Tile } from '../src/vision/detectors/tiles.js';
import { iou, wholeFrame, type Detection, type Frame, type ObjectDetector, type Region } from '../src/vision/types.js';
import { FFMPEG } from './vision-helpers.js';

const DETECTION = join(fileURLToPath(import.meta.url), '../../..');
const PLAIN: Normalisation = { order: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] };
const IMAGES = ['vtest-100.jpg', 'vtest-550.jpg', 'basketball1.jpg'];

/** A real picture decoded and scaled by ffmpeg to width × height in yuv420p, as a camera source delivers it. */
async function yuvFrame(file: string, width: number, height: number): Promise<Frame> {
  const { stdout } = await promisify(execFile)(FFMPEG, ['-v', 'error', '-i', join(DETECTION, 'vision-eval/images', file), '-vf', `scale=${width}:${height}:flags=bilinear`,
    '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 24 });
  assert.equal(stdout.length, pictureBytes(width, height, 'yuv420p'));
  return { data: new Uint8Array(stdout), width, height, format: 'yuv420p' };
}

/** The earlier path: the whole frame converted to rgb24, the region cut out into a frame of its own. */
function cutOut(frame: Frame, r: Region): Frame {
  const rgb = frame.format === 'yuv420p' ? yuv420pToRgb(frame.data, frame.width, frame.height) : frame.data;
  const data = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) data.set(rgb.subarray(((r.y + y) * frame.width + r.x) * 3, ((r.y + y) * frame.width + r.x + r.width) * 3), y * r.width * 3);
  return { data, width: r.width, height: r.height };
}

/** The absolute differences of two tensors: mean, 99th percentile, largest, and the share over 2 grey levels. */
function differences(a: Float32Array, b: Float32Array): { mean: number; p99: number; max: number; over2: number } {
  assert.equal(a.length, b.length);
  const d = Float32Array.from(a, (v, i) => Math.abs(v - b[i]!)).sort();
  return { mean: d.reduce((s, v) => s + v, 0) / d.length, p99: d[Math.floor(0.99 * (d.length - 1))]!, max: d[d.length - 1]!, over2: d.filter((v) => v > 2).length / d.length };
}

test('a tile resampled straight from a real yuv420p frame equals converting the frame, cutting the tile and resizing it', async () => {
  for (const file of IMAGES) {
    const frame = await yuvFrame(file, 1280, 720);
    const regions = [wholeFrame(frame), ...tileGrid(1280, 720, [2, 2], 0.2), { x: 333, y: 101, width: 411, height: 277 }];
    for (const r of regions) {
      for (const mode of ['stretch', 'letterbox'] as const) {
        const direct = prepareInput(frame, 300, 300, mode, PLAIN, undefined, r);
        const before = prepareInput(cutOut(frame, r), 300, 300, mode, PLAIN);
        assert.deepEqual(direct.transform, before.transform);
        const { mean, p99, max, over2 } = differences(direct.tensor, before.tensor);
        const at = `${file} ${JSON.stringify(r)} ${mode}`;
        // The earlier path rounded each converted pixel to a byte (±0.5 grey level) and clamped it before interpolating:
        // where a tap's colour lies outside RGB (strong chroma on a dark or bright edge, measured 0.05–0.3 % of the
        // values of the colour frames) the two differ by more, up to ~30 levels on single values.
        assert.ok(mean < 0.3, `${at}: mean difference ${mean.toFixed(3)} grey levels`);
        assert.ok(p99 <= 0.5, `${at}: 99 % of values within ${p99.toFixed(2)} grey levels`);
        assert.ok(over2 < 0.005, `${at}: ${(over2 * 100).toFixed(2)} % of values differ by more than 2 grey levels`);
        if (file === 'basketball1.jpg') assert.ok(max <= 0.5, `${at}: a grey picture has no colour to clamp, only rounding: ${max}`);
      }
    }
  }
});

test('a region of an rgb24 frame gives exactly the tensor of the cut-out region, in tensor channel order', async () => {
  const yuv = await yuvFrame('vtest-250.jpg', 640, 360);
  const frame: Frame = { data: yuv420pToRgb(yuv.data, 640, 360), width: 640, height: 360 };
  const bgr: Normalisation = { order: 'bgr', mean: [10, 20, 30], std: [2, 4, 8] };
  for (const r of [...tileGrid(640, 360, [3, 2], 0.25), { x: 100, y: 50, width: 300, height: 300 }]) {
    for (const mode of ['stretch', 'letterbox'] as const) {
      assert.deepEqual(prepareInput(frame, 300, 300, mode, bgr, undefined, r), prepareInput(cutOut(frame, r), 300, 300, mode, bgr), `${JSON.stringify(r)} ${mode}`);
    }
  }
});

test('a region that is not whole pixels inside the frame is refused, naming its size and place', () => {
  const frame: Frame = { data: new Uint8Array(pictureBytes(64, 48, 'yuv420p')), width: 64, height: 48, format: 'yuv420p' };
  assert.throws(() => prepareInput(frame, 16, 16, 'stretch', PLAIN, undefined, { x: 40, y: 0, width: 30, height: 10 }), /region 30x10 at \(40, 0\) must be whole pixels inside the 64x48 frame/);
  assert.throws(() => prepareInput(frame, 16, 16, 'stretch', PLAIN, undefined, { x: 0.5, y: 0, width: 10, height: 10 }), /must be whole pixels/);
  assert.throws(() => prepareInput({ ...frame, data: new Uint8Array(100) }, 16, 16, 'stretch', PLAIN, undefined, { x: 0, y: 0, width: 10, height: 10 }), /100 bytes, 64x48 yuv420p needs 4608/);
});

test('ssdlite-person on 2×2 tiles of a real 1280×720 yuv420p frame: the same persons read straight from the frame as from cut-out tiles', async (t) => {
  const ssd = await createDetector({ kind: 'ssdlite-person', scoreThreshold: 0.3, iouThreshold: 0.5, maxDetections: 100 });
  t.after(() => ssd.close());
  assert.ok(ssd.detectRegion, 'the bundled detector reads regions');
  const options = { grid: [2, 2] as [number, number], overlap: 0.2, fullFrame: true, iouThreshold: 0.5, maxDetections: 100 };
  const direct = new TiledDetector(ssd, options);
  // The same model behind an object without detectRegion: the tiled detector cuts every tile out.
  const cutting = new TiledDetector({ name: ssd.name, labels: ssd.labels, input: ssd.input, detect: (f) => ssd.detect(f), close: async () => {} }, options);
  let persons = 0;
  for (const file of ['vtest-100.jpg', 'vtest-550.jpg']) {
    const frame = await yuvFrame(file, 1280, 720);
    const a = await direct.detect(frame);
    const b = await cutting.detect(frame);
    persons += a.length;
    assert.equal(a.length, b.length, `${file}: ${a.length} persons read straight, ${b.length} from cut-out tiles`);
    for (const d of a) {
      const match = b.find((e) => iou(d.box, e.box) > 0.95);
      assert.ok(match && Math.abs(match.score - d.score) < 0.03, `${file}: ${JSON.stringify(d)} has no twin in ${JSON.stringify(b)}`);
    }
  }
  assert.ok(persons >= 6, `${persons} persons found in two vtest frames`);
});

test('tiled detector: reads each tile through detectRegion when the detector has it, keypoints come back in frame pixels', async () => {
  const regions: Region[] = [];
  const wholes: number[] = [];
  const inner: ObjectDetector = {
    name: 'regions', labels: ['person'],
    detect: async (f) => { wholes.push(f.width); return []; },
    detectRegion: async (_f, r): Promise<Detection[]> => {
      regions.push(r);
      return [{ box: { x1: 10, y1: 20, x2: 30, y2: 60 }, score: 0.9, classId: 0, label: 'person', keypoints: [{ name: 'nose', x: 20, y: 22, score: 0.8 }] }];
    },
    close: async () => {},
  };
  const tiled = new TiledDetector(inner, { grid: [2, 1], overlap: 0.2, fullFrame: true, iouThreshold: 0.5, maxDetections: 100 });
  const frame: Frame = { data: new Uint8Array(pictureBytes(640, 360, 'yuv420p')), width: 640, height: 360, format: 'yuv420p' };
  const found = await tiled.detect(frame);
  const tiles: Tile[] = tileGrid(640, 360, [2, 1], 0.2);
  assert.deepEqual(regions, tiles, 'each tile once, as a region of the frame');
  assert.deepEqual(wholes, [640], 'the whole frame through detect');
  assert.deepEqual(found.map((d) => [d.box.x1, d.keypoints![0]!.x]).sort((p, q) => p[0]! - q[0]!), tiles.map((r) => [r.x + 10, r.x + 20]));
});
