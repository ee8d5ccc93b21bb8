/**
 * Drone rotor signature: a stable harmonic comb.
 *
 * On the shared 128 ms spectrum (7.8 Hz bins), each bin's level is compared with its neighbourhood
 * (±6 bins, the bin's own lobe excluded): its prominence. For every candidate fundamental f0 between
 * 80 and 800 Hz (quarter-bin steps), the comb score is the mean prominence at f0, 2·f0, … (capped at
 * 20 dB each, up to 8 harmonics below 4 kHz); the best candidate is moved down an octave (or a third)
 * when that candidate scores nearly as well (the usual octave error of harmonic sums). A frame shows a
 * comb when the score and the count of standing-out harmonics are high enough: a pure tone (one
 * harmonic) or broadband noise never does. An episode is a run of comb frames whose fundamental stays
 * within a few per cent of the last second's median (slow Doppler drift is followed, a siren's sweep is
 * not); it becomes a drone event once it has lasted `minDurationS` and shown the comb in most of its
 * frames (`minPresence`) with a fundamental that spread little (`maxJitter`). Voices are harmonic combs with a fundamental in the same range too, but broken
 * by consonants and pauses (presence ~0.6 for a monotone synthetic voice); `ignoreSpeech` also drops
 * the frames the voice detector marks as speech, at the cost of deafness to drones in a talking crowd.
 */
import { dB, ramp, type AnalysedFrame, type AudioDetector, type AudioFinding, type SpeechTimeline } from '../../detector.js';
import type { RotorConfig } from './rotor-config.js';
import { SAMPLE_RATE } from '../../ingest.js';

const CAP_DB = 20;
const DYNAMIC_RANGE_DB = 50;
const NEIGHBOURS = 6;
const EXCLUDE = 2;

export interface CombEstimate {
  f0: number;
  score: number;
  harmonics: number;
}

export class RotorDetector implements AudioDetector {
  readonly type = 'rotor';
  private frameCount = 0;
  private levels = new Float64Array(0);
  private prominence = new Float64Array(0);
  private prefix = new Float64Array(0);
  private episode: Episode | undefined;

  constructor(
    private readonly config: RotorConfig,
    private readonly speech?: SpeechTimeline,
  ) {}

  process(frame: AnalysedFrame): AudioFinding[] {
    if (this.frameCount++ % this.config.hopFrames !== 0) return [];
    const t = frame.mediaTimeS + frame.samples.length / SAMPLE_RATE;
    // A voiced talker is a harmonic comb too: frames the voice detector calls speech show no rotor.
    const speaking = this.config.ignoreSpeech && this.speech?.available && this.speech.fraction(t - 0.3, t) >= 0.5;
    const comb = speaking ? undefined : this.estimate(frame.spectrum(), frame.binHz);
    return this.track(t, comb);
  }

  flush(): AudioFinding[] {
    this.episode = undefined;
    return [];
  }

  /** The best harmonic comb in this spectrum, or undefined when none stands out. */
  estimate(power: Float64Array, binHz: number): CombEstimate | undefined {
    const c = this.config;
    const n = power.length;
    if (this.levels.length !== n) {
      this.levels = new Float64Array(n);
      this.prominence = new Float64Array(n);
      this.prefix = new Float64Array(n + 1);
    }
    const L = this.levels;
    const maxBin = Math.min(n - 1, Math.ceil(c.maxHarmonicHz / binHz) + NEIGHBOURS + 2);
    let top = -Infinity;
    for (let k = 0; k <= maxBin; k++) {
      L[k] = dB(power[k]!);
      if (L[k]! > top) top = L[k]!;
    }
    // Nothing more than 50 dB under the loudest bin counts: structure down there is quantisation noise
    // (a pure digital tone's rounding error is periodic, i.e. a faint comb) or window leakage.
    for (let k = 0; k <= maxBin; k++) if (L[k]! < top - DYNAMIC_RANGE_DB) L[k] = top - DYNAMIC_RANGE_DB;
    const P = this.prefix;
    P[0] = 0;
    for (let k = 0; k <= maxBin; k++) P[k + 1] = P[k]! + L[k]!;
    for (let k = 0; k <= maxBin; k++) {
      const lo = Math.max(0, k - NEIGHBOURS);
      const hi = Math.min(maxBin, k + NEIGHBOURS);
      const inLo = Math.max(0, k - EXCLUDE);
      const inHi = Math.min(maxBin, k + EXCLUDE);
      const sum = P[hi + 1]! - P[lo]! - (P[inHi + 1]! - P[inLo]!);
      const count = hi - lo + 1 - (inHi - inLo + 1);
      this.prominence[k] = count > 0 ? L[k]! - sum / count : 0;
    }
    let best: CombEstimate | undefined;
    const step = binHz / 4;
    for (let f0 = c.minFundamentalHz; f0 <= c.maxFundamentalHz; f0 += step) {
      const s = this.score(f0, binHz);
      if (!best || s.score > best.score) best = s;
    }
    if (!best) return undefined;
    for (const div of [2, 3]) {
      const lower = best.f0 / div;
      if (lower < c.minFundamentalHz) continue;
      const s = this.refine(lower, binHz);
      if (s.score >= 0.8 * best.score && s.harmonics >= c.minHarmonics) {
        best = s;
        break;
      }
    }
    if (best.score < c.minCombScore || best.harmonics < c.minHarmonics) return undefined;
    return { ...best, f0: this.interpolate(best.f0, binHz) };
  }

  /** A finer fundamental: each standing harmonic's peak, interpolated between bins, divided by its order. */
  private interpolate(f0: number, binHz: number): number {
    const c = this.config;
    const L = this.levels;
    const count = Math.min(c.maxHarmonics, Math.floor(c.maxHarmonicHz / f0));
    let sum = 0;
    let weight = 0;
    for (let h = 1; h <= count; h++) {
      const centre = Math.round((h * f0) / binHz);
      let k = centre;
      for (let j = centre - 1; j <= centre + 1; j++) if ((L[j] ?? -Infinity) > (L[k] ?? -Infinity)) k = j;
      if ((this.prominence[k] ?? 0) < c.harmonicProminenceDb || k < 1 || k + 1 >= L.length) continue;
      const a = L[k - 1]!;
      const b = L[k]!;
      const g = L[k + 1]!;
      const denom = a - 2 * b + g;
      const shift = denom !== 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - g)) / denom)) : 0;
      sum += (k + shift) * binHz; // (peak / h) weighted by h
      weight += h;
    }
    return weight > 0 ? sum / weight : f0;
  }

  private refine(f0: number, binHz: number): CombEstimate {
    let best = this.score(f0, binHz);
    for (let d = -2; d <= 2; d++) {
      const s = this.score(f0 + (d * binHz) / 8, binHz);
      if (s.score > best.score) best = s;
    }
    return best;
  }

  private score(f0: number, binHz: number): CombEstimate {
    const c = this.config;
    const R = this.prominence;
    const count = Math.min(c.maxHarmonics, Math.floor(c.maxHarmonicHz / f0));
    let total = 0;
    let standing = 0;
    for (let h = 1; h <= count; h++) {
      const centre = Math.round((h * f0) / binHz);
      let v = -Infinity;
      for (let k = centre - 1; k <= centre + 1; k++) {
        const r = R[k];
        if (r !== undefined && r > v) v = r;
      }
      if (v >= c.harmonicProminenceDb) standing++;
      total += Math.max(0, Math.min(CAP_DB, v));
    }
    return { f0, score: count > 0 ? total / count : 0, harmonics: standing };
  }

  private track(t: number, comb: CombEstimate | undefined): AudioFinding[] {
    const c = this.config;
    let ep = this.episode;
    if (ep && t - ep.lastCombT > c.maxGapS) {
      ep = undefined;
      this.episode = undefined;
    }
    if (ep) {
      ep.frames++;
      if (comb) {
        const ref = ep.recentMedian(t);
        if (Math.abs(comb.f0 - ref) <= c.stabilityTolerance * ref) ep.add(t, comb);
      }
    } else if (comb) {
      ep = new Episode(t, comb);
      this.episode = ep;
    }
    if (!ep) return [];
    const duration = ep.lastCombT - ep.startT;
    const presence = ep.combFrames / Math.max(1, ep.frames);
    const due = ep.reportedAt === undefined ? duration >= c.minDurationS : t - ep.reportedAt >= c.repeatEveryS;
    if (!due || presence < c.minPresence) return [];
    const jitter = ep.relativeSpread();
    if (jitter > c.maxJitter) return [];
    ep.reportedAt = t;
    const f0 = ep.median();
    const meanScore = ep.scoreSum / ep.combFrames;
    const harmonics = Math.round(ep.harmonicsSum / ep.combFrames);
    const confidence = Math.min(1, 0.5 * ramp(meanScore, c.minCombScore, c.minCombScore + 8) + 0.3 * presence + 0.2 * ramp(harmonics, c.minHarmonics, c.minHarmonics + 3));
    return [
      {
        key: `rotor-${Math.round(ep.startT * 1000)}`,
        category: 'drone',
        severity: c.severity,
        confidence: Number(confidence.toFixed(3)),
        startS: ep.startT,
        summary: `rotor-like harmonic comb at ${f0.toFixed(0)} Hz with ${harmonics} harmonics, stable for ${duration.toFixed(1)} s`,
        measurements: {
          fundamental_hz: Number(f0.toFixed(1)),
          harmonics,
          comb_score_db: Number(meanScore.toFixed(1)),
          fundamental_jitter: Number(jitter.toFixed(4)),
          presence: Number(presence.toFixed(2)),
          duration_s: Number(duration.toFixed(2)),
        },
      },
    ];
  }
}

class Episode {
  readonly startT: number;
  lastCombT: number;
  frames = 1;
  combFrames = 0;
  scoreSum = 0;
  harmonicsSum = 0;
  reportedAt: number | undefined;
  private readonly recent: { t: number; f0: number }[] = [];
  private readonly all: number[] = [];

  constructor(t: number, comb: CombEstimate) {
    this.startT = t;
    this.lastCombT = t;
    this.add(t, comb);
  }

  add(t: number, comb: CombEstimate): void {
    this.lastCombT = t;
    this.combFrames++;
    this.scoreSum += comb.score;
    this.harmonicsSum += comb.harmonics;
    this.recent.push({ t, f0: comb.f0 });
    if (this.all.length < 4096) this.all.push(comb.f0);
  }

  recentMedian(t: number): number {
    while (this.recent.length > 1 && this.recent[0]!.t < t - 1) this.recent.shift();
    return median(this.recent.map((r) => r.f0));
  }

  median(): number {
    return median(this.all);
  }

  relativeSpread(): number {
    const m = this.median();
    const mean = this.all.reduce((a, b) => a + b, 0) / this.all.length;
    const sd = Math.sqrt(this.all.reduce((a, b) => a + (b - mean) ** 2, 0) / this.all.length);
    return m > 0 ? sd / m : 0;
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
