/**
 * A microphone as an event source: @popart/detection's microphone source (ffmpeg ingest through the audio pipeline,
 * a WAV excerpt as each sound episode's evidence) with the microphone's configuration from the node's.
 */
import { loadMicrophoneConfig, openMicrophoneSource, readMicrophoneConfig, type MicrophoneConfig } from '@popart/detection';
import { ConfigError } from '../../errors.js';
import type { DetectionSourceConfig } from '../../config/detection-config.js';
import type { EventSource, SourceContext } from './event-source.js';

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
  try {
    return await openMicrophoneSource(mic, config.input, { id: config.id, evidenceDir: ctx.evidenceDir, log: ctx.log, ...(ctx.reconnect ? { reconnect: ctx.reconnect } : {}) });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${field}.detectors: ${reason}`, [{ objectIndex: null, objectId: null, property: `${field}.detectors`, message: reason }]);
  }
}
