import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyImpulse, type ImpulseFeatures } from '../../src/audio/detectors/impulsive/impulsive-detector.js';
import { readImpulsiveConfig } from '../../src/audio/detectors/impulsive/impulsive-config.js';
import { ConfigReader } from '../../src/audio/config-reader.js';
import { clap, doorSlam, explosion, gunshot, mulberry32 } from '../../audio-eval/synth.js';
import { detect, noise, only, place } from './audio-helpers.js';

const impulsive = only('impulsive');

test('a gunshot-like impulse in noise is one gunshot event with its measurements', async () => {
  const signal = place(noise(4), gunshot(mulberry32(3)), 1.5, 0.6);
  const events = await detect(signal, impulsive);
  assert.equal(events.length, 1, JSON.stringify(events));
  const e = events[0]!;
  assert.equal(e.category, 'gunshot');
  assert.equal(e.severity, 'high');
  assert.equal(e.sensorKind, 'microphone');
  assert.equal(e.source, 'mic-test');
  assert.ok(Math.abs(e.mediaTimeS! - 1.5) < 0.01, `onset at ${e.mediaTimeS}`);
  assert.ok((e.measurements.crest_factor as number) > 5, `crest ${e.measurements.crest_factor}`);
  assert.ok((e.measurements.decay_ms as number) >= 40 && (e.measurements.decay_ms as number) <= 400, `decay ${e.measurements.decay_ms}`);
  assert.ok((e.measurements.rise_ms as number) <= 6);
  assert.ok(e.confidence > 0.5 && e.confidence <= 1);
  assert.equal(e.startedAt, '2026-11-24T12:00:01.500Z');
});

test('three shots in ten seconds make the third critical', async () => {
  const rng = mulberry32(11);
  const signal = noise(6);
  for (const t of [1, 2.2, 3.1]) place(signal, gunshot(rng), t, 0.6);
  const events = await detect(signal, impulsive);
  assert.deepEqual(events.map((e) => e.category), ['gunshot', 'gunshot', 'gunshot']);
  assert.deepEqual(events.map((e) => e.measurements.shots_in_10s), [1, 2, 3]);
  assert.deepEqual(events.map((e) => e.severity), ['high', 'high', 'critical']);
  assert.equal(new Set(events.map((e) => e.id)).size, 3, 'each shot is its own occurrence');
});

test('an explosion-like blast is an explosion: long decay, low frequencies', async () => {
  const signal = place(noise(5), explosion(mulberry32(5)), 1, 0.7);
  const events = await detect(signal, impulsive);
  assert.equal(events.length, 1, JSON.stringify(events));
  const e = events[0]!;
  assert.equal(e.category, 'explosion');
  assert.equal(e.severity, 'critical');
  assert.ok((e.measurements.decay_ms as number) > 450, `decay ${e.measurements.decay_ms}`);
  assert.ok((e.measurements.low_band_ratio as number) > 0.5);
});

test('hand claps and door slams are not gunshots or explosions', async () => {
  const rng = mulberry32(21);
  const claps = noise(5);
  for (const t of [0.8, 1.6, 2.9, 3.7]) place(claps, clap(rng), t, 0.6);
  assert.deepEqual(await detect(claps, impulsive), []);
  const doors = noise(5);
  for (const t of [1, 3]) place(doors, doorSlam(rng), t, 0.7);
  assert.deepEqual(await detect(doors, impulsive), []);
});

test('noise alone and silence give nothing', async () => {
  assert.deepEqual(await detect(noise(4, 0.05), impulsive), []);
  assert.deepEqual(await detect(new Float32Array(16000 * 2), impulsive), []);
});

test('classification rules: gunshot, explosion, neither', () => {
  const r = new ConfigReader();
  const cfg = readImpulsiveConfig({}, 'detectors[0]', r);
  const base: ImpulseFeatures = { onsetS: 1, rise_ms: 2, attack_ms: 8, excess_db: 30, crest_factor: 8, crest_db: 18, decay_ms: 120, centroid_hz: 1800, low_ratio: 0.2, duration_ms: 200, peak_dbfs: -3 };
  assert.equal(classifyImpulse(base, cfg).verdict, 'gunshot');
  assert.equal(classifyImpulse({ ...base, decay_ms: 15 }, cfg).verdict, 'none', 'a click or clap decays too fast');
  assert.equal(classifyImpulse({ ...base, centroid_hz: 4200 }, cfg).verdict, 'none', 'a snap is too bright');
  assert.equal(classifyImpulse({ ...base, centroid_hz: 180, low_ratio: 0.95 }, cfg).verdict, 'none', 'a thud that dies fast');
  assert.equal(classifyImpulse({ ...base, decay_ms: 900, centroid_hz: 250, low_ratio: 0.9, rise_ms: 30, crest_db: 12 }, cfg).verdict, 'explosion');
  assert.equal(classifyImpulse({ ...base, attack_ms: 400 }, cfg).verdict, 'none', 'a slow swell is not impulsive');
});
