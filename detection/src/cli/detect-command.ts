/**
 * `popart detect <file|url> --config camera.yaml`: runs the camera's vision pipeline on a video file, an image sequence
 * or a live stream. Tracked objects and events go to stdout as JSON lines; a progress bar (files) and logs go to stderr.
 */
import { parseCommandLine, ProgressBar } from './command-line.js';
import { resolve } from 'node:path';
import { IngestError } from '../video-ingest/ingest-error.js';
import { cameraVideo } from '../sources/camera-source.js';
import { CameraConfigError } from '../vision/config/config-error.js';
import { loadCameraConfig } from '../vision/config/camera-config.js';
import { DetectorError } from '../vision/detectors/detector-error.js';
import { createCameraDetector } from '../vision/detectors/camera-detector.js';
import { unreachableDensityThresholds, unreachableThresholdsWarning } from '../vision/density/cover-ceiling.js';
import { DETECTOR_PLUGINS } from '../vision/detectors/registry.js';
import { VisionPipeline, type PipelineOutput } from '../vision/pipeline.js';
import { RULES } from '../vision/rules/registry.js';

const HELP = `usage: popart detect <file|pattern|url> --config <camera.yaml> [options]

Runs object detection, tracking, zones and rules on a video file, an image sequence (frames/%04d.png,
"frames/*.jpg") or a live stream (rtsp://, http://, udp://…), and prints JSON lines on stdout:
  {"type":"tracks", "frame", "mediaTimeS", "objects":[{"id","label","score","box",…}]}   (each frame with objects)
  {"type":"event", "status":"new"|"update"|"end", "event":{DetectionEvent}}            (one id per track and rule)
Progress (files) and logs go to stderr. The input may be omitted when the config has source.input.

options:
  --config, -c FILE     camera configuration (YAML; see detection/examples/camera.yaml)
  --fps N               frames per second to analyse (overrides source.fps)
  --evidence-dir DIR    where evidence snapshots are written (overrides evidence.dir)
  --no-evidence         do not write snapshots
  --events-only         print events only, not tracked objects
  --max-reconnects N    live sources: give up after N failed reconnections (overrides source.reconnect.maxAttempts)
  --quiet, -q           no progress bar and no logs
  --help, -h            this help

detectors (detector.kind): ${Object.values(DETECTOR_PLUGINS).map((p) => `${p.kind} (${p.summary})`).join('; ')}
  detector is one mapping or a list of them (combined: e.g. persons from ssdlite-person, the rest from nanodet);
  each may run on overlapping tiles merged across tiles: tiles: { grid: [columns, rows], overlap: 0.2, fullFrame: true }
  or tiles: { auto: true, minPersonPx: 40, maxTiles: 6 } (grid from the calibration's predicted person size)
rules: ${Object.entries(RULES).map(([name, r]) => `${name} (${r.summary})`).join('; ')}

exit status: 0 done, 1 input or model failure, 2 bad usage or configuration`;


export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine('detect', argv, {
    config: { type: 'string', short: 'c' },
    fps: { type: 'string' },
    'evidence-dir': { type: 'string' },
    'no-evidence': { type: 'boolean' },
    'events-only': { type: 'boolean' },
    'max-reconnects': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  }, HELP);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const usage = (message: string): number => {
    process.stderr.write(`popart detect: ${message}\n(popart detect --help for usage)\n`);
    return 2;
  };
  if (!values.config) return usage('--config <camera.yaml> is required');
  if (positionals.length > 1) return usage(`one input expected, got ${positionals.length}: ${positionals.join(' ')}`);
  const number = (name: string, raw: string | undefined, min: number): number | undefined | null => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isFinite(n) && n >= min ? n : null;
  };
  const fps = number('fps', values.fps, 0.01);
  if (fps === null) return usage(`--fps must be a positive number, got "${values.fps}"`);
  const maxReconnects = number('max-reconnects', values['max-reconnects'], 0);
  if (maxReconnects === null || (maxReconnects !== undefined && !Number.isInteger(maxReconnects))) {
    return usage(`--max-reconnects must be a whole number ≥ 0, got "${values['max-reconnects']}"`);
  }
  const quiet = values.quiet ?? false;
  const log = quiet ? undefined : (message: string): void => { process.stderr.write(`popart detect: ${message}\n`); };

  let config;
  try {
    config = loadCameraConfig(values.config);
  } catch (e) {
    if (e instanceof CameraConfigError) {
      process.stderr.write(`popart detect: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const input = positionals[0] ?? config.source.input;
  if (!input) return usage('no input: give a file, pattern or URL, or set source.input in the config');
  if (fps !== undefined) config.source.fps = fps;
  if (maxReconnects !== undefined) config.source.reconnect.maxAttempts = maxReconnects;
  if (values['evidence-dir']) config.evidence.dir = resolve(values['evidence-dir']);
  if (values['no-evidence']) config.evidence.enabled = false;

  let detector;
  try {
    detector = await createCameraDetector(config, log);
  } catch (e) {
    if (e instanceof DetectorError) {
      process.stderr.write(`popart detect: detector: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  log?.(`${config.camera.id}: ${detector.name}, ${config.zones.length} zone(s), rules: ${Object.keys(config.rules).join(', ') || 'none'}`);
  if (log) for (const u of unreachableDensityThresholds(config)) log(`warning: ${unreachableThresholdsWarning(u)}`);
  // ffmpeg also scales each frame to the model's input, so the detector only normalises it (see cameraVideo).
  const source = cameraVideo(config, input, detector, log);
  const pipeline = new VisionPipeline({ config, detector, ...(log ? { log } : {}) });
  const progress = new ProgressBar(!quiet && source.kind !== 'live');
  const showProgress = (done: number, total: number | undefined, fps: number, force = false): void => {
    const detail = `${done}${total ? `/${total}` : ''} frames  ${fps.toFixed(1)} fps`;
    progress.update(total ? done / total : undefined, detail, force);
  };
  const eventsOnly = values['events-only'] ?? false;
  const started = performance.now();
  let events = 0;
  const print = (o: PipelineOutput): void => {
    if (o.type === 'tracks' && eventsOnly) return;
    if (o.type === 'event') events++;
    process.stdout.write(JSON.stringify(o) + '\n');
  };
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log?.('stopping');
    void source.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let exitCode = 0;
  try {
    for await (const frame of source) {
      for (const o of await pipeline.processFrame(frame)) print(o);
      const elapsed = (performance.now() - started) / 1000;
      const total = source.stats.durationS !== undefined ? Math.max(1, Math.round(source.stats.durationS * config.source.fps)) : undefined;
      showProgress(pipeline.stats.frames, total, pipeline.stats.frames / Math.max(elapsed, 1e-3));
    }
  } catch (e) {
    if (e instanceof IngestError || e instanceof DetectorError) {
      progress.done();
      process.stderr.write(`popart detect: ${e.message}\n`);
      exitCode = 1;
    } else {
      throw e;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await source.close();
    for (const o of pipeline.finish()) print(o);
    await detector.close();
  }
  const elapsed = (performance.now() - started) / 1000;
  if (exitCode === 0) {
    const total = source.stats.durationS !== undefined ? Math.max(pipeline.stats.frames, Math.round(source.stats.durationS * config.source.fps)) : undefined;
    showProgress(pipeline.stats.frames, total && Math.min(total, pipeline.stats.frames), pipeline.stats.frames / Math.max(elapsed, 1e-3), true);
    progress.done();
  }
  log?.(`${pipeline.stats.frames} frames in ${elapsed.toFixed(1)} s (${(pipeline.stats.frames / Math.max(elapsed, 1e-3)).toFixed(1)} fps), ` +
    `${source.stats.framesDropped} dropped, ${source.stats.reconnects} reconnect(s), ${events} event line(s)`);
  return exitCode;
}
