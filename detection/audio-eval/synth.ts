/**
 * Signal synthesis for the evaluation set, all driven by a seeded PRNG (mulberry32) so that the same
 * seed gives the same files: gunshot-like and explosion-like impulses, hand claps and door slams (the
 * impulses that must not alarm), drone rotor combs with jitter and Doppler, steady tones.
 */
import { SR } from './wav.js';

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

export function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** One-pole low-pass in place, cutoff in Hz. */
export function lowPass(x: Float32Array, cutoffHz: number): Float32Array {
  const a = Math.exp((-2 * Math.PI * cutoffHz) / SR);
  let y = 0;
  for (let i = 0; i < x.length; i++) {
    y = (1 - a) * x[i]! + a * y;
    x[i] = y;
  }
  return x;
}

/** One-pole high-pass in place. */
export function highPass(x: Float32Array, cutoffHz: number): Float32Array {
  const a = Math.exp((-2 * Math.PI * cutoffHz) / SR);
  let prevX = 0;
  let y = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y = a * (y + v - prevX);
    prevX = v;
    x[i] = y;
  }
  return x;
}

/** A gunshot-like impulse: N-wave muzzle blast (1–2.5 ms), a decaying broadband tail, an early reflection. */
export function gunshot(rng: Rng): Float32Array {
  const out = new Float32Array(Math.round(0.7 * SR));
  const nLen = Math.max(8, Math.round(uniform(rng, 0.001, 0.0025) * SR));
  for (let i = 0; i < nLen; i++) out[i] = 1 - (2 * i) / nLen;
  const tau = uniform(rng, 0.02, 0.06);
  const tailGain = uniform(rng, 0.2, 0.4);
  const tail = new Float32Array(out.length);
  for (let i = nLen; i < out.length; i++) tail[i] = gaussian(rng) * tailGain * Math.exp(-(i - nLen) / (tau * SR));
  lowPass(tail, uniform(rng, 2500, 6000));
  for (let i = 0; i < out.length; i++) out[i]! += tail[i]!;
  const delay = Math.round(uniform(rng, 0.006, 0.04) * SR);
  const echo = uniform(rng, 0.25, 0.5);
  for (let i = out.length - 1; i >= delay; i--) out[i]! += echo * out[i - delay]!;
  lowPass(out, uniform(rng, 3000, 7000)); // distance
  return normalisePeak(out);
}

/** An explosion-like blast: a short crack, then low-frequency noise with a long decay. */
export function explosion(rng: Rng): Float32Array {
  const out = new Float32Array(Math.round(3 * SR));
  const rise = uniform(rng, 0.002, 0.01) * SR;
  const tau = uniform(rng, 0.25, 0.6) * SR;
  const body = new Float32Array(out.length);
  for (let i = 0; i < out.length; i++) body[i] = gaussian(rng);
  const cut = uniform(rng, 120, 350);
  lowPass(lowPass(body, cut), cut);
  let peak = 0;
  for (const v of body) peak = Math.max(peak, Math.abs(v));
  for (let i = 0; i < out.length; i++) {
    const env = i < rise ? i / rise : Math.exp(-(i - rise) / tau);
    out[i] = (body[i]! / peak) * env;
  }
  const crack = Math.round(0.004 * SR);
  const crackGain = uniform(rng, 0.1, 0.3);
  for (let i = 0; i < crack; i++) out[i]! += gaussian(rng) * crackGain * (1 - i / crack);
  return normalisePeak(out);
}

/** A hand clap: a few band-passed noise bursts within 10 ms, decaying in a few ms. Not an alarm. */
export function clap(rng: Rng): Float32Array {
  const out = new Float32Array(Math.round(0.2 * SR));
  const bursts = 2 + Math.floor(rng() * 3);
  const tau = uniform(rng, 0.003, 0.008) * SR;
  for (let b = 0; b < bursts; b++) {
    const at = Math.round(uniform(rng, 0, 0.01) * SR);
    const gain = uniform(rng, 0.5, 1);
    for (let i = at; i < out.length; i++) out[i]! += gaussian(rng) * gain * Math.exp(-(i - at) / tau);
  }
  highPass(lowPass(out, uniform(rng, 2500, 4000)), uniform(rng, 800, 1200));
  return normalisePeak(out);
}

/** A door slam: a low thud (damped 60–150 Hz modes), a latch click, a short rattle. Not an alarm. */
export function doorSlam(rng: Rng): Float32Array {
  const out = new Float32Array(Math.round(0.8 * SR));
  for (let m = 0; m < 3; m++) {
    const f = uniform(rng, 60, 150) * (1 + m * 0.7);
    const tau = uniform(rng, 0.03, 0.08) * SR;
    const gain = uniform(rng, 0.5, 1) / (m + 1);
    const ph = rng() * 2 * Math.PI;
    for (let i = 0; i < out.length; i++) out[i]! += gain * Math.sin((2 * Math.PI * f * i) / SR + ph) * Math.exp(-i / tau);
  }
  const click = Math.round(0.001 * SR);
  for (let i = 0; i < click; i++) out[i]! += gaussian(rng) * 0.3;
  const rattleAt = Math.round(uniform(rng, 0.02, 0.06) * SR);
  for (let i = rattleAt; i < Math.min(out.length, rattleAt + 0.05 * SR); i++) out[i]! += gaussian(rng) * 0.05 * Math.exp(-(i - rattleAt) / (0.01 * SR));
  return normalisePeak(out);
}

/**
 * A drone: two or four rotors, each a harmonic comb (blade-pass fundamental f0, 12 harmonics falling
 * off as 1/k^0.7), with a random-walk jitter of the rotor speed, a Doppler swing over the pass and
 * fade in/out.
 */
export function rotor(rng: Rng, seconds: number, f0: number): Float32Array {
  const n = Math.round(seconds * SR);
  const out = new Float32Array(n);
  const rotors = rng() < 0.5 ? 2 : 4;
  const doppler = uniform(rng, -0.04, 0.04);
  const centre = uniform(rng, 0.3, 0.7) * seconds;
  const width = uniform(rng, 0.5, 2);
  for (let r = 0; r < rotors; r++) {
    const base = f0 * (1 + uniform(rng, -0.02, 0.02));
    const amps = Array.from({ length: 12 }, (_, k) => (1 / (k + 1) ** 0.7) * uniform(rng, 0.6, 1.2));
    const phases = Array.from({ length: 12 }, () => rng() * 2 * Math.PI);
    let jitter = 0;
    let phase = 0;
    for (let i = 0; i < n; i++) {
      if (i % 160 === 0) jitter = Math.max(-0.015, Math.min(0.015, jitter + gaussian(rng) * 0.002));
      const t = i / SR;
      const f = base * (1 + jitter) * (1 - doppler * Math.tanh((t - centre) / width));
      phase += (2 * Math.PI * f) / SR;
      let v = 0;
      for (let k = 0; k < 12; k++) v += amps[k]! * Math.sin((k + 1) * phase + phases[k]!);
      out[i]! += v;
    }
  }
  fade(out, 0.3);
  return normalisePeak(out);
}

export function fade(x: Float32Array, seconds: number): Float32Array {
  const n = Math.min(Math.round(seconds * SR), Math.floor(x.length / 2));
  for (let i = 0; i < n; i++) {
    const g = i / n;
    x[i]! *= g;
    x[x.length - 1 - i]! *= g;
  }
  return x;
}

export function normalisePeak(x: Float32Array, peak = 0.9): Float32Array {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  if (m > 0) for (let i = 0; i < x.length; i++) x[i]! *= peak / m;
  return x;
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  const a = Math.max(0, from);
  const b = Math.min(x.length, to);
  for (let i = a; i < b; i++) s += x[i]! * x[i]!;
  return b > a ? Math.sqrt(s / (b - a)) : 0;
}

/** The span [first, last] sample where the 20 ms energy is within `dbBelowPeak` of its maximum. */
export function activeSpan(x: Float32Array, dbBelowPeak = 35): [number, number] {
  const block = 320;
  const e: number[] = [];
  for (let i = 0; i < x.length; i += block) e.push(rms(x, i, i + block));
  const max = Math.max(...e, 1e-9);
  const thr = max * 10 ** (-dbBelowPeak / 20);
  const first = e.findIndex((v) => v >= thr);
  let last = e.length - 1;
  while (last > 0 && e[last]! < thr) last--;
  return [Math.max(0, first) * block, Math.min(x.length, (last + 1) * block)];
}
