import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32, rotor } from '../../audio-eval/synth.js';
import { detect, noise, only, place, sweep } from './audio-helpers.js';

const sirenOnly = only('siren');
/** Triangle sweep between lo and hi with the given period. */
const wail = (lo: number, hi: number, period: number) => (t: number): number => lo + (hi - lo) * (1 - Math.abs(((2 * t) / period) % 2 - 1));

test('a wailing siren is reported once as other/siren with its sweep and period', async () => {
  const signal = place(noise(8), sweep(7, wail(650, 1450, 2)), 0.5, 0.3);
  const events = await detect(signal, sirenOnly);
  assert.equal(events.length, 1, JSON.stringify(events));
  const e = events[0]!;
  assert.equal(e.category, 'other');
  assert.equal(e.severity, 'low');
  assert.equal(e.measurements.sound, 'siren');
  assert.ok((e.measurements.sweep_low_hz as number) < 800 && (e.measurements.sweep_high_hz as number) > 1300, JSON.stringify(e.measurements));
  assert.ok(Math.abs((e.measurements.sweep_period_s as number) - 2) < 0.2, `period ${e.measurements.sweep_period_s}`);
  assert.ok(Math.abs(e.mediaTimeS! - 0.5) < 0.5, `start ${e.mediaTimeS}`);
});

test('a two-tone (hi-lo) siren is a siren', async () => {
  const hilo = (t: number): number => (Math.floor(t / 0.55) % 2 === 0 ? 440 * 1.33 : 587 * 1.33);
  const events = await detect(place(noise(8), sweep(7, hilo), 0.5, 0.3), sirenOnly);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0]!.measurements.sound, 'siren');
});

test('a steady tone, a single chirp, a rotor comb and noise are not sirens', async () => {
  assert.deepEqual(await detect(place(noise(7), sweep(6, () => 900), 0.5, 0.3), sirenOnly), [], 'steady tone');
  assert.deepEqual(await detect(place(noise(7), sweep(1, (t) => 600 + 1000 * t), 3, 0.3), sirenOnly), [], 'one chirp');
  assert.deepEqual(await detect(place(noise(7), rotor(mulberry32(8), 6, 250), 0.5, 0.3), sirenOnly), [], 'rotor');
  assert.deepEqual(await detect(noise(7, 0.05), sirenOnly), [], 'noise');
});
