/**
 * A microphone as a sensor source: ffmpeg ingest (file or live stream, 16 kHz mono) through the audio pipeline of the
 * microphone's configuration. Each sound episode's evidence is a WAV excerpt of what was heard, from one second
 * before the sound began (up to 10 s), written when the episode is first reported.
 */
import { AudioIngest, isLiveUrl, SAMPLE_RATE } from '../audio/ingest.js';
import type { MicrophoneConfig } from '../audio/config.js';
import { AudioPipeline } from '../audio/pipeline.js';
import { wavBytes } from '../audio/wav.js';
import type { DetectionEvent, Evidence } from '../events.js';
import { PcmRing, safeName, writeEvidence } from './evidence.js';
import type { SensorSource, SourceContext } from './sensor-source.js';

const EXCERPT_S = 10;
const PRE_ROLL_S = 1;

/** Opens the microphone's detectors (an error when they cannot start); the source then reads `input` through them. */
export async function openMicrophoneSource(mic: MicrophoneConfig, input: string, ctx: SourceContext): Promise<SensorSource> {
  const counters = { frames: 0, events: 0, dropped: 0, reconnects: 0, evidenceFailures: 0 };
  let ingest: AudioIngest | null = null;
  const live = isLiveUrl(input);
  const pipeline = await AudioPipeline.fromConfig(mic, { live, startTime: new Date() });
  return {
    live,
    close: () => pipeline.close(),
    stats: () => ({ ...counters, ...(ingest ? { dropped: ingest.stats.dropped, reconnects: ingest.stats.reconnects } : {}) }),
    async *events(signal) {
      const source = new AudioIngest({
        input,
        signal,
        ...(ctx.reconnect ? { reconnect: ctx.reconnect } : {}),
        onReconnect: (i) => ctx.log.warn('audio input reconnecting', { source: ctx.id, attempt: i.attempt, delayMs: i.delayMs, reason: i.reason }),
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
