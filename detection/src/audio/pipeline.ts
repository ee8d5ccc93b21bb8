/**
 * The audio pipeline: frames in, DetectionEvents out. It feeds every frame to each detector in order
 * (voice first), shares the spectrum between them, and turns findings into events with the
 * microphone's id and area. Detectors are built from the plugin registry, or given directly (tests).
 */
import type { AlertCategory } from '@popart/schemas';
import type { DetectionEvent } from '../events.js';
import { AnalysedFrame, SpeechTimeline, SpectrumTap, type AudioDetector, type AudioDetectorContext, type AudioFinding } from './detector.js';
import type { MicrophoneConfig } from './config.js';
import { SAMPLE_RATE, type AudioFrame } from './ingest.js';
import { audioPlugin } from './registry.js';

export interface AudioPipelineOptions {
  /** Sensor id put in events. */
  source: string;
  area?: MicrophoneConfig['area'];
  /** Wall-clock time of media time 0 (default: when the pipeline was made). */
  startTime?: Date;
  /** Live sources stamp `observedAt` with the wall clock instead of start time + media time. */
  live?: boolean;
}

export interface AudioPipelineStats {
  frames: number;
  events: number;
  byCategory: Partial<Record<AlertCategory | 'siren' | 'voice', number>>;
}

export class AudioPipeline {
  readonly stats: AudioPipelineStats = { frames: 0, events: 0, byCategory: {} };
  private readonly tap = new SpectrumTap(SAMPLE_RATE);
  private readonly startMs: number;
  private lastFrameEndS = 0;

  constructor(
    readonly detectors: AudioDetector[],
    private readonly opts: AudioPipelineOptions,
  ) {
    this.startMs = (opts.startTime ?? new Date()).getTime();
  }

  /** Builds the detectors a microphone config lists (loading models) and the pipeline around them. */
  static async fromConfig(config: MicrophoneConfig, opts: Omit<AudioPipelineOptions, 'source' | 'area'> & { speech?: SpeechTimeline } = {}): Promise<AudioPipeline> {
    const ctx: AudioDetectorContext = { sampleRate: SAMPLE_RATE, speech: opts.speech ?? new SpeechTimeline() };
    const detectors: AudioDetector[] = [];
    try {
      for (const entry of config.detectors) {
        const plugin = audioPlugin(entry.type);
        if (!plugin) throw new Error(`no audio detector "${entry.type}"`);
        detectors.push(await plugin.create(entry.config, ctx));
      }
    } catch (err) {
      await Promise.all(detectors.map((d) => d.close?.()));
      throw err;
    }
    const { speech: _speech, ...rest } = opts;
    return new AudioPipeline(detectors, { ...rest, source: config.id, ...(config.area ? { area: config.area } : {}) });
  }

  /** Runs one frame through every detector; returns the events it produced. */
  async push(frame: AudioFrame): Promise<DetectionEvent[]> {
    this.stats.frames++;
    this.tap.push(frame.samples);
    this.lastFrameEndS = frame.mediaTimeS + frame.samples.length / SAMPLE_RATE;
    const analysed = new AnalysedFrame(frame, this.tap);
    const events: DetectionEvent[] = [];
    for (const d of this.detectors) {
      const r = d.process(analysed);
      const findings = r instanceof Promise ? await r : r;
      for (const f of findings) events.push(this.toEvent(d, f));
    }
    return events;
  }

  /** End of input: what the detectors still hold. */
  async finish(): Promise<DetectionEvent[]> {
    const events: DetectionEvent[] = [];
    for (const d of this.detectors) {
      const r = d.flush();
      const findings = r instanceof Promise ? await r : r;
      for (const f of findings) events.push(this.toEvent(d, f));
    }
    return events;
  }

  async close(): Promise<void> {
    await Promise.all(this.detectors.map((d) => d.close?.()));
  }

  private toEvent(detector: AudioDetector, f: AudioFinding): DetectionEvent {
    const observedMs = this.opts.live ? Date.now() : this.startMs + this.lastFrameEndS * 1000;
    const startedMs = this.opts.live ? observedMs - (this.lastFrameEndS - f.startS) * 1000 : this.startMs + f.startS * 1000;
    this.stats.events++;
    const label = typeof f.measurements.sound === 'string' && f.category === 'other' ? (f.measurements.sound as 'siren' | 'voice') : f.category;
    this.stats.byCategory[label] = (this.stats.byCategory[label] ?? 0) + 1;
    const event: DetectionEvent = {
      id: `${this.opts.source}/${detector.type}/${f.key}`,
      source: this.opts.source,
      sensorKind: 'microphone',
      category: f.category,
      severity: f.severity,
      confidence: f.confidence,
      startedAt: new Date(startedMs).toISOString(),
      observedAt: new Date(observedMs).toISOString(),
      summary: f.summary,
      measurements: { detector: detector.type, ...f.measurements },
      mediaTimeS: Number(f.startS.toFixed(3)),
    };
    if (this.opts.area) event.area = this.opts.area;
    return event;
  }
}

export interface RunAudioOptions {
  onEvent: (event: DetectionEvent) => void;
  /** Called after each frame with the media time reached. */
  onProgress?: (mediaTimeS: number) => void;
  signal?: AbortSignal;
}

/** Feeds every frame of a source through the pipeline until the source ends (or the signal aborts). */
export async function runAudio(source: AsyncIterable<AudioFrame> | Iterable<AudioFrame>, pipeline: AudioPipeline, opts: RunAudioOptions): Promise<void> {
  for await (const frame of source) {
    for (const e of await pipeline.push(frame)) opts.onEvent(e);
    opts.onProgress?.(frame.mediaTimeS + frame.samples.length / SAMPLE_RATE);
    if (opts.signal?.aborted) break;
  }
  for (const e of await pipeline.finish()) opts.onEvent(e);
}
