import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeImage, encodeJpeg } from '../src/video-ingest/jpeg.js';
import { pictureBytes, rgbToYuv, yuv420pToRgb } from '../src/video-ingest/pixels.js';
import { VideoSource, type VideoFrame } from '../src/video-ingest/video-source.js';
import { prepareInput, type Normalisation } from '../src/vision/detectors/preprocess.js';
import { outlineBoxes } from '../src/vision/evidence.js';
import type { Frame } from '../src/vision/types.js';
import { movingBoxClip, take, tempDir } from './vision-helpers.js';

const PLAIN: Normalisation = { order: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] };

/** The first `count` frames of a source, which is then closed. */
async function firstFrames(source: VideoSource, count: number): Promise<VideoFrame[]> {
  try {
    return await take(source[Symbol.asyncIterator](), count);
  } finally {
    await source.close();
  }
}

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** A solid yuv420p picture of one RGB colour. */
function solidYuv(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const [y, u, v] = rgbToYuv(rgb);
  const data = new Uint8Array(pictureBytes(width, height, 'yuv420p'));
  const luma = width * height;
  data.fill(y, 0, luma);
  const chroma = (data.length - luma) / 2;
  data.fill(u, luma, luma + chroma);
  data.fill(v, luma + chroma);
  return data;
}

test('yuv420p sizes round chroma up, and colours survive RGB → YUV → RGB within 2 levels', () => {
  assert.equal(pictureBytes(640, 360, 'rgb24'), 691_200);
  assert.equal(pictureBytes(640, 360, 'yuv420p'), 345_600);
  assert.equal(pictureBytes(5, 3, 'yuv420p'), 15 + 2 * 3 * 2, 'odd sizes: chroma planes are ceil(w/2) × ceil(h/2)');
  for (const colour of [[0, 0, 0], [255, 255, 255], [255, 32, 32], [135, 206, 235], [20, 200, 40], [114, 114, 114]] as [number, number, number][]) {
    const back = yuv420pToRgb(solidYuv(5, 3, colour), 5, 3);
    for (let i = 0; i < back.length; i += 3) {
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(back[i + c]! - colour[c]!) <= 2, `${colour}: channel ${c} came back as ${back[i + c]}`);
    }
  }
  assert.throws(() => yuv420pToRgb(new Uint8Array(10), 5, 3), /10 bytes, 5x3 yuv420p needs 27/);
});

test('VideoSource in yuv420p: half the bytes, and the same picture as rgb24 once converted', async (t) => {
  const dir = await tempDir(t);
  const clip = join(dir, 'box.mp4');
  await movingBoxClip(clip, { seconds: 1 });
  const open = (pixelFormat: 'rgb24' | 'yuv420p') => new VideoSource({ input: clip, fps: 10, width: 320, height: 180, pixelFormat, queueFrames: 2 });
  const rgb = await firstFrames(open('rgb24'), 5);
  const yuv = await firstFrames(open('yuv420p'), 5);
  assert.equal(yuv.length, 5);
  for (let i = 0; i < 5; i++) {
    assert.equal(rgb[i]!.format, 'rgb24');
    assert.equal(yuv[i]!.format, 'yuv420p');
    assert.equal(yuv[i]!.data.length, 320 * 180 * 3 / 2);
    const converted = yuv420pToRgb(yuv[i]!.data, 320, 180);
    // ffmpeg interpolates chroma when it converts; the shared 2 × 2 chroma differs only along colour edges.
    assert.ok(meanAbsDiff(converted, rgb[i]!.data) < 1.5, `frame ${i}: mean |Δ| ${meanAbsDiff(converted, rgb[i]!.data).toFixed(2)}`);
  }
  // The source with scaled copies delivers the camera frame in yuv420p and the detector's copy in rgb24.
  const both = await firstFrames(new VideoSource({ input: clip, fps: 10, width: 320, height: 180, pixelFormat: 'yuv420p', scaled: { width: 64, height: 64, mode: 'stretch' } }), 3);
  assert.deepEqual(both.map((f) => [f.data.length, f.scaled?.data.length]), [[86_400, 12_288], [86_400, 12_288], [86_400, 12_288]]);
  assert.throws(() => new VideoSource({ input: clip, fps: 10, width: 320, height: 180, pixelFormat: 'nv12' as 'rgb24' }), /pixelFormat must be "rgb24" or "yuv420p", got nv12/);
});

test('a detector without a fitting scaled copy gets the yuv420p frame converted, as from rgb24', () => {
  const width = 64;
  const height = 36;
  const colour: [number, number, number] = [200, 40, 90];
  const yuv: Frame = { data: solidYuv(width, height, colour), width, height, format: 'yuv420p' };
  const rgb: Frame = { data: yuv420pToRgb(yuv.data, width, height), width, height };
  const a = prepareInput(yuv, 32, 32, 'letterbox', PLAIN);
  const b = prepareInput(rgb, 32, 32, 'letterbox', PLAIN);
  assert.deepEqual(a.transform, b.transform);
  // The yuv420p frame is resampled from its planes; the rgb24 copy's bytes were rounded (at most half a grey level).
  assert.ok(meanAbsDiff(a.tensor, b.tensor) <= 0.5, `${meanAbsDiff(a.tensor, b.tensor)}`);
  // Inside the picture the tensor holds the colour (within conversion error), not luma read as RGB.
  const centre = 16 * 32 + 16;
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(a.tensor[c * 32 * 32 + centre]! - colour[c]!) <= 2);
});

test('evidence boxes are drawn in a yuv420p frame and its JPEG shows them red', async (t) => {
  const width = 64;
  const height = 48;
  const frame: Frame = { data: solidYuv(width, height, [135, 206, 235]), width, height, format: 'yuv420p' };
  const outlined = outlineBoxes(frame, [{ x1: 10, y1: 10, x2: 40, y2: 30 }]);
  assert.equal(outlined.format, 'yuv420p');
  assert.notEqual(outlined.data, frame.data, 'a copy: the frame itself is untouched');
  assert.deepEqual(frame.data, solidYuv(width, height, [135, 206, 235]));
  const jpeg = await encodeJpeg(outlined);
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
  const path = join(await tempDir(t), 'snap.jpg');
  await writeFile(path, jpeg);
  const back = await decodeImage(path, width, height);
  const px = (x: number, y: number): number[] => [...back.data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  const isRed = ([r, g, b]: number[]): boolean => r! > 180 && g! < 110 && b! < 110;
  assert.ok(isRed(px(25, 10)), `top edge ${px(25, 10)}`);
  assert.ok(isRed(px(10, 20)), `left edge ${px(10, 20)}`);
  assert.ok(!isRed(px(25, 20)), `inside ${px(25, 20)}`);
  assert.ok(!isRed(px(55, 40)), `outside ${px(55, 40)}`);
  // A box on odd coordinates: the outline grows outwards to whole chroma blocks, and nothing inside turns red.
  const odd = yuv420pToRgb(outlineBoxes(frame, [{ x1: 11, y1: 11, x2: 40, y2: 30 }]).data, width, height);
  const rgbAt = (x: number, y: number): number[] => [...odd.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  for (const [x, y] of [[10, 20], [11, 20], [25, 10], [41, 20], [25, 31]] as const) assert.ok(isRed(rgbAt(x, y)), `outline at ${x},${y}: ${rgbAt(x, y)}`);
  for (const [x, y] of [[12, 20], [25, 12], [39, 20], [25, 29]] as const) {
    assert.ok(meanAbsDiff(rgbAt(x, y), [135, 206, 235]) <= 2, `inside at ${x},${y} keeps the sky: ${rgbAt(x, y)}`);
  }
  await assert.rejects(encodeJpeg({ data: new Uint8Array(100), width, height, format: 'yuv420p' }), /100 bytes, 64x48 yuv420p needs 4608/);
});
