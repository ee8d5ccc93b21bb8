/**
 * Impulsive sounds: gunshots and explosions.
 *
 * The signal is cut into 2 ms blocks. An onset is a block whose energy jumps `onsetDb` above the mean of
 * the previous 256 ms. From the onset the event is followed until its 8 ms envelope falls back near that
 * background (or a new onset cuts it: bursts of shots). Then it is measured:
 *   - rise_ms: onset to the loudest 2 ms block; attack_ms: onset to the peak of the 24 ms envelope;
 *     excess_db: envelope peak over the background;
 *   - crest_factor: peak sample over the event's RMS (a muzzle blast is a spike over its own tail);
 *   - decay_ms: time for the envelope to fall 20 dB from its peak (extrapolated on the measured slope when
 *     noise hides the end);
 *   - spectral centroid and the share of energy below 400 Hz in the first 64 ms, background subtracted.
 * Gunshot: fast rise, high crest, broadband, decay of tens to hundreds of ms. Explosion: low-frequency,
 * long decay. Short clicks and claps (decay < ~40 ms) and low thuds that die quickly (door slams) are
 * neither. During speech (voice detector), an impulse counts only if its features are clear-cut (score
 * ≥ speechMinScore) or it stands far above the background (speechMarginDb).
 */
import { RealFft } from '../../fft.js';
import { dB, ramp, type AnalysedFrame, type AudioDetector, type AudioDetectorContext, type AudioFinding } from '../../detector.js';
import type { ImpulsiveConfig } from './impulsive-config.js';

const BLOCK = 32; // 2 ms at 16 kHz
const REF_BLOCKS = 128; // 256 ms of background
const ENV_BLOCKS = 4; // 8 ms envelope
const DECAY_SMOOTH_BLOCKS = 12; // 24 ms
const SPLIT_BLOCKS = 32; // a new onset inside an event must stand over the last 64 ms of it
const RING_SECONDS = 8;
const SPEC_N = 1024;

export interface ImpulseFeatures {
  onsetS: number;
  rise_ms: number;
  attack_ms: number;
  excess_db: number;
  crest_factor: number;
  crest_db: number;
  decay_ms: number;
  centroid_hz: number;
  low_ratio: number;
  duration_ms: number;
  peak_dbfs: number;
}

export type ImpulseClass = 'gunshot' | 'explosion' | 'none';

export class ImpulsiveDetector implements AudioDetector {
  readonly type = 'impulsive';
  private readonly sr: number;
  private readonly ring: Float32Array;
  private ringPos = 0; // total samples written
  private readonly refEnergies = new Float64Array(REF_BLOCKS);
  private refSum = 0;
  private refCount = 0;
  private blockIndex = 0;
  private readonly envRing = new Float64Array(ENV_BLOCKS);
  private envSum = 0;
  private holdoffUntilBlock = 0;
  private active: ActiveEvent | undefined;
  private readonly fft = new RealFft(SPEC_N);
  private readonly window: Float64Array;
  private readonly specBuf = new Float64Array(SPEC_N);
  private readonly specOut = new Float64Array(SPEC_N / 2 + 1);
  private readonly shotTimes: number[] = [];
  /** Ended events waiting for 64 ms of samples after their onset (for the spectrum). */
  private readonly pending: ActiveEvent[] = [];
  /** Every measured impulse, classified or not (for the evaluation and tuning). */
  readonly measured: { features: ImpulseFeatures; verdict: ImpulseClass; suppressedBySpeech: boolean }[] = [];
  keepMeasurements = false;

  constructor(
    private readonly config: ImpulsiveConfig,
    private readonly ctx: AudioDetectorContext,
  ) {
    this.sr = ctx.sampleRate;
    this.ring = new Float32Array(RING_SECONDS * this.sr);
    this.window = tukeyWindow(SPEC_N, 0.2);
  }

  process(frame: AnalysedFrame): AudioFinding[] {
    const s = frame.samples;
    const out: AudioFinding[] = [];
    for (let b = 0; b + BLOCK <= s.length; b += BLOCK) {
      let energy = 0;
      let peak = 0;
      for (let i = b; i < b + BLOCK; i++) {
        const v = s[i]!;
        energy += v * v;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
        this.ring[this.ringPos % this.ring.length] = v;
        this.ringPos++;
      }
      energy /= BLOCK;
      this.block(energy, peak);
      while (this.pending.length > 0 && this.ringPos >= this.pending[0]!.onsetBlock * BLOCK + SPEC_N) {
        const f = this.finish(this.pending.shift()!);
        if (f) out.push(f);
      }
    }
    return out;
  }

  flush(): AudioFinding[] {
    if (this.active) this.pending.push(this.active);
    this.active = undefined;
    const out: AudioFinding[] = [];
    for (const a of this.pending.splice(0)) {
      const f = this.finish(a);
      if (f) out.push(f);
    }
    return out;
  }

  private block(energy: number, peak: number): void {
    const idx = this.blockIndex++;
    const slot = idx % ENV_BLOCKS;
    this.envSum += energy - this.envRing[slot]!;
    this.envRing[slot] = energy;
    const envDb = dB(Math.max(this.envSum, 0) / ENV_BLOCKS);
    const eDb = dB(energy);
    const cfg = this.config;

    if (this.active) {
      const a = this.active;
      // A new onset inside the tail (next shot of a burst) ends this event and starts the next one.
      const sincePeak = idx - a.peakBlock;
      const recent = a.energies.slice(-SPLIT_BLOCKS);
      const recentDb = dB(recent.reduce((x, y) => x + y, 0) / Math.max(1, recent.length));
      if (sincePeak > SPLIT_BLOCKS && eDb >= recentDb + cfg.onsetDb + 3 && eDb >= a.refDb + cfg.onsetDb) {
        this.pending.push(a);
        this.startEvent(idx, a.refDb, energy, peak, envDb);
      } else {
        a.energies.push(energy);
        a.envDb.push(envDb);
        if (peak > a.peakAbs) a.peakAbs = peak;
        if (energy > a.maxBlockEnergy) {
          a.maxBlockEnergy = energy;
          a.maxBlock = idx;
        }
        if (envDb > a.peakEnvDb) {
          a.peakEnvDb = envDb;
          a.peakBlock = idx;
        }
        a.prevEnvDb = envDb;
        if (idx > a.peakBlock && envDb < a.refDb + cfg.endMarginDb) a.quietBlocks++;
        else a.quietBlocks = 0;
        const tooLong = (idx - a.onsetBlock) * BLOCK >= cfg.maxEventS * this.sr;
        if (a.quietBlocks >= 10 || tooLong) {
          this.pending.push(a);
          this.active = undefined;
          this.holdoffUntilBlock = idx + 25;
        }
      }
      return;
    }

    // Idle: is this block an onset over the background of the last 256 ms?
    const refMean = this.refCount > 0 ? this.refSum / this.refCount : energy;
    const refDb = dB(refMean);
    if (this.refCount >= REF_BLOCKS / 4 && idx >= this.holdoffUntilBlock && eDb >= refDb + cfg.onsetDb && eDb >= cfg.floorDbfs) {
      this.startEvent(idx, refDb, energy, peak, envDb);
      return;
    }
    const rslot = idx % REF_BLOCKS;
    if (this.refCount === REF_BLOCKS) this.refSum -= this.refEnergies[rslot]!;
    else this.refCount++;
    this.refEnergies[rslot] = energy;
    this.refSum += energy;
  }

  private startEvent(idx: number, refDb: number, energy: number, peak: number, envDb: number): void {
    this.active = {
      onsetBlock: idx,
      refDb,
      energies: [energy],
      envDb: [envDb],
      peakAbs: peak,
      maxBlockEnergy: energy,
      maxBlock: idx,
      peakEnvDb: envDb,
      peakBlock: idx,
      prevEnvDb: envDb,
      quietBlocks: 0,
    };
  }

  /** Measures a finished event, classifies it, and returns a finding for gunshots and explosions. */
  private finish(a: ActiveEvent): AudioFinding | undefined {
    const features = this.measure(a);
    if (!features) return undefined;
    const cfg = this.config;
    const { verdict, score } = classifyImpulse(features, cfg);
    let suppressed = false;
    if (verdict !== 'none' && cfg.suppressDuringSpeech && this.ctx.speech.available) {
      // Plosives and laughter can look impulsive: during speech, only clear-cut impulses count.
      const speech = this.ctx.speech.fraction(features.onsetS - 0.3, features.onsetS + 0.3);
      if (speech >= 0.5 && features.excess_db < cfg.speechMarginDb && score < cfg.speechMinScore) suppressed = true;
    }
    if (this.keepMeasurements) this.measured.push({ features, verdict, suppressedBySpeech: suppressed });
    if (verdict === 'none' || suppressed) return undefined;
    const confidence = Math.min(1, score * (0.6 + 0.4 * ramp(features.excess_db, cfg.minExcessDb, cfg.minExcessDb + 15)));
    if (confidence < cfg.minConfidence) return undefined;
    const t = features.onsetS;
    const m: Record<string, number | string> = {
      crest_factor: round(features.crest_factor, 2),
      decay_ms: Math.round(features.decay_ms),
      rise_ms: round(features.rise_ms, 1),
      attack_ms: Math.round(features.attack_ms),
      excess_db: round(features.excess_db, 1),
      spectral_centroid_hz: Math.round(features.centroid_hz),
      low_band_ratio: round(features.low_ratio, 3),
      peak_dbfs: round(features.peak_dbfs, 1),
    };
    if (verdict === 'gunshot') {
      while (this.shotTimes.length > 0 && this.shotTimes[0]! < t - 10) this.shotTimes.shift();
      this.shotTimes.push(t);
      m.shots_in_10s = this.shotTimes.length;
      return {
        key: `impulse-${Math.round(t * 1000)}`,
        category: 'gunshot',
        severity: this.shotTimes.length >= 3 ? 'critical' : 'high',
        confidence: round(confidence, 3),
        startS: t,
        summary: `gunshot-like impulse (crest ${m.crest_factor}, decay ${m.decay_ms} ms, ${m.excess_db} dB over background)${this.shotTimes.length >= 3 ? `, ${this.shotTimes.length} shots in 10 s` : ''}`,
        measurements: m,
      };
    }
    return {
      key: `impulse-${Math.round(t * 1000)}`,
      category: 'explosion',
      severity: 'critical',
      confidence: round(confidence, 3),
      startS: t,
      summary: `explosion-like blast (decay ${m.decay_ms} ms, ${Math.round(features.low_ratio * 100)} % of energy below 400 Hz, ${m.excess_db} dB over background)`,
      measurements: m,
    };
  }

  private measure(a: ActiveEvent): ImpulseFeatures | undefined {
    const cfg = this.config;
    const n = a.energies.length;
    if (n < 2) return undefined;
    const excess = a.peakEnvDb - a.refDb;
    if (excess < cfg.minExcessDb) return undefined;
    const onsetSample = a.onsetBlock * BLOCK;
    const rise_ms = ((a.maxBlock - a.onsetBlock + 1) * BLOCK * 1000) / this.sr;
    let sum = 0;
    for (const e of a.energies) sum += e;
    const rms = Math.sqrt(sum / n);
    const crest = a.peakAbs / Math.max(rms, 1e-9);

    // Decay: from the envelope's peak to the last block still within 20 dB of it. When the background is
    // less than 20 dB under the peak, the fall down to the background is extrapolated to 20 dB. Measured
    // on the 8 ms envelope; when that says it is long (> 200 ms), again on a 24 ms envelope, steadier on
    // low-frequency noise (explosions).
    const smooth = smoothDb(a.energies, DECAY_SMOOTH_BLOCKS);
    let peakAt = 0;
    for (let i = 1; i < n; i++) if (smooth[i]! > smooth[peakAt]!) peakAt = i;
    const floorDb = a.refDb + 3;
    let decayBlocks = decayOf(smoothDb(a.energies, ENV_BLOCKS), floorDb);
    if ((decayBlocks * BLOCK * 1000) / this.sr > 200) decayBlocks = decayOf(smooth, floorDb);
    const attack_ms = (peakAt * BLOCK * 1000) / this.sr;
    const decay_ms = (decayBlocks * BLOCK * 1000) / this.sr;

    const { centroid, lowRatio } = this.spectralShape(onsetSample);
    return {
      onsetS: onsetSample / this.sr,
      rise_ms,
      attack_ms,
      excess_db: excess,
      crest_factor: crest,
      crest_db: 20 * Math.log10(crest),
      decay_ms,
      centroid_hz: centroid,
      low_ratio: lowRatio,
      duration_ms: (n * BLOCK * 1000) / this.sr,
      peak_dbfs: 20 * Math.log10(Math.max(a.peakAbs, 1e-9)),
    };
  }

  /** Spectral centroid and low-band share of the first 64 ms, minus the background before the onset. */
  private spectralShape(onsetSample: number): { centroid: number; lowRatio: number } {
    const event = this.powerAt(onsetSample - 128);
    const noise = new Float64Array(event.length);
    let noiseWindows = 0;
    for (let k = 1; k <= 3; k++) {
      const start = onsetSample - 128 - k * SPEC_N;
      const p = this.powerAt(start);
      if (p.length === 0) break;
      for (let i = 0; i < noise.length; i++) noise[i]! += p[i]!;
      noiseWindows++;
    }
    const binHz = this.sr / SPEC_N;
    let total = 0;
    let weighted = 0;
    let low = 0;
    for (let i = 0; i < event.length; i++) {
      const f = i * binHz;
      if (f < 50) continue;
      const p = Math.max(0, event[i]! - (noiseWindows > 0 ? noise[i]! / noiseWindows : 0));
      total += p;
      weighted += p * f;
      if (f < 400) low += p;
    }
    if (total <= 0) return { centroid: 0, lowRatio: 0 };
    return { centroid: weighted / total, lowRatio: low / total };
  }

  private powerAt(start: number): Float64Array {
    if (start < 0 || start < this.ringPos - this.ring.length) return new Float64Array(0);
    for (let i = 0; i < SPEC_N; i++) {
      const at = start + i;
      this.specBuf[i] = at < this.ringPos ? this.ring[at % this.ring.length]! : 0;
    }
    this.fft.power(this.specBuf, this.specOut, this.window);
    return Float64Array.from(this.specOut);
  }
}

interface ActiveEvent {
  onsetBlock: number;
  refDb: number;
  energies: number[];
  envDb: number[];
  peakAbs: number;
  maxBlockEnergy: number;
  maxBlock: number;
  peakEnvDb: number;
  peakBlock: number;
  prevEnvDb: number;
  quietBlocks: number;
}

/** Rule-based classification with soft edges: returns the class and a score in [0, 1]. */
export function classifyImpulse(f: ImpulseFeatures, c: ImpulsiveConfig): { verdict: ImpulseClass; score: number } {
  if (f.attack_ms > c.maxAttackMs) return { verdict: 'none', score: 0 };
  const explosion =
    ramp(f.decay_ms, c.explosionMinDecayMs * 0.8, c.explosionMinDecayMs) *
    ramp(f.low_ratio, c.explosionMinLowRatio - 0.1, c.explosionMinLowRatio) *
    ramp(f.centroid_hz, c.explosionMaxCentroidHz * 1.3, c.explosionMaxCentroidHz);
  const gunshot =
    ramp(f.crest_db, c.gunshotMinCrestDb - 2, c.gunshotMinCrestDb) *
    ramp(f.decay_ms, c.gunshotMinDecayMs * 0.8, c.gunshotMinDecayMs) *
    ramp(f.decay_ms, c.gunshotMaxDecayMs * 1.25, c.gunshotMaxDecayMs) *
    ramp(f.centroid_hz, c.gunshotMinCentroidHz * 0.8, c.gunshotMinCentroidHz) *
    ramp(f.centroid_hz, c.gunshotMaxCentroidHz * 1.05, c.gunshotMaxCentroidHz) *
    ramp(f.rise_ms, c.gunshotMaxRiseMs * 1.5, c.gunshotMaxRiseMs);
  if (explosion >= 0.5 && explosion >= gunshot) return { verdict: 'explosion', score: explosion };
  if (gunshot >= 0.5) return { verdict: 'gunshot', score: gunshot };
  return { verdict: 'none', score: Math.max(gunshot, explosion) };
}

/** Blocks from the peak of an envelope (dB) to the last one within 20 dB of it (extrapolated above a floor). */
function decayOf(env: Float64Array, floorDb: number): number {
  let peakAt = 0;
  for (let i = 1; i < env.length; i++) if (env[i]! > env[peakAt]!) peakAt = i;
  const peakDb = env[peakAt]!;
  const target = Math.max(peakDb - 20, floorDb);
  let last = peakAt;
  for (let i = peakAt + 1; i < env.length; i++) if (env[i]! >= target) last = i;
  const blocks = last - peakAt;
  return peakDb - 20 < floorDb ? (blocks * 20) / Math.max(1, peakDb - floorDb) : blocks;
}

/** Centred moving average of block energies over `width` blocks, in dB. */
function smoothDb(energies: number[], width: number): Float64Array {
  const n = energies.length;
  const out = new Float64Array(n);
  const half = Math.floor(width / 2);
  let sum = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(n - 1, i + half);
    while (hi < b) sum += energies[++hi]!;
    while (lo < a) sum -= energies[lo++]!;
    out[i] = dB(Math.max(sum, 0) / (b - a + 1));
  }
  return out;
}

function tukeyWindow(n: number, alpha: number): Float64Array {
  const w = new Float64Array(n);
  const edge = (alpha * n) / 2;
  for (let i = 0; i < n; i++) {
    if (i < edge) w[i] = 0.5 - 0.5 * Math.cos((Math.PI * i) / edge);
    else if (i > n - 1 - edge) w[i] = 0.5 - 0.5 * Math.cos((Math.PI * (n - 1 - i)) / edge);
    else w[i] = 1;
  }
  return w;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));
