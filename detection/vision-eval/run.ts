#!/usr/bin/env node
/**
 * `npm run eval:vision [-- --out FILE --json FILE --scenes-dir DIR]`: every detector and input mode on the real images
 * of labels.json and on synthetic crowd scenes of known density; precision and recall per class at IoU 0.5 and the
 * count error per image, as Markdown on stdout (progress on stderr).
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage, writeJpeg, type RgbImage } from '../src/video-ingest/jpeg.js';
import { loadCameraConfig, validateCameraConfig, type CameraConfig } from '../src/vision/config/camera-config.js';
import { createCameraDetector } from '../src/vision/detectors/camera-detector.js';
import { inZone } from '../src/vision/rules/rule.js';
import { boxFoot, type Detection, type ObjectDetector } from '../src/vision/types.js';
import { evalDir, loadLabels, scaleTruth, type LabelledImage } from './labels.js';
import { add, classOfLabel, emptyScore, precision, recall, scoreBoxes, type ClassScore, type EvalClass } from './score.js';
import { densityEval } from './density-eval.js';
import { crowdScene, GROUND_AREA_M2, sceneParts, sceneZone, VIEW } from './synthetic.js';

const HELP = `usage: npm run eval:vision [-- --out FILE] [--json FILE] [--scenes-dir DIR] [--modes a,b] [--density-only]

Runs each detector and input mode (stretched / letterboxed / tiled, and the example camera configuration) on the
real images of detection/vision-eval/labels.json (hand-checked person and vehicle boxes) and on synthetic crowd
scenes of known density built from them, and prints precision / recall per class at IoU 0.5, the count error per
image and the time per image as Markdown. --out also writes it to FILE, --json every image's detections,
--scenes-dir the synthetic scenes as JPEG. Then the crowd density estimate (count, cover, reported) against the truth on
synthetic crowds of several densities and on the real vtest frames (--density-only: that alone). Nothing is downloaded.`;

const T = { overlap: 0.2, fullFrame: true, auto: false, minPersonPx: 40, maxTiles: 6 };
const raw = (detector: unknown): Record<string, unknown> => ({ camera: { id: 'eval' }, source: { width: VIEW.width, height: VIEW.height }, detector });

interface Mode { name: string; what: string; config: (w: number, h: number) => CameraConfig; size?: [number, number] }

const example = (): CameraConfig => loadCameraConfig(join(evalDir(), '../examples/camera.yaml'));
const withSize = (c: Record<string, unknown>, w: number, h: number): CameraConfig => validateCameraConfig({ ...c, source: { width: w, height: h } });

export const MODES: Mode[] = [
  { name: 'nanodet-stretched', what: 'NanoDet-g, frame stretched to 416² (before #17)', config: (w, h) => withSize(raw({ kind: 'nanodet', letterbox: false }), w, h) },
  { name: 'nanodet-letterbox', what: 'NanoDet-g, letterboxed as trained', config: (w, h) => withSize(raw({ kind: 'nanodet' }), w, h) },
  { name: 'nanodet-tiled', what: 'NanoDet-g, letterboxed, 2×2 tiles + whole frame', config: (w, h) => withSize(raw({ kind: 'nanodet', tiles: { ...T, grid: [2, 2] } }), w, h) },
  { name: 'ssdlite', what: 'SSDLite person, stretched to 300² as trained', config: (w, h) => withSize(raw({ kind: 'ssdlite-person' }), w, h) },
  { name: 'ssdlite-tiled', what: 'SSDLite person, 2×2 tiles + whole frame', config: (w, h) => withSize(raw({ kind: 'ssdlite-person', tiles: { ...T, grid: [2, 2] } }), w, h) },
  {
    name: 'example-before', what: 'the example camera before #17: frame scaled to 640×360, NanoDet stretched (all classes)', size: [640, 360],
    config: () => {
      const c = example();
      const nanodet = validateCameraConfig(raw({ kind: 'nanodet', letterbox: false, scoreThreshold: 0.35 })).detector;
      return { ...c, detectors: [nanodet], detector: nanodet };
    },
  },
  { name: 'example-config', what: 'detection/examples/camera.yaml: frame scaled to 640×360, SSDLite on auto tiles + NanoDet', config: () => example(), size: [640, 360] },
];

interface ImageResult { image: string; mode: string; scores: Record<EvalClass, ClassScore>; ms: number; detections: Detection[] }

async function detectTimed(detector: ObjectDetector, image: RgbImage): Promise<{ detections: Detection[]; ms: number }> {
  const t = performance.now();
  const detections = await detector.detect(image);
  return { detections, ms: performance.now() - t };
}

function scoreAll(detections: Detection[], truth: LabelledImage['truth']): Record<EvalClass, ClassScore> {
  const by = (cls: EvalClass): Detection[] => detections.filter((d) => classOfLabel(d.label) === cls);
  return { person: scoreBoxes(by('person'), truth.person), vehicle: scoreBoxes(by('vehicle'), truth.vehicle) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, json: { type: 'string' }, 'scenes-dir': { type: 'string' }, modes: { type: 'string' }, 'density-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const log = (s: string): void => void process.stderr.write(`[eval:vision] ${s}\n`);
  const modes = values['density-only'] ? [] : values.modes ? MODES.filter((m) => values.modes!.split(',').includes(m.name)) : MODES;
  const labelled = loadLabels();
  const native = await Promise.all(labelled.map(async (l) => ({ labelled: l, image: await decodeImage(l.path, l.width, l.height) })));
  const { background, sprites } = sceneParts(native);
  const densities = [0.1, 0.25, 0.5, 1, 2, 3, 4];
  const scenes = densities.map((d, i) => crowdScene(background, sprites, Math.round(d * GROUND_AREA_M2), 1000 + i));
  log(`${labelled.length} real images, ${sprites.length} person cut-outs, ${scenes.length} synthetic scenes (${GROUND_AREA_M2} m² zone)`);
  if (values['scenes-dir']) {
    await mkdir(values['scenes-dir'], { recursive: true });
    for (const s of scenes) await writeJpeg(join(values['scenes-dir'], `crowd-${s.densityPerM2.toFixed(2)}.jpg`), s.image);
  }
  const zone = sceneZone();
  const real: ImageResult[] = [];
  const synthetic: { mode: string; density: number; persons: number; counted: number; score: ClassScore; ms: number }[] = [];
  for (const mode of modes) {
    log(`mode ${mode.name}: ${mode.what}`);
    const detectors = new Map<string, ObjectDetector>();
    const detectorFor = async (w: number, h: number): Promise<ObjectDetector> => {
      const key = `${w}x${h}`;
      if (!detectors.has(key)) detectors.set(key, await createCameraDetector(mode.config(w, h), log));
      return detectors.get(key)!;
    };
    try {
      for (const { labelled: l, image } of native) {
        const [w, h] = mode.size ?? [l.width, l.height];
        const frame = mode.size ? await decodeImage(l.path, w, h) : image;
        const detector = await detectorFor(w, h);
        await detector.detect(frame); // warm
        const { detections, ms } = await detectTimed(detector, frame);
        const sx = w / l.width;
        const sy = h / l.height;
        const truth = { person: scaleTruth(l.truth.person, sx, sy), vehicle: scaleTruth(l.truth.vehicle, sx, sy) };
        real.push({ image: l.file, mode: mode.name, scores: scoreAll(detections, truth), ms, detections });
      }
      for (const scene of scenes) {
        const [w, h] = mode.size ?? [VIEW.width, VIEW.height];
        const frame: RgbImage = mode.size ? await resize(scene.image, w, h) : scene.image;
        const detector = await detectorFor(w, h);
        const { detections, ms } = await detectTimed(detector, frame);
        const sx = w / VIEW.width;
        const sy = h / VIEW.height;
        const polygon = zone.polygon.map(([x, y]): [number, number] => [x * sx, y * sy]);
        const persons = detections.filter((d) => d.label === 'person');
        const counted = persons.filter((d) => inZone(boxFoot(d.box), { name: 'z', polygon, sky: false })).length;
        synthetic.push({ mode: mode.name, density: scene.densityPerM2, persons: scene.persons, counted, score: scoreBoxes(persons, scaleTruth(scene.truth, sx, sy)), ms });
      }
    } finally {
      for (const d of detectors.values()) await d.close();
    }
  }
  const density = await densityEval(native, background, sprites, log);
  const md = (modes.length ? markdown(modes, real, synthetic, scenes.map((s) => ({ density: s.densityPerM2, persons: s.persons, hidden: s.truth.difficult.length }))) + '\n' : '') + density.markdown;
  process.stdout.write(md);
  if (values.out) await writeFile(values.out, md);
  if (values.json) await writeFile(values.json, JSON.stringify({ density: density.rows, real: real.map((r) => ({ ...r, detections: r.detections.map((d) => ({ label: d.label, score: +d.score.toFixed(3), box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2].map((v) => +v.toFixed(1)) })) })), synthetic }, null, 1));
  return 0;
}

/** Nearest-neighbour resize (a camera's ffmpeg would scale bilinearly; close enough to place the boxes). */
async function resize(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / width));
      data.set(image.data.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

function markdown(modes: Mode[], real: ImageResult[], synthetic: { mode: string; density: number; persons: number; counted: number; score: ClassScore; ms: number }[], scenes: { density: number; persons: number; hidden: number }[]): string {
  const images = [...new Set(real.map((r) => r.image))];
  const lines: string[] = [];
  lines.push(`Real images (${images.length}: ${images.join(', ')}), IoU 0.5; count error per image = persons detected − persons labelled, in the order above:`, '');
  lines.push('| mode | person P / R | vehicle P / R | person count error per image | mean abs count error | ms per image |', '|---|---|---|---|---|---|');
  for (const m of modes) {
    const rs = real.filter((r) => r.mode === m.name);
    const person = rs.reduce((s, r) => add(s, r.scores.person), emptyScore());
    const vehicle = rs.reduce((s, r) => add(s, r.scores.vehicle), emptyScore());
    const errors = rs.map((r) => r.scores.person.detected - r.scores.person.truth);
    const mae = errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length;
    const ms = rs.map((r) => r.ms).sort((a, b) => a - b)[rs.length >> 1] ?? 0;
    const v = vehicle.detected === 0 && m.name.startsWith('ssdlite') ? '(persons only)' : `${precision(vehicle)} / ${recall(vehicle)}`;
    lines.push(`| ${m.what} | ${precision(person)} / ${recall(person)} (${person.tp} of ${person.tp + person.fn}, ${person.fp} false) | ${v} | ${errors.map((e) => (e > 0 ? `+${e}` : `${e}`)).join(', ')} | ${mae.toFixed(1)} | ${ms.toFixed(0)} |`);
  }
  lines.push('', `Synthetic crowd scenes on the vtest view (${GROUND_AREA_M2} m² ground zone; persons hidden more than half by nearer ones are "difficult"): persons counted in the zone / persons there, and person P / R:`, '');
  lines.push(`| density (persons/m²) | persons (hidden > ½) | ${modes.map((m) => m.name).join(' | ')} |`, `|---|---|${modes.map(() => '---').join('|')}|`);
  for (const s of scenes) {
    const cells = modes.map((m) => {
      const r = synthetic.find((x) => x.mode === m.name && x.density === s.density);
      return r ? `${r.counted} / ${r.persons} (${precision(r.score)} / ${recall(r.score)})` : '–';
    });
    lines.push(`| ${s.density.toFixed(2)} | ${s.persons} (${s.hidden}) | ${cells.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`eval:vision: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
