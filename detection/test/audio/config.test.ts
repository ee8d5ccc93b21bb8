import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadMicrophoneConfig, readMicrophoneConfig } from '../../src/audio/config.js';
import { AudioConfigError } from '../../src/audio/errors.js';
import { AUDIO_DETECTOR_TYPES } from '../../src/audio/registry.js';
import { tempDir } from './audio-helpers.js';

function issues(raw: unknown): string[] {
  try {
    readMicrophoneConfig(raw);
  } catch (err) {
    assert.ok(err instanceof AudioConfigError, String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected an AudioConfigError');
}

test('no config means every detector with its defaults, voice first', () => {
  const c = readMicrophoneConfig({});
  assert.equal(c.id, 'microphone');
  assert.equal(c.area, undefined);
  assert.deepEqual(c.detectors.map((d) => d.type), AUDIO_DETECTOR_TYPES);
  assert.equal(c.detectors[0]!.type, 'voice');
});

test('a full config: id, position as a circle area, detectors in a list discriminated by type', () => {
  const c = readMicrophoneConfig({
    microphone: { id: 'mic-north', position: { latitude: 40.4531, longitude: -3.6883, radius_m: 150 } },
    detectors: [{ type: 'rotor', minDurationS: 3 }, { type: 'siren', enabled: false }, { type: 'voice', report: true }],
  });
  assert.equal(c.id, 'mic-north');
  assert.deepEqual(c.area, { shape: 'circle', latitude: 40.4531, longitude: -3.6883, radius_m: 150 });
  assert.deepEqual(c.detectors.map((d) => d.type), ['voice', 'rotor']);
  assert.equal((c.detectors[1]!.config as { minDurationS: number }).minDurationS, 3);
  assert.equal((c.detectors[0]!.config as { report: boolean }).report, true);
});

test('every bad field is named with the reason, all at once', () => {
  assert.deepEqual(
    issues({
      microphone: { id: 'bad id!', position: { latitude: 95 } },
      detectors: [{ type: 'impulsive', onsetDb: 1, gunshotMinDecayMs: 900 }, { type: 'bogus' }, { type: 'rotor', minHarmonics: 'three', colour: 'red' }, 'siren'],
    }),
    [
      'microphone.id: must match /^[A-Za-z0-9._:-]{1,128}$/, got "bad id!"',
      'microphone.position.latitude: must be ≤ 90, got 95',
      'microphone.position.longitude: is required when a position is given',
      'detectors[0].onsetDb: must be ≥ 3, got 1',
      'detectors[0].gunshotMaxDecayMs: must be greater than gunshotMinDecayMs (900), got 700',
      'detectors[1].type: must be one of voice, impulsive, rotor, siren, got "bogus"',
      'detectors[2].colour: unknown field (known: type, enabled, ' + 'minFundamentalHz, maxFundamentalHz, maxHarmonicHz, maxHarmonics, minHarmonics, harmonicProminenceDb, minCombScore, stabilityTolerance, minDurationS, maxGapS, minPresence, maxJitter, hopFrames, repeatEveryS, severity, ignoreSpeech)',
      'detectors[2].minHarmonics: must be a number, got "three"',
      'detectors[3]: must be an object with a type',
    ],
  );
  assert.deepEqual(issues({ detectors: { type: 'rotor' } }), ['detectors: must be a list of { type: … } entries']);
  assert.deepEqual(issues({ detectors: [{ type: 'rotor' }, { type: 'rotor' }] }), ['detectors[1].type: "rotor" is listed twice']);
  assert.deepEqual(issues({ detectors: [{ type: 'rotor', severity: 'extreme' }] }), ['detectors[0].severity: must be one of low, medium, high, critical, got "extreme"']);
  assert.deepEqual(issues('just a string'), ['(root): must be an object, got "just a string"']);
});

test('files: YAML is read; unreadable and malformed files are clear errors', async () => {
  const { dir, cleanup } = tempDir('popart-mic-');
  try {
    const good = join(dir, 'mic.yaml');
    writeFileSync(good, 'microphone:\n  id: mic-1\ndetectors:\n  - type: impulsive\n    onsetDb: 10\n');
    const c = await loadMicrophoneConfig(good);
    assert.equal(c.id, 'mic-1');
    assert.deepEqual(c.detectors.map((d) => d.type), ['impulsive']);

    await assert.rejects(loadMicrophoneConfig(join(dir, 'missing.yaml')), /cannot read .*missing\.yaml: ENOENT/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'microphone: [unclosed\n');
    await assert.rejects(loadMicrophoneConfig(broken), /broken\.yaml: invalid audio configuration: \(file\): not valid YAML/);
    const wrong = join(dir, 'wrong.yaml');
    writeFileSync(wrong, 'detectors:\n  - type: siren\n    minHz: 3000\n    maxHz: 2000\n');
    await assert.rejects(loadMicrophoneConfig(wrong), /wrong\.yaml: invalid audio configuration: detectors\[0\]\.maxHz: must be greater than minHz \(3000\), got 2000/);
  } finally {
    cleanup();
  }
});
