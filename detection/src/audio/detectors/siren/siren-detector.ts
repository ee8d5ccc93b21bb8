/**
 * Sirens: a strong tone in 400–1900 Hz that keeps sweeping smoothly (wail, two-tone hi-lo).
 *
 * Each 32 ms frame gets its own 512-point spectrum (the shared 128 ms one smears fast sweeps); the most
 * prominent peak inside the band (level over its ±5-bin neighbourhood) is taken, its frequency refined by parabolic interpolation. Over a sliding window
 * (4 s) the track is cut into pieces where the peak moves by at most `maxStepHz` per frame. Pieces
 * shorter than `minPieceS` are dropped (voices and noise peaks come and go, jump about); the long ones
 * must cover most of the window, span a few hundred Hz and move — by sweeping inside a piece (wail) or
 * by jumping straight from one piece into the next (hi-lo) — where a steady tone or a rotor comb does
 * not. The sweep period is estimated by autocorrelation of the track and reported when it is clear.
 */
import { dB, ramp, type AnalysedFrame, type AudioDetector, type AudioFinding } from '../../detector.js';
import { hannWindow, RealFft } from '../../fft.js';
import { SAMPLE_RATE } from '../../ingest.js';
import type { SirenConfig } from './siren-config.js';

/** 32 ms analysis window (31 Hz bins): a fast sweep (1.5 kHz/s) stays within two bins. */
const FFT_SIZE = 512;
const NEIGHBOURS = 5;
const EXCLUDE = 1;

interface TrackPoint {
  t: number;
  f: number | undefined;
}

export class SirenDetector implements AudioDetector {
  readonly type = 'siren';
  private readonly track: TrackPoint[] = [];
  private episode: { startT: number; lastT: number; reportedAt: number } | undefined;
  private lastDecisionT = -Infinity;
  private readonly fft = new RealFft(FFT_SIZE);
  private readonly window = hannWindow(FFT_SIZE);
  private readonly power = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly buf = new Float64Array(FFT_SIZE);

  constructor(private readonly config: SirenConfig) {}

  process(frame: AnalysedFrame): AudioFinding[] {
    const c = this.config;
    const t = frame.mediaTimeS + frame.samples.length / SAMPLE_RATE;
    const x = frame.samples;
    for (let i = 0; i < FFT_SIZE; i++) this.buf[i] = x[x.length - FFT_SIZE + i] ?? 0;
    this.fft.power(this.buf, this.power, this.window);
    this.track.push({ t, f: this.peak(this.power, SAMPLE_RATE / FFT_SIZE) });
    while (this.track.length > 0 && this.track[0]!.t < t - c.windowS) this.track.shift();
    if (t - this.lastDecisionT < 0.25) return [];
    this.lastDecisionT = t;
    if (this.track[0]!.t > t - c.windowS + 0.1) return [];
    const judged = this.judge();
    if (!judged) {
      if (this.episode && t - this.episode.lastT > c.windowS / 2) this.episode = undefined;
      return [];
    }
    if (!this.episode) {
      this.episode = { startT: judged.startT, lastT: t, reportedAt: -Infinity };
    }
    const ep = this.episode;
    ep.lastT = t;
    if (t - ep.reportedAt < c.repeatEveryS) return [];
    ep.reportedAt = t;
    const { low, high, rate, presence, period } = judged;
    const confidence = Math.min(1, 0.4 * ramp(presence, c.minPresence, 1) + 0.3 * ramp(rate, c.minSweepRateHzPerS, c.minSweepRateHzPerS * 3) + 0.3 * ramp(high - low, c.minSweepHz, c.minSweepHz * 3));
    const measurements: Record<string, number | string> = {
      sound: 'siren',
      sweep_low_hz: Math.round(low),
      sweep_high_hz: Math.round(high),
      sweep_rate_hz_per_s: Math.round(rate),
      presence: Number(presence.toFixed(2)),
    };
    if (period !== undefined) measurements.sweep_period_s = Number(period.toFixed(2));
    return [
      {
        key: `siren-${Math.round(ep.startT * 1000)}`,
        category: 'other',
        severity: 'low',
        confidence: Number(confidence.toFixed(3)),
        startS: ep.startT,
        summary: `siren: tone sweeping ${Math.round(low)}–${Math.round(high)} Hz${period !== undefined ? ` every ${period.toFixed(1)} s` : ''}`,
        measurements,
      },
    ];
  }

  flush(): AudioFinding[] {
    this.episode = undefined;
    return [];
  }

  /** Frequency of the most prominent in-band peak, or undefined when none stands out. */
  private peak(power: Float64Array, binHz: number): number | undefined {
    const c = this.config;
    const lo = Math.max(NEIGHBOURS + 1, Math.floor(c.minHz / binHz));
    const hi = Math.min(power.length - NEIGHBOURS - 2, Math.ceil(c.maxHz / binHz));
    let bestK = -1;
    let bestProm = -Infinity;
    for (let k = lo; k <= hi; k++) {
      const p = power[k]!;
      if (p < power[k - 1]! || p < power[k + 1]!) continue;
      let sum = 0;
      let n = 0;
      for (let j = k - NEIGHBOURS; j <= k + NEIGHBOURS; j++) {
        if (Math.abs(j - k) <= EXCLUDE) continue;
        sum += dB(power[j]!);
        n++;
      }
      const prom = dB(p) - sum / n;
      if (prom > bestProm) {
        bestProm = prom;
        bestK = k;
      }
    }
    if (bestK < 0 || bestProm < c.minProminenceDb) return undefined;
    const a = dB(power[bestK - 1]!);
    const b = dB(power[bestK]!);
    const g = dB(power[bestK + 1]!);
    const denom = a - 2 * b + g;
    const shift = denom !== 0 ? (0.5 * (a - g)) / denom : 0;
    return (bestK + Math.max(-0.5, Math.min(0.5, shift))) * binHz;
  }

  private judge(): { low: number; high: number; rate: number; presence: number; period: number | undefined; startT: number } | undefined {
    const c = this.config;
    // Pieces: runs of frames whose peak moves by at most maxStepHz from one frame to the next.
    const pieces: { t0: number; t1: number; fs: number[] }[] = [];
    let cur: { t0: number; t1: number; fs: number[] } | undefined;
    for (const p of this.track) {
      if (p.f === undefined) {
        cur = undefined;
        continue;
      }
      if (cur && Math.abs(p.f - cur.fs[cur.fs.length - 1]!) <= c.maxStepHz) {
        cur.fs.push(p.f);
        cur.t1 = p.t;
      } else {
        cur = { t0: p.t, t1: p.t, fs: [p.f] };
        pieces.push(cur);
      }
    }
    const hop = FFT_SIZE / SAMPLE_RATE;
    const long = pieces.filter((p) => p.t1 - p.t0 + hop >= c.minPieceS);
    const covered = long.reduce((sum, p) => sum + (p.t1 - p.t0 + hop), 0);
    const presence = Math.min(1, covered / c.windowS);
    if (presence < c.minPresence) return undefined;
    const fs = long.flatMap((p) => p.fs).sort((x, y) => x - y);
    const low = fs[Math.floor(fs.length * 0.05)]!;
    const high = fs[Math.floor(fs.length * 0.95)]!;
    if (high - low < c.minSweepHz) return undefined;
    // Motion: sweeps inside pieces, plus jumps from one long piece straight into the next (two-tone).
    let travel = 0;
    for (const [i, p] of long.entries()) {
      for (let k = 1; k < p.fs.length; k++) travel += Math.abs(p.fs[k]! - p.fs[k - 1]!);
      const next = long[i + 1];
      if (next && next.t0 - p.t1 <= 0.2) travel += Math.abs(next.fs[0]! - p.fs[p.fs.length - 1]!);
    }
    const rate = travel / c.windowS;
    if (rate < c.minSweepRateHzPerS) return undefined;
    return { low, high, rate, presence, period: this.period(), startT: long[0]!.t0 };
  }

  /** Sweep period from the autocorrelation of the (mean-removed) track, when a clear peak exists. */
  private period(): number | undefined {
    const pts = this.track;
    const values = pts.map((p) => p.f);
    const known = values.filter((v): v is number => v !== undefined);
    if (known.length < 16) return undefined;
    const mean = known.reduce((a, b) => a + b, 0) / known.length;
    const x = values.map((v) => (v === undefined ? 0 : v - mean));
    const dt = (pts[pts.length - 1]!.t - pts[0]!.t) / Math.max(1, pts.length - 1);
    let e0 = 0;
    for (const v of x) e0 += v * v;
    if (e0 === 0) return undefined;
    let bestLag = 0;
    let best = 0;
    const minLag = Math.max(1, Math.round(0.3 / dt));
    const maxLag = Math.floor(x.length / 2);
    for (let lag = minLag; lag <= maxLag; lag++) {
      let s = 0;
      for (let i = lag; i < x.length; i++) s += x[i]! * x[i - lag]!;
      const r = (s / e0) * (x.length / (x.length - lag));
      if (r > best) {
        best = r;
        bestLag = lag;
      }
    }
    return best >= 0.4 ? bestLag * dt : undefined;
  }
}
