/**
 * The audio detector plugin interface. A plugin has a type name, its own config reader and a factory;
 * plugins are listed in an explicit map (registry.ts), nothing registers itself on import.
 *
 * Detectors see every frame in order. The spectrum of the last 128 ms is computed once per frame, only if
 * a detector asks for it, and shared. Detectors that need to know whether someone is speaking read the
 * speech timeline that the voice detector (Silero VAD) writes.
 */
import type { AlertCategory, AlertSeverity } from '@popart/schemas';
import type { AudioFrame } from './ingest.js';
import type { ConfigReader, Raw } from './config-reader.js';
import { hannWindow, RealFft } from './fft.js';

/** What a detector found: the pipeline turns it into a DetectionEvent. */
export interface AudioFinding {
  /** Stable for one occurrence (one shot, one rotor episode): repeated findings with the same key are updates. */
  key: string;
  category: AlertCategory;
  severity: AlertSeverity;
  confidence: number;
  /** Media time (s) the sound started. */
  startS: number;
  summary: string;
  measurements: Record<string, number | string>;
}

export interface AudioDetector {
  readonly type: string;
  process(frame: AnalysedFrame): AudioFinding[] | Promise<AudioFinding[]>;
  /** End of the input: report what is still pending. */
  flush(): AudioFinding[] | Promise<AudioFinding[]>;
  /** Releases models and buffers. */
  close?(): Promise<void>;
}

export interface AudioDetectorContext {
  sampleRate: number;
  speech: SpeechTimeline;
}

export interface AudioDetectorPlugin<C = unknown> {
  type: string;
  summary: string;
  /** Every config field with its meaning and default, for --help and the docs. */
  fields: Record<string, string>;
  /** Reads this detector's config (already known to be an object); problems go to `reader`. */
  readConfig(raw: Raw, path: string, reader: ConfigReader): C;
  create(config: C, ctx: AudioDetectorContext): AudioDetector | Promise<AudioDetector>;
}

/**
 * Speech probability per frame, written by the voice detector and read by the others. Without a voice
 * detector `available` is false and nothing counts as speech.
 */
export class SpeechTimeline {
  available = false;
  private readonly times: Float64Array;
  private readonly probs: Float32Array;
  private count = 0;

  constructor(
    /** Frames kept (default ~16 s of 32 ms frames). */
    private readonly capacity = 512,
    readonly threshold = 0.5,
  ) {
    this.times = new Float64Array(capacity);
    this.probs = new Float32Array(capacity);
  }

  record(mediaTimeS: number, probability: number): void {
    const i = this.count % this.capacity;
    this.times[i] = mediaTimeS;
    this.probs[i] = probability;
    this.count++;
  }

  /** Fraction of the frames starting in [fromS, toS) that were speech (0 when nothing was recorded). */
  fraction(fromS: number, toS: number): number {
    let n = 0;
    let speech = 0;
    const first = Math.max(0, this.count - this.capacity);
    for (let c = first; c < this.count; c++) {
      const i = c % this.capacity;
      const t = this.times[i]!;
      if (t >= fromS && t < toS) {
        n++;
        if (this.probs[i]! >= this.threshold) speech++;
      }
    }
    return n === 0 ? 0 : speech / n;
  }
}

export const SPECTRUM_SIZE = 2048;

/**
 * A frame plus lazily computed shared analysis: the power spectrum of the last 2048 samples (128 ms,
 * Hann window, 7.8 Hz per bin) ending with this frame.
 */
export class AnalysedFrame {
  private spectrumDone = false;
  constructor(
    readonly frame: AudioFrame,
    private readonly tap: SpectrumTap,
  ) {}

  get samples(): Float32Array {
    return this.frame.samples;
  }

  get mediaTimeS(): number {
    return this.frame.mediaTimeS;
  }

  get startSample(): number {
    return this.frame.startSample;
  }

  /** Power per bin, bins 0..1024, `binHz` apart. */
  spectrum(): Float64Array {
    if (!this.spectrumDone) {
      this.tap.compute();
      this.spectrumDone = true;
    }
    return this.tap.power;
  }

  get binHz(): number {
    return this.tap.binHz;
  }
}

/** Keeps the last SPECTRUM_SIZE samples and computes their spectrum on demand. */
export class SpectrumTap {
  readonly power = new Float64Array(SPECTRUM_SIZE / 2 + 1);
  readonly binHz: number;
  private readonly ring = new Float64Array(SPECTRUM_SIZE);
  private readonly linear = new Float64Array(SPECTRUM_SIZE);
  private readonly fft = new RealFft(SPECTRUM_SIZE);
  private readonly window = hannWindow(SPECTRUM_SIZE);
  private pos = 0;

  constructor(sampleRate: number) {
    this.binHz = sampleRate / SPECTRUM_SIZE;
  }

  push(samples: Float32Array): void {
    for (let i = 0; i < samples.length; i++) {
      this.ring[this.pos] = samples[i]!;
      this.pos = (this.pos + 1) % SPECTRUM_SIZE;
    }
  }

  compute(): void {
    const n = SPECTRUM_SIZE;
    for (let i = 0; i < n; i++) this.linear[i] = this.ring[(this.pos + i) % n]!;
    this.fft.power(this.linear, this.power, this.window);
  }
}

/** 0 below lo, 1 above hi, linear between (hi < lo gives the falling ramp). */
export function ramp(x: number, lo: number, hi: number): number {
  if (hi === lo) return x >= hi ? 1 : 0;
  const t = (x - lo) / (hi - lo);
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

export const dB = (power: number): number => 10 * Math.log10(power + 1e-20);
