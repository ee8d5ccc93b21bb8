import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildFixedOutputModel, yoloBoxesFirst } from '../src/testing/onnx-builder.js';
import { FFMPEG, run, tempDir } from './vision-helpers.js';

const POPART = fileURLToPath(new URL('../src/cli/popart.js', import.meta.url));

function popart(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [POPART, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test('popart detect --help describes the command, its detectors and rules', async () => {
  const r = await popart(['detect', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /usage: popart detect <file\|pattern\|url> --config <camera.yaml>/);
  assert.match(r.stdout, /nanodet/);
  assert.match(r.stdout, /vehicleInPedestrianZone/);
});

test('bad usage and bad configuration exit 2 with the reason; a missing input exits 1', async (t) => {
  const dir = await tempDir(t);
  let r = await popart(['detect', 'clip.mp4']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--config <camera.yaml> is required/);
  r = await popart(['detect', 'clip.mp4', '--config', join(dir, 'missing.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing\.yaml: invalid camera configuration .*\n.*configuration file not found/);
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'camera: { id: cam }\nsource: { fps: 0 }\n');
  r = await popart(['detect', 'clip.mp4', '--config', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /source\.fps \(line 2\): must be greater than 0, got 0/);
  const good = join(dir, 'good.yaml');
  await writeFile(good, 'camera: { id: cam }\nsource: { width: 64, height: 48 }\n');
  r = await popart(['detect', join(dir, 'nope.mp4'), '--config', good, '--fps', 'fast']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--fps must be a positive number, got "fast"/);
  r = await popart(['detect', join(dir, 'nope.mp4'), '--config', good]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /input file not found: .*nope\.mp4/);
  assert.equal(r.stdout, '');
});

test('popart detect on a clip with an ONNX drone model prints tracks and one drone event with its evidence', async (t) => {
  const dir = await tempDir(t);
  // The agency's "drone model": always one drone at model (32, 12) 16×8 in a 64×64 input; the clip is 128×64,
  // so the drone is at (48, 0)-(80, 8)… after the letterbox: frame box (48, 8)-(80, 24) — in the sky zone.
  await writeFile(join(dir, 'drone.onnx'), buildFixedOutputModel({
    inputDims: [1, 3, 64, 64], outputDims: [1, 6, 16], output: yoloBoxesFirst(16, 2, [{ cx: 32, cy: 24, w: 16, h: 8, scores: [0.92, 0.01] }]),
  }));
  await writeFile(join(dir, 'camera.yaml'), [
    'camera: { id: roof-cam, position: { type: Point, coordinates: [-3.6883, 40.4531] }, viewRadiusM: 200 }',
    'source: { fps: 5, width: 128, height: 64 }',
    'detector: { kind: onnx-yolo, model: drone.onnx, classMap: [drone, bird] }',
    'zones: [{ name: no-fly, sky: true, polygon: [[0, 0], [128, 0], [128, 32], [0, 32]] }]',
    'rules: { drone: { zones: [no-fly], minFrames: 3 } }',
    'evidence: { dir: evidence }',
  ].join('\n'));
  const clip = join(dir, 'clip.mp4');
  await run(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=256x128:rate=10:duration=3', '-c:v', 'mpeg4', clip]);
  const r = await popart(['detect', clip, '--config', join(dir, 'camera.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; event?: Record<string, unknown>; objects?: { id: string; label: string }[] });
  const tracks = lines.filter((l) => l.type === 'tracks');
  assert.ok(tracks.length >= 12, `${tracks.length} track lines`);
  assert.deepEqual(tracks.at(-1)!.objects!.map((o) => [o.id, o.label]), [['t1', 'drone']]);
  const events = lines.filter((l) => l.type === 'event');
  assert.deepEqual(events.map((e) => e.status), ['new', 'end']);
  const event = events[0]!.event!;
  assert.equal(event.category, 'drone');
  assert.equal(event.source, 'roof-cam');
  assert.equal(event.id, events[1]!.event!.id);
  const [evidence] = event.evidence as { uri: string; sha256: string }[];
  assert.ok(evidence!.uri.startsWith(join(dir, 'evidence', 'roof-cam')));
  assert.equal(createHash('sha256').update(await readFile(evidence!.uri)).digest('hex'), evidence!.sha256);
  assert.match(r.stderr, /progress 100%/);
  assert.match(r.stderr, /15 frames in .* 0 dropped/);
});
