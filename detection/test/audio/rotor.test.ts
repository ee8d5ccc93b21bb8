import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32, rotor } from '../../audio-eval/synth.js';
import { detect, noise, only, place, sweep } from './audio-helpers.js';

const rotorOnly = only('rotor');

test('a drone rotor comb lasting 4 s is one drone event with its fundamental', async () => {
  const signal = place(noise(6, 0.01), rotor(mulberry32(2), 4, 180), 1, 0.3);
  const events = await detect(signal, rotorOnly);
  assert.equal(events.length, 1, JSON.stringify(events));
  const e = events[0]!;
  assert.equal(e.category, 'drone');
  assert.equal(e.sensorKind, 'microphone');
  const f0 = e.measurements.fundamental_hz as number;
  assert.ok(Math.abs(f0 - 180) / 180 < 0.06, `fundamental ${f0}`);
  assert.ok((e.measurements.harmonics as number) >= 3);
  assert.ok((e.measurements.duration_s as number) >= 2);
  assert.ok(e.mediaTimeS! >= 0.9 && e.mediaTimeS! <= 1.6, `start ${e.mediaTimeS}`);
});

test('low and high fundamentals at the ends of the 80–800 Hz range are found, not their octaves', async () => {
  for (const f0 of [95, 600]) {
    const events = await detect(place(noise(5, 0.005), rotor(mulberry32(f0), 4, f0), 0.5, 0.3), rotorOnly);
    assert.equal(events.length, 1, `f0 ${f0}: ${JSON.stringify(events)}`);
    const got = events[0]!.measurements.fundamental_hz as number;
    assert.ok(Math.abs(got - f0) / f0 < 0.06, `f0 ${f0} read as ${got}`);
  }
});

test('a pure tone is not a rotor, even a long one', async () => {
  const tone = sweep(6, () => 300);
  assert.deepEqual(await detect(tone, rotorOnly), []);
  assert.deepEqual(await detect(place(noise(6), tone, 0, 0.3), rotorOnly), []);
});

test('a comb shorter than 2 s, and broadband noise, are not drones', async () => {
  assert.deepEqual(await detect(place(noise(4), rotor(mulberry32(4), 1.4, 200), 1, 0.3), rotorOnly), []);
  assert.deepEqual(await detect(noise(5, 0.05), rotorOnly), []);
});

test('a siren sweeping a harmonic-rich tone does not hold a stable comb', async () => {
  const square = (t: number): number => 600 + 400 * Math.abs(((t / 1.5) % 2) - 1) * 2;
  const siren = sweep(6, square);
  for (let i = 0; i < siren.length; i++) siren[i] = Math.sign(siren[i]!) * 0.2;
  assert.deepEqual(await detect(place(noise(6), siren, 0, 0.3), rotorOnly), []);
});
