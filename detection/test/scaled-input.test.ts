import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { decodeImage } from '../src/video-ingest/jpeg.js';
import { scaledInputFilter, scaledTransform, type ScaledImage, type ScaledInputSpec } from '../src/video-ingest/scaled-input.js';
import { VideoSource, type VideoFrame } from '../src/video-ingest/video-source.js';
import { NanoDetDetector } from '../src/vision/detectors/nanodet/nanodet-detector.js';
import { prepareInput, type Normalisation } from '../src/vision/detectors/preprocess.js';
import type { Frame } from '../src/vision/types.js';
import { movingBoxClip, tempDir } from './vision-helpers.js';

const FIXTURES = join(fileURLToPath(import.meta.url), '../../../test/fixtures');
const PLAIN: Normalisation = { order: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] };

/** Mean absolute difference of two tensors. */
function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

async function frames(input: string, scaled: ScaledInputSpec, count: number): Promise<VideoFrame[]> {
  const out: VideoFrame[] = [];
  for await (const f of new VideoSource({ input, fps: 10, width: 320, height: 180, scaled, queueFrames: 2 })) {
    out.push(f);
    if (out.length === count) break;
  }
  return out;
}

test('letterbox and stretch transforms, and the ffmpeg filter built from the same numbers', () => {
  assert.deepEqual(scaledTransform(640, 360, { width: 416, height: 416, mode: 'letterbox' }),
    { scaleX: 0.65, scaleY: 0.65, padX: 0, padY: 91, innerWidth: 416, innerHeight: 234 });
  assert.deepEqual(scaledTransform(640, 360, { width: 416, height: 416, mode: 'stretch' }),
    { scaleX: 0.65, scaleY: 416 / 360, padX: 0, padY: 0, innerWidth: 416, innerHeight: 416 });
  assert.equal(scaledInputFilter(640, 360, { width: 416, height: 416, mode: 'letterbox' }), 'scale=416:234:flags=bilinear,pad=416:416:0:91:color=0x727272');
  assert.equal(scaledInputFilter(640, 360, { width: 416, height: 416, mode: 'stretch' }), 'scale=416:416:flags=bilinear');
  assert.throws(() => new VideoSource({ input: 'x.mp4', fps: 5, width: 32, height: 24, scaled: { width: 0, height: 64, mode: 'stretch' } }), /scaled\.width must be a positive integer, got 0/);
  assert.throws(() => new VideoSource({ input: 'x.mp4', fps: 5, width: 32, height: 24, scaled: { width: 64, height: 64, mode: 'crop' as 'stretch' } }), /scaled\.mode must be "stretch" or "letterbox", got crop/);
});

test('VideoSource delivers each frame at camera size and letterboxed to the model size by ffmpeg, in step', async (t) => {
  const dir = await tempDir(t);
  const clip = join(dir, 'box.mp4');
  await movingBoxClip(clip, { seconds: 2 });
  const spec: ScaledInputSpec = { width: 96, height: 96, mode: 'letterbox' };
  const got = await frames(clip, spec, 20);
  assert.equal(got.length, 20, 'every frame has its scaled copy');
  for (const f of got) {
    const s = f.scaled!;
    assert.equal(f.data.length, 320 * 180 * 3);
    assert.equal(s.data.length, 96 * 96 * 3);
    assert.deepEqual(s.transform, { scaleX: 0.3, scaleY: 0.3, padX: 0, padY: 21 });
    // The bands above and below the picture are letterbox grey; the picture is the camera frame, scaled.
    for (const row of [0, 20, 75, 95]) assert.deepEqual([...s.data.subarray(row * 96 * 3, row * 96 * 3 + 6)], [114, 114, 114, 114, 114, 114], `row ${row}`);
    const ours = prepareInput({ data: f.data, width: f.width, height: f.height }, 96, 96, 'letterbox', PLAIN).tensor;
    const ffmpegs = prepareInput(f, 96, 96, 'letterbox', PLAIN).tensor;
    assert.ok(meanAbsDiff(ours, ffmpegs) < 1.5, `frame ${f.index}: ffmpeg's and the JavaScript resize agree (mean |Δ| ${meanAbsDiff(ours, ffmpegs).toFixed(2)})`);
  }
  // The red box moves right: its column in the scaled copy follows the camera frame's (scale 0.3).
  const redColumn = (data: Uint8Array, width: number, height: number): number => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < width * height; i++) {
      if (data[i * 3]! > 180 && data[i * 3 + 1]! < 90 && data[i * 3 + 2]! < 90) {
        sum += i % width;
        n++;
      }
    }
    return sum / n;
  };
  for (const f of [got[0]!, got[19]!]) {
    const camera = redColumn(f.data, 320, 180);
    assert.ok(Math.abs(redColumn(f.scaled!.data, 96, 96) - camera * 0.3) < 1.5, `frame ${f.index}: box at x ${camera} in the camera frame`);
  }
  assert.ok(redColumn(got[19]!.data, 320, 180) - redColumn(got[0]!.data, 320, 180) > 100);
});

test('a stretched copy from ffmpeg: the detector input equals the JavaScript resize within rounding', async (t) => {
  const dir = await tempDir(t);
  const clip = join(dir, 'box.mp4');
  await movingBoxClip(clip, { seconds: 1 });
  const [f] = await frames(clip, { width: 64, height: 48, mode: 'stretch' }, 1);
  assert.deepEqual(f!.scaled!.transform, { scaleX: 0.2, scaleY: 48 / 180, padX: 0, padY: 0 });
  const ours = prepareInput({ data: f!.data, width: 320, height: 180 }, 64, 48, 'stretch', PLAIN).tensor;
  assert.ok(meanAbsDiff(ours, prepareInput(f!, 64, 48, 'stretch', PLAIN).tensor) < 1.5);
});

test('a scaled copy of another size or mode is ignored: the detector resizes the frame itself', () => {
  const data = new Uint8Array(8 * 4 * 3).fill(200);
  const wrong: ScaledImage = { width: 4, height: 4, mode: 'stretch', data: new Uint8Array(4 * 4 * 3), transform: { scaleX: 0.5, scaleY: 1, padX: 0, padY: 0 } };
  for (const scaled of [wrong, { ...wrong, mode: 'letterbox' as const }]) {
    const frame: Frame = { data, width: 8, height: 4, scaled };
    const input = prepareInput(frame, 4, 4, scaled.mode === 'stretch' ? 'letterbox' : 'stretch', PLAIN);
    assert.ok(input.tensor.some((v) => v === 200), 'read from the frame, not from the (black) copy');
  }
  const tensor = new Float32Array(3 * 16);
  assert.equal(prepareInput({ data, width: 8, height: 4, scaled: wrong }, 4, 4, 'stretch', PLAIN, tensor).tensor, tensor, 'a given tensor is filled in place');
  assert.ok(tensor.every((v) => v === 0), 'from the black copy');
  assert.throws(() => prepareInput({ data, width: 8, height: 4 }, 4, 4, 'stretch', PLAIN, new Float32Array(10)), /tensor has 10 floats, the input needs 48/);
});

test('NanoDet with a copy scaled by ffmpeg finds the astronaut where it does from the camera frame', async (t) => {
  const detector = await NanoDetDetector.create({ kind: 'nanodet', scoreThreshold: 0.35, iouThreshold: 0.6, maxDetections: 100, letterbox: true });
  t.after(() => detector.close());
  assert.deepEqual(detector.input, { width: 416, height: 416, mode: 'letterbox' });
  const photo = join(FIXTURES, 'astronaut.jpg');
  const frame = await decodeImage(photo, 320, 320);
  const copy = await decodeImage(photo, 416, 416);
  const scaled: ScaledImage = { ...detector.input!, data: copy.data, transform: scaledTransform(320, 320, detector.input!) };
  const plain = (await detector.detect(frame)).find((d) => d.label === 'person')!;
  const fast = (await detector.detect({ ...frame, scaled })).find((d) => d.label === 'person');
  assert.ok(fast, 'a person from the scaled copy');
  for (const k of ['x1', 'y1', 'x2', 'y2'] as const) assert.ok(Math.abs(fast.box[k] - plain.box[k]) < 8, `${k}: ${fast.box[k]} ≈ ${plain.box[k]} (frame pixels)`);
});
