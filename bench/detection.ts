/**
 * bench/detection — the vision pipeline against bare model inference, same models and input in one run.
 *
 * The camera is the default one, detection/examples/camera.yaml (persons from SSDLite on the tiles its calibration
 * asks for, the rest from NanoDet-g letterboxed), at 640×360 and, scaled with its zones and calibration, 1280×720
 * (`--sizes`); `--nanodet` measures NanoDet alone instead (the default before issue #17).
 *
 *  1. bare inference: every model run one frame makes (each tile, the whole frame, each detector: `runBare()`), on
 *     prepared inputs, back to back (frames/s);
 *  2. whole pipeline: a synthetic clip (ffmpeg lavfi: moving boxes on a test pattern) decoded by ffmpeg at the camera's
 *     size and, on a second pipe, scaled to the largest detector input (as `popart detect` and the node run it), tiles
 *     resampled from the frame, inference, merge across tiles, tracking, zones and rules, events (frames/s), with the time
 *     spent in each stage; ratio = pipeline / bare (target ≥ 0.85);
 *  3. peak memory over a long stream: a `--long-minutes` lavfi stream at `--long-fps` through the whole pipeline
 *     (RSS and heap sampled every 250 ms).
 *
 *   node bench/dist/detection.js [--frames 200] [--sizes 640x360,1280x720] [--long-minutes 10] [--long-fps 2] [--threads N] [--nanodet] [--js-resize] [--no-settle] [--rgb-camera]
 *
 * `--js-resize` measures the pipeline as it was before ffmpeg scaled for the detector: camera-sized frames only,
 * resized to the model input in JavaScript. `--rgb-camera` delivers the camera-sized frame in rgb24, as before it
 * stayed in the decoder's yuv420p.
 *
 * Each pipeline round first runs 6 frames untimed: during the bare round before it ffmpeg decodes ahead into the
 * source's queue (4 frames) and its pipes, and a round that started with those ready would measure faster than the
 * steady state. `--no-settle` times them too (how the first two rows of docs/benchmarks.md were measured).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCameraDetector, loadCameraConfig, validateCameraConfig, VideoSource, VisionPipeline, type CameraConfig, type ObjectDetector } from '@popart/detection';
import { benchArgs } from './bench-kit.js';

const { values, number } = benchArgs('Usage: npm run bench:detection -- [--frames N] [--sizes WxH,…] [--long-minutes M] [--long-fps F] [--threads N] [--nanodet] [--js-resize] [--no-settle] [--rgb-camera]\n', {
  frames: { type: 'string', default: '200' },
  sizes: { type: 'string', default: '640x360,1280x720' },
  nanodet: { type: 'boolean', default: false },
  'long-minutes': { type: 'string', default: '10' },
  'long-fps': { type: 'string', default: '2' },
  threads: { type: 'string' },
  'js-resize': { type: 'boolean', default: false },
  'no-settle': { type: 'boolean', default: false },
  'rgb-camera': { type: 'boolean', default: false },
});
const frames = number('frames');
const longMinutes = number('long-minutes');
const longFps = number('long-fps');
const threads = values.threads ? number('threads') : undefined;
const jsResize = values['js-resize'];
const settleFrames = !values['no-settle'];
const yuv = !values['rgb-camera'];
const sizes = values.sizes.split(',').map((s) => s.split('x').map(Number) as [number, number]);
if (!sizes.every(([w, h]) => Number.isInteger(w) && Number.isInteger(h) && w >= 64 && h >= 64)) throw new Error(`--sizes must be WxH,… got ${values.sizes}`);
const FPS = 10;
const say = (s: string): void => { process.stderr.write(`[bench:detection] ${s}\n`); };

// Moving shapes over a test pattern: something for the tracker and rules to chew on.
const LAVFI = (W: number, H: number, seconds: number, fps: number): string =>
  `testsrc2=size=${W}x${H}:rate=${fps}:duration=${seconds}[bg];color=c=red:size=40x24:rate=${fps}[a];color=c=blue:size=30x60:rate=${fps}[b];` +
  `[bg][a]overlay=x='mod(t*60,${W})':y=40:shortest=1[ab];[ab][b]overlay=x='${W}-mod(t*45,${W})':y=220:shortest=1[out0]`;

/** The example camera at W×H: its zones and calibration scaled from its 640×360; `--nanodet`: NanoDet alone. */
function config(W: number, H: number, evidenceDir: string): CameraConfig {
  const example = loadCameraConfig(join(dirname(fileURLToPath(import.meta.url)), '../../detection/examples/camera.yaml'));
  const k = W / example.source.width;
  const scale = (points: [number, number][]): [number, number][] => points.map(([x, y]) => [x * k, (y * H) / example.source.height]);
  const cal = example.calibration;
  const camera = validateCameraConfig({
    camera: { id: 'bench-cam', position: { type: 'Point', coordinates: [-3.68835, 40.45362] } },
    source: { fps: FPS, width: W, height: H },
    detector: { kind: 'nanodet', scoreThreshold: 0.35 },
    calibration: cal?.kind === 'homography' ? { homography: { image: scale(cal.image as [number, number][]), ground: cal.ground } } : undefined,
    zones: example.zones.map((z) => ({ name: z.name, sky: z.sky, polygon: scale(z.polygon as [number, number][]) })),
    rules: {
      drone: { zones: ['sky-north'], minFrames: 3 }, crowdDensity: { zones: ['plaza-gate-7'] }, crowdDispersal: { zones: ['plaza-gate-7'] },
      loitering: { zones: ['gate-7-door'], dwellS: 5 }, vehicleInPedestrianZone: { zones: ['plaza-gate-7'] },
    },
    evidence: { dir: evidenceDir },
  });
  const detectors = (values.nanodet ? camera.detectors : example.detectors).map((d) => (threads ? { ...d, threads } : d));
  return { ...camera, detectors, detector: detectors[0]! };
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const scaledFor = (detector: ObjectDetector): Partial<ConstructorParameters<typeof VideoSource>[0]> =>
  (jsResize || !detector.input ? {} : { scaled: detector.input, pixelFormat: yuv ? 'yuv420p' : 'rgb24' });

/** Bare inference and the whole pipeline at one frame size, interleaved in rounds; lines for the report. */
async function measure(W: number, H: number, dir: string): Promise<{ lines: string[]; cfg: CameraConfig; detector: ObjectDetector }> {
  const cfg = config(W, H, join(dir, 'evidence'));
  const detector = await createCameraDetector(cfg, say);
  const bare = (): Promise<void> => detector.runBare!();
  // 1 and 2, interleaved in rounds (bare, then pipeline) so that load from other processes hits both alike;
  // the figures are the medians of the rounds.
  for (let i = 0; i < 5; i++) await bare();
  const pipeline = new VisionPipeline({ config: cfg, detector });
  const rounds = Math.max(1, Math.round(frames / 20));
  const perRound = Math.ceil(frames / rounds);
  // While a bare round runs, ffmpeg decodes ahead into the source's queue (4 frames) and its pipes: without settling,
  // each pipeline round would start with those frames ready and measure faster than the steady state.
  const settle = settleFrames ? 6 : 0;
  const clip = new VideoSource({ input: LAVFI(W, H, Math.ceil((rounds * (perRound + settle) + 10) / FPS), FPS), inputFormat: 'lavfi', fps: FPS, width: W, height: H, ...scaledFor(detector) });
  const it = clip[Symbol.asyncIterator]();
  for (let i = 0; i < 5; i++) {
    const r = await it.next();
    if (!r.done) await pipeline.processFrame(r.value);
  }
  const bareRates: number[] = [];
  const pipeRates: number[] = [];
  let events = 0;
  let pipeSeconds = 0;
  const timed = { frames: 0, detectMs: 0, trackMs: 0, rulesMs: 0, evidenceMs: 0 };
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    for (let i = 0; i < perRound; i++) await bare();
    bareRates.push(perRound / ((performance.now() - t) / 1000));
    for (let i = 0; i < settle; i++) {
      const r = await it.next();
      if (!r.done) events += (await pipeline.processFrame(r.value)).filter((o) => o.type === 'event').length;
    }
    const before = { ...pipeline.stats };
    t = performance.now();
    for (let i = 0; i < perRound; i++) {
      const r = await it.next();
      if (r.done) break;
      events += (await pipeline.processFrame(r.value)).filter((o) => o.type === 'event').length;
    }
    const seconds = (performance.now() - t) / 1000;
    for (const k of ['frames', 'detectMs', 'trackMs', 'rulesMs', 'evidenceMs'] as const) timed[k] += pipeline.stats[k] - before[k];
    pipeSeconds += seconds;
    pipeRates.push(perRound / seconds);
    say(`${W}x${H} round ${round + 1}/${rounds}: bare ${bareRates.at(-1)!.toFixed(1)}, pipeline ${pipeRates.at(-1)!.toFixed(1)} frames/s`);
  }
  await clip.close();
  const bareFps = median(bareRates);
  const pipeFps = median(pipeRates);
  const ratios = bareRates.map((b, i) => pipeRates[i]! / b);
  const ratio = median(ratios);
  const s = timed;
  const other = pipeSeconds * 1000 - s.detectMs - s.trackMs - s.rulesMs - s.evidenceMs;
  const lines = [
    `${W}x${H}: ${detector.name} (onnxruntime-node CPU, ${threads ?? 'default'} intra-op threads); ` +
      (jsResize ? 'every input resized in JavaScript' : `ffmpeg scales for ${detector.input ? `the ${detector.input.width}x${detector.input.height} input` : 'no detector'}, tiles resized in JavaScript`) +
      (settleFrames ? '; each pipeline round after 6 untimed frames (steady state)' : '; rounds timed from their first frame (--no-settle)'),
    `  bare model inference        ${bareFps.toFixed(2)} frames/s (median of ${rounds} rounds of ${perRound} frames' model runs on prepared inputs)`,
    `  whole pipeline              ${pipeFps.toFixed(2)} frames/s (median of ${rounds} rounds of ${perRound} frames: decode + preprocess + tiles + inference + merge + tracking + rules; ${events} event lines)`,
    `  ratio pipeline / bare       ${ratio.toFixed(3)} (median of per-round ratios; min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})  (target ≥ 0.85: ${ratio >= 0.85 ? 'met' : 'NOT met'})`,
    `  per frame: detect (preprocess + inference + decode + merge) ${(s.detectMs / s.frames).toFixed(1)} ms, tracking ${(s.trackMs / s.frames).toFixed(2)} ms, ` +
      `rules ${(s.rulesMs / s.frames).toFixed(2)} ms, evidence ${(s.evidenceMs / s.frames).toFixed(2)} ms, waiting for frames/other ${(other / s.frames).toFixed(2)} ms`,
  ];
  return { lines, cfg, detector };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'popart-bench-detection-'));
  try {
    const lines: string[] = [];
    let first: { cfg: CameraConfig; detector: ObjectDetector } | undefined;
    for (const [W, H] of sizes) {
      const m = await measure(W, H, dir);
      lines.push(...m.lines);
      if (first) await m.detector.close();
      else first = m;
    }

    // 3. Peak memory over a long stream, at the first size.
    const { cfg, detector } = first!;
    const { width: W, height: H } = cfg.source;
    const longFrames = Math.round(longMinutes * 60 * longFps);
    const longPipeline = new VisionPipeline({ config: { ...cfg, source: { ...cfg.source, fps: longFps } }, detector, evidence: false });
    const long = new VideoSource({ input: LAVFI(W, H, longMinutes * 60, longFps), inputFormat: 'lavfi', fps: longFps, width: W, height: H, ...scaledFor(detector) });
    let peakRss = process.memoryUsage().rss;
    let peakHeap = process.memoryUsage().heapUsed;
    const rssAtStart = peakRss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 250);
    let longCount = 0;
    const longStart = performance.now();
    let rssAtTenth = 0;
    for await (const frame of long) {
      await longPipeline.processFrame(frame);
      longCount++;
      if (longCount === Math.round(longFrames / 10)) rssAtTenth = process.memoryUsage().rss;
      if (longCount % 100 === 0) say(`long stream: ${longCount}/${longFrames} frames`);
    }
    clearInterval(sampler);
    const rssAtEnd = process.memoryUsage().rss;
    longPipeline.finish();
    await detector.close();
    const mb = (b: number): string => (b / 1024 / 1024).toFixed(0);
    lines.push(
      `long stream at ${W}x${H}: ${longMinutes} min at ${longFps} fps = ${longCount} frames in ${((performance.now() - longStart) / 1000).toFixed(0)} s; ` +
        `RSS start ${mb(rssAtStart)} MB, after 10 % ${mb(rssAtTenth)} MB, end ${mb(rssAtEnd)} MB, peak ${mb(peakRss)} MB; peak heap ${mb(peakHeap)} MB; ` +
        `dropped ${long.stats.framesDropped}`,
    );
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:detection failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
