import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hannWindow, RealFft } from '../../src/audio/fft.js';

test('the real FFT agrees with a direct DFT on random input', () => {
  const n = 64;
  const x = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + 0.3 * Math.cos(i * 0.37 + 1) + ((i * 7919) % 13) / 13);
  const out = new RealFft(n).power(x, new Float64Array(n / 2 + 1));
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
      im += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
    }
    assert.ok(Math.abs(out[k]! - (re * re + im * im)) < 1e-6 * Math.max(1, re * re + im * im), `bin ${k}`);
  }
});

test('a windowed sine peaks in its bin', () => {
  const n = 2048;
  const fft = new RealFft(n);
  const x = Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / 16000));
  const p = fft.power(x, new Float64Array(n / 2 + 1), hannWindow(n));
  const peak = p.indexOf(Math.max(...p));
  assert.equal(peak, Math.round((1000 * n) / 16000));
});

test('bad sizes are refused with the size named', () => {
  assert.throws(() => new RealFft(1000), /power of two ≥ 4, got 1000/);
  assert.throws(() => new RealFft(8).power([1, 2, 3], new Float64Array(5)), /must have 8 samples, got 3/);
});
