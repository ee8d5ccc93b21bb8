/**
 * A camera as a sensor source: ffmpeg ingest (file, image sequence or live stream) through the vision pipeline of the
 * camera's configuration (detector plugin, tracker, zones, rules, merged events). The pipeline writes each new event's
 * JPEG snapshot under the configuration's `evidence.dir`; later versions of the event carry it.
 */
import { VideoSource } from '../video-ingest/video-source.js';
import { detectSourceKind } from '../video-ingest/source-kind.js';
import type { CameraConfig } from '../vision/config/camera-config.js';
import { createCameraDetector } from '../vision/detectors/camera-detector.js';
import { unreachableDensityThresholds, unreachableThresholdsWarning } from '../vision/density/cover-ceiling.js';
import { VisionPipeline } from '../vision/pipeline.js';
import type { ObjectDetector } from '../vision/types.js';
import type { SensorSource, SourceContext } from './sensor-source.js';

/**
 * The video ingest of a camera: its `source` settings on `input`; with the detector's `input`, ffmpeg also scales each
 * frame to it (the detector only normalises it) and the camera-sized frame (zones, snapshots) stays yuv420p.
 */
export function cameraVideo(camera: CameraConfig, input: string, detector: Pick<ObjectDetector, 'input'>, log?: (message: string) => void): VideoSource {
  const s = camera.source;
  return new VideoSource({
    input, fps: s.fps, width: s.width, height: s.height, queueFrames: s.queueFrames, reconnect: s.reconnect,
    stallTimeoutMs: s.stallTimeoutMs, rtspTransport: s.rtspTransport, rtspListen: s.rtspListen, ...(s.kind ? { kind: s.kind } : {}), ...(log ? { log } : {}),
    ...(detector.input ? { scaled: detector.input, pixelFormat: 'yuv420p' as const } : {}),
  });
}

/** Opens the camera's detector (a DetectorError when it cannot); the source then reads `input` through the pipeline. */
export async function openCameraSource(
  configured: CameraConfig, input: string, ctx: Pick<SourceContext, 'log' | 'reconnect'>,
): Promise<SensorSource> {
  const camera = ctx.reconnect ? { ...configured, source: { ...configured.source, reconnect: { ...configured.source.reconnect, ...ctx.reconnect } } } : configured;
  const counters = { frames: 0, events: 0, dropped: 0, reconnects: 0 };
  let video: VideoSource | null = null;
  const live = (camera.source.kind ?? detectSourceKind(input)) === 'live';
  const model = await createCameraDetector(camera, (message) => ctx.log.info(message, { source: camera.camera.id }));
  for (const u of unreachableDensityThresholds(camera)) ctx.log.warn(unreachableThresholdsWarning(u), { source: camera.camera.id });
  return {
    live,
    close: () => model.close(),
    stats: () => ({ ...counters, ...(video ? { dropped: video.stats.framesDropped, reconnects: video.stats.reconnects } : {}) }),
    async *events(signal) {
      const log = (message: string): void => ctx.log.info(message, { source: camera.camera.id });
      const source = cameraVideo(camera, input, model, log);
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
