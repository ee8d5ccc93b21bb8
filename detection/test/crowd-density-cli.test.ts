import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { cameraCrowd } from '../vision-eval/camera-crowd.js';
import { loadLabels } from '../vision-eval/labels.js';
import { sceneParts } from '../vision-eval/synthetic.js';
import { decodeImage, writeJpeg, type RgbImage } from '../src/video-ingest/jpeg.js';
import { loadCameraConfig } from '../src/vision/config/camera-config.js';
import { FFMPEG, run, tempDir } from './vision-helpers.js';

// `popart detect` as a new user runs it, with the example camera configuration as shipped (crowdDensity on
// plaza-gate-7: medium from 1, high from 2, critical from 2.5 persons/m²): a crowd too dense to count raises the density
// alert from its cover of the zone; the real, sparse vtest frames (opencv-doc) do not.
const DETECTION = join(fileURLToPath(import.meta.url), '../../..');
const POPART = join(DETECTION, 'dist/src/cli/popart.js');
const EXAMPLE = join(DETECTION, 'examples/camera.yaml');

interface Line { type: string; status?: string; event?: { category: string; zone?: string; severity: string; measurements: Record<string, number | string> } }

/** The clip analysed at 2.5 frames/s (`--fps`: half the configuration's 5, for a short test). */
async function detect(clip: string, dir: string): Promise<Line[]> {
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [POPART, 'detect', clip, '--config', EXAMPLE, '--fps', '2.5', '--events-only', '--evidence-dir', join(dir, 'evidence')], { timeout: 240_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  assert.equal(out.code, 0, out.stderr);
  assert.doesNotMatch(out.stderr, /warning: crowdDensity/, 'the example\'s thresholds are within what its view can measure');
  return out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
}

/** Pictures as an MPEG-4 clip at 5 frames/s, each held for its number of frames. */
async function clip(dir: string, name: string, frames: readonly [RgbImage, number][], fps = 5): Promise<string> {
  const frameDir = join(dir, name);
  await mkdir(frameDir);
  let n = 0;
  for (const [f, repeat] of frames) for (let k = 0; k < repeat; k++) await writeJpeg(join(frameDir, `${String(n++).padStart(4, '0')}.jpg`), f, 2);
  const file = join(dir, `${name}.mp4`);
  await run(FFMPEG, ['-v', 'error', '-framerate', String(fps), '-i', join(frameDir, '%04d.jpg'), '-c:v', 'mpeg4', '-q:v', '3', file]);
  return file;
}

const densityEvents = (lines: Line[]): Line[] => lines.filter((l) => l.type === 'event' && l.event?.category === 'crowd-density');

test('popart detect with the example configuration: a dense crowd on the plaza raises the density alert from its cover; the real sparse frames do not', { timeout: 600_000 }, async (t) => {
  const dir = await tempDir(t, 'popart-crowd-');
  const config = loadCameraConfig(EXAMPLE);
  const { width, height } = config.source;
  const labelled = loadLabels();
  const native = await Promise.all(labelled.map(async (l) => ({ labelled: l, image: await decodeImage(l.path, l.width, l.height) })));
  const { sprites } = sceneParts(native);
  const vtest = labelled.filter((l) => l.file.startsWith('vtest-'));
  // The empty walkway (the per-pixel median of the vtest frames, as ffmpeg scales it to the camera's frame) is the plaza
  // before the crowd: 1 s empty, then 3.4 s of 3 persons/m² on and around plaza-gate-7.
  const scaled = await Promise.all(vtest.map((l) => decodeImage(l.path, width, height)));
  const empty = sceneParts(scaled.map((image, i) => ({ image, labelled: vtest[i]! }))).background;
  const background: RgbImage = { data: empty, width, height };
  const crowd = cameraCrowd(config, 'plaza-gate-7', background, sprites, 3, 11);
  assert.ok(Math.abs(crowd.inZone / crowd.areaM2 - 3) < 0.1, `${crowd.inZone} persons on ${crowd.areaM2} m²`);

  const dense = densityEvents(await detect(await clip(dir, 'crowd', [[background, 5], [crowd.image, 17]]), dir));
  const opened = dense.filter((l) => l.status === 'new');
  assert.equal(opened.length, 1, JSON.stringify(dense.map((l) => l.event)));
  const event = opened[0]!.event!;
  assert.equal(event.zone, 'plaza-gate-7');
  assert.equal(event.measurements.method, 'cover');
  const density = event.measurements.density_per_m2 as number;
  assert.ok(density >= 2 && density <= 4, `estimated ${density} persons/m² for 3`);
  assert.equal(event.severity, density >= 2.5 ? 'critical' : 'high', `severity for ${density} persons/m²`);
  assert.ok((event.measurements.persons_counted as number) / crowd.areaM2 < 0.5, 'the count alone stays far below the alert');

  // The five real frames, each held 0.6 s (3 s in all): 3–8 pedestrians, nowhere near 2 /m².
  const sparse = await detect(await clip(dir, 'vtest', scaled.map((f): [RgbImage, number] => [f, 3])), dir);
  assert.deepEqual(densityEvents(sparse), []);
});
