import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunshot, mulberry32, rotor } from '../../audio-eval/synth.js';
import { writeWav } from '../../audio-eval/wav.js';
import type { DetectionEvent } from '../../src/events.js';
import { noise, place, tempDir } from './audio-helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'popart.js');
const tmp = tempDir('popart-cli-');
after(() => tmp.cleanup());

function popart(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('popart audio <file>: events as JSON lines on stdout, progress and a summary on stderr', async () => {
  const signal = noise(8, 0.005);
  place(signal, gunshot(mulberry32(1)), 1, 0.7);
  place(signal, rotor(mulberry32(2), 4, 220), 3.5, 0.3);
  const file = join(tmp.dir, 'scene.wav');
  await writeWav(file, signal);
  const config = join(tmp.dir, 'mic.yaml');
  writeFileSync(config, 'microphone:\n  id: mic-gate-3\n  position: { latitude: 40.4531, longitude: -3.6883, radius_m: 120 }\n');
  const r = await popart(['audio', file, '--config', config, '--start-time', '2026-11-24T20:00:00Z']);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as DetectionEvent);
  assert.deepEqual(events.map((e) => e.category), ['gunshot', 'drone']);
  for (const e of events) {
    assert.equal(e.source, 'mic-gate-3');
    assert.equal(e.sensorKind, 'microphone');
    assert.deepEqual(e.area, { shape: 'circle', latitude: 40.4531, longitude: -3.6883, radius_m: 120 });
  }
  assert.equal(events[0]!.startedAt, '2026-11-24T20:00:01.000Z');
  assert.match(r.stderr, /100% 8\.0\/8\.0 s/, 'progress reaches the end of the file (duration from ffmpeg)');
  assert.match(r.stderr, /8\.0 s of audio in .* 2 events \(gunshot 1, drone 1\)/);
});

test('popart audio --help, and usage errors', async () => {
  const help = await popart(['audio', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: popart audio <file\|url>/);
  for (const type of ['impulsive', 'rotor', 'siren', 'voice']) assert.match(help.stdout, new RegExp(`detectors\\[type=${type}\\]`));
  const none = await popart(['audio']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /expected one input/);
  const badList = await popart(['audio', 'x.wav', '--detectors', 'impulsive,radar']);
  assert.equal(badList.code, 2);
  assert.match(badList.stderr, /--detectors: must list some of voice, impulsive, rotor, siren, got "impulsive,radar"/);
});

test('popart audio on an unreadable file or a bad config: a clear message and an exit code, no stack trace', async () => {
  const garbage = join(tmp.dir, 'garbage.mp3');
  writeFileSync(garbage, 'not audio');
  const unreadable = await popart(['audio', garbage]);
  assert.equal(unreadable.code, 1);
  assert.match(unreadable.stderr, /popart audio: ffmpeg cannot read ".*garbage\.mp3": .* \[INPUT_UNREADABLE\]/);
  assert.doesNotMatch(unreadable.stderr, /at .*\.js:\d+/);
  const missing = await popart(['audio', join(tmp.dir, 'nope.wav')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.wav" does not exist \[INPUT_NOT_FOUND\]/);
  const config = join(tmp.dir, 'bad.yaml');
  writeFileSync(config, 'detectors:\n  - type: rotor\n    minDurationS: -1\n');
  const bad = await popart(['audio', garbage, '--config', config]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /detectors\[0\]\.minDurationS: must be ≥ 0\.25, got -1/);
});
