/**
 * A camera as an event source: ffmpeg ingest (file, image sequence or live stream) through the vision pipeline of the
 * camera's configuration (detector plugin, tracker, zones, rules, merged events). The pipeline writes each new event's
 * JPEG snapshot under <dataDir>/evidence/<source id>/; later versions of the event carry it.
 */
import { isAbsolute, resolve } from 'node:path';
import {
  createDetector, detectSourceKind, loadCameraConfig, validateCameraConfig, VideoSource, VisionPipeline, type CameraConfig,
} from '@popart/detection';
import { ConfigError } from '../errors.js';
import type { DetectionSourceConfig } from './detection-config.js';
import type { EventSource, SourceContext } from './event-source.js';

/** The camera configuration of a source (its id is the source id, evidence under the node); ConfigError otherwise. */
export function cameraSettings(config: DetectionSourceConfig, field: string, evidenceRoot: string): CameraConfig {
  let camera: CameraConfig;
  try {
    camera = typeof config.config === 'string' ? loadCameraConfig(config.config) : validateCameraConfig(config.config ?? {}, { baseDir: process.cwd() });
  } catch (err) {
    const issues = (err as { issues?: { path: string; message: string }[] }).issues ?? [];
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${field}: ${reason}`, issues.length
      ? issues.map((i) => ({ objectIndex: null, objectId: null, property: `${field}.${i.path}`, message: i.message }))
      : [{ objectIndex: null, objectId: null, property: field, message: reason }]);
  }
  return {
    ...camera,
    camera: { ...camera.camera, id: config.id },
    evidence: { ...camera.evidence, dir: isAbsolute(evidenceRoot) ? evidenceRoot : resolve(evidenceRoot) },
  };
}

export async function openVideoSource(config: DetectionSourceConfig, ctx: SourceContext & { evidenceRoot: string }, field = 'config'): Promise<EventSource> {
  const camera = cameraSettings(config, field, ctx.evidenceRoot);
  const counters = { frames: 0, events: 0, dropped: 0, reconnects: 0 };
  let video: VideoSource | null = null;
  const live = (camera.source.kind ?? detectSourceKind(config.input)) === 'live';
  let detector;
  try {
    detector = await createDetector(camera.detector);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${field}.detector: ${reason}`, [{ objectIndex: null, objectId: null, property: `${field}.detector`, message: reason }]);
  }
  const model = detector;
  return {
    live,
    close: () => model.close(),
    stats: () => ({ ...counters, ...(video ? { dropped: video.stats.framesDropped, reconnects: video.stats.reconnects } : {}) }),
    async *events(signal) {
      const s = camera.source;
      const log = (message: string): void => ctx.log.info(message, { source: config.id });
      const source = new VideoSource({
        input: config.input, fps: s.fps, width: s.width, height: s.height, queueFrames: s.queueFrames, reconnect: s.reconnect,
        stallTimeoutMs: s.stallTimeoutMs, rtspTransport: s.rtspTransport, rtspListen: s.rtspListen, ...(s.kind ? { kind: s.kind } : {}), log,
        // ffmpeg scales to the model's input too (no resize in JavaScript); the camera-sized frame stays yuv420p
        ...(model.input ? { scaled: model.input, pixelFormat: 'yuv420p' as const } : {}),
      });
      video = source;
      const pipeline = new VisionPipeline({ config: camera, detector: model, log });
      const onAbort = (): void => { void source.close(); };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const frame of source) {
          if (signal.aborted) return;
          counters.frames++;
          for (const o of await pipeline.processFrame(frame)) {
            if (o.type !== 'event') continue;
            counters.events++;
            yield { event: o.event, ended: o.status === 'end' };
          }
        }
        if (signal.aborted) return;
        for (const o of pipeline.finish()) {
          if (o.type !== 'event') continue;
          counters.events++;
          yield { event: o.event, ended: o.status === 'end' };
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        await source.close();
        await model.close();
      }
    },
  };
}
