/**
 * A microphone as an event source: ffmpeg ingest (file or live stream, 16 kHz mono) through the audio pipeline of the
 * microphone's configuration. Each sound episode's evidence is a WAV excerpt of what the node heard, from one second
 * before the sound began (up to 10 s), written when the episode is first reported.
 */
import {
  AudioIngest, AudioPipeline, isLiveUrl, loadMicrophoneConfig, readMicrophoneConfig, SAMPLE_RATE, wavBytes, type DetectionEvent, type Evidence,
  type MicrophoneConfig,
} from '@popart/detection';
import { ConfigError } from '../errors.js';
import type { DetectionSourceConfig } from './detection-config.js';
import type { EventSource, SourceContext } from './event-source.js';
import { PcmRing, safeName, writeEvidence } from './evidence.js';

const EXCERPT_S = 10;
const PRE_ROLL_S = 1;

/** The microphone configuration of a source (its id is the source id); ConfigError naming the field otherwise. */
export async function microphoneSettings(config: DetectionSourceConfig, field: string): Promise<MicrophoneConfig> {
  let mic: MicrophoneConfig;
  try {
    mic = typeof config.config === 'string' ? await loadMicrophoneConfig(config.config) : readMicrophoneConfig(config.config ?? {});
  } catch (err) {
    const issues = (err as { issues?: { path?: string; field?: string; message: string }[] }).issues ?? [];
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${field}: ${reason}`, issues.length
      ? issues.map((i) => ({ objectIndex: null, objectId: null, property: `${field}.${i.path ?? i.field ?? ''}`, message: i.message }))
      : [{ objectIndex: null, objectId: null, property: field, message: reason }]);
  }
  const area = mic.area ?? (config.position ? { shape: 'circle' as const, ...config.position } : undefined);
  return { ...mic, id: config.id, area };
}

export async function openAudioSource(config: DetectionSourceConfig, ctx: SourceContext, field = 'config'): Promise<EventSource> {
  const mic = await microphoneSettings(config, field);
  const counters = { frames: 0, events: 0, dropped: 0, reconnects: 0, evidenceFailures: 0 };
  let ingest: AudioIngest | null = null;
  const live = isLiveUrl(config.input);
  let pipeline: AudioPipeline;
  try {
    pipeline = await AudioPipeline.fromConfig(mic, { live, startTime: new Date() });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${field}.detectors: ${reason}`, [{ objectIndex: null, objectId: null, property: `${field}.detectors`, message: reason }]);
  }
  return {
    live,
    close: () => pipeline.close(),
    stats: () => ({ ...counters, ...(ingest ? { dropped: ingest.stats.dropped, reconnects: ingest.stats.reconnects } : {}) }),
    async *events(signal) {
      const source = new AudioIngest({
        input: config.input,
        signal,
        onReconnect: (i) => ctx.log.warn('audio input reconnecting', { source: config.id, attempt: i.attempt, delayMs: i.delayMs, reason: i.reason }),
      });
      ingest = source;
      const ring = new PcmRing((EXCERPT_S + PRE_ROLL_S) * SAMPLE_RATE);
      const evidenceOf = new Map<string, Evidence[]>();
      let endSample = 0;
      const withEvidence = async (e: DetectionEvent): Promise<void> => {
        let evidence = evidenceOf.get(e.id);
        if (!evidence) {
          const from = Math.max(0, Math.round(((e.mediaTimeS ?? endSample / SAMPLE_RATE) - PRE_ROLL_S) * SAMPLE_RATE));
          const pcm = ring.excerpt(from, EXCERPT_S * SAMPLE_RATE);
          evidence = [];
          if (pcm.length > 0) {
            try {
              evidence = [await writeEvidence(ctx.evidenceDir, `${safeName(e.id)}.wav`, wavBytes(pcm, SAMPLE_RATE), 'audio', 'audio/wav')];
            } catch (err) {
              counters.evidenceFailures++;
              ctx.log.warn('cannot write audio evidence', { event: e.id, reason: (err as Error).message });
            }
          }
          evidenceOf.set(e.id, evidence);
          if (evidenceOf.size > 1000) evidenceOf.delete(evidenceOf.keys().next().value as string);
        }
        if (evidence.length) e.evidence = evidence;
      };
      try {
        for await (const frame of source) {
          if (signal.aborted) return;
          counters.frames++;
          ring.push(frame.startSample, frame.pcm16);
          endSample = frame.startSample + frame.pcm16.length;
          for (const e of await pipeline.push(frame)) {
            await withEvidence(e);
            counters.events++;
            yield { event: e };
          }
        }
        if (signal.aborted) return;
        for (const e of await pipeline.finish()) {
          await withEvidence(e);
          counters.events++;
          yield { event: e };
        }
      } finally {
        source.close();
        await pipeline.close();
      }
    },
  };
}
