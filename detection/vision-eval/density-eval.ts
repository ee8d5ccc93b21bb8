/**
 * The crowd density estimate measured: on synthetic crowds at several densities (the vtest persons on a ground rectangle
 * wider than the zone, so the crowd does not stop at the zone's edge) and on the real vtest frames, the density counted
 * by the example camera's detectors, the density from the crowd's cover of the zone, and the one the crowdDensity rule
 * reports, against the persons whose feet are in the zone. Also the person model's constants measured on the real
 * frames (cover-model.ts `PERSON`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RgbImage } from '../src/video-ingest/jpeg.js';
import { rgbToYuv } from '../src/video-ingest/pixels.js';
import { cameraGeometry, validateCameraConfig } from '../src/vision/config/camera-config.js';
import { PERSON } from '../src/vision/density/cover-model.js';
import { OCCUPANCY_DEFAULTS, OccupancyEstimator, yuvDifference } from '../src/vision/density/occupancy-estimator.js';
import { createCameraDetector } from '../src/vision/detectors/camera-detector.js';
import { pointInPolygon, type Point } from '../src/vision/geometry/polygon.js';
import { combinedDensity } from '../src/vision/rules/crowd-density-rule.js';
import { boxFoot, type Box } from '../src/vision/types.js';
import { evalDir, type LabelledImage } from './labels.js';
import { crowdScene, sceneZone, VIEW, type GroundRect, type Sprite } from './synthetic.js';

/** The synthetic crowds stand on this rectangle (m), 3.5 m wider than the zone each side and from 6.5 m ahead. */
export const WIDE_GROUND: GroundRect = { x0: -9, x1: 9, z0: 6.5, z1: 22 };
export const DENSITIES = [0.1, 0.25, 0.5, 1, 2, 3, 4];

const differs = (a: [number, number, number], b: [number, number, number], t: number): boolean => yuvDifference(a, 0, b, 0) > t;
const yuvAt = (d: Uint8Array, o: number): [number, number, number] => rgbToYuv([d[o]!, d[o + 1]!, d[o + 2]!]);

/**
 * The person model on labelled frames against their background: mean box width / height (`aspect`), mean share of a
 * box's pixels that differ from the background (`fill`), and the share of those pixels that also differ from the
 * zone's ground at other places (`solid`), with the estimator's difference test.
 */
export function measurePersonModel(frames: readonly { image: RgbImage; persons: Box[] }[], background: Uint8Array, zone: readonly Point[], threshold = OCCUPANCY_DEFAULTS.diffThreshold): { aspect: number; fill: number; solid: number; persons: number } {
  const { width, height } = frames[0]!.image;
  const ground: [number, number, number][] = [];
  for (let y = 0; y < height; y += 3) for (let x = 0; x < width; x += 3) if (pointInPolygon([x, y], zone)) ground.push(yuvAt(background, (y * width + x) * 3));
  let aspect = 0;
  let fill = 0;
  let persons = 0;
  let moved = 0;
  let movedDiffer = 0;
  let k = 0;
  for (const { image, persons: boxes } of frames) {
    for (const b of boxes) {
      let n = 0;
      let fg = 0;
      for (let y = Math.ceil(b.y1); y < b.y2; y++) {
        for (let x = Math.ceil(b.x1); x < b.x2; x++) {
          const o = (y * width + x) * 3;
          const p = yuvAt(image.data, o);
          n++;
          if (!differs(p, yuvAt(background, o), threshold)) continue;
          fg++;
          // The same pixel over the zone's ground elsewhere (a fixed walk through the ground samples).
          k = (k + 7919) % ground.length;
          moved++;
          if (differs(p, ground[k]!, threshold)) movedDiffer++;
        }
      }
      aspect += (b.x2 - b.x1) / (b.y2 - b.y1);
      fill += fg / n;
      persons++;
    }
  }
  return { aspect: aspect / persons, fill: fill / persons, solid: movedDiffer / moved, persons };
}

export interface DensityRow { image: string; truth: number; counted: number; cover: number; fromCover: number; reported: number; method: 'count' | 'cover' }

export async function densityEval(native: readonly { labelled: LabelledImage; image: RgbImage }[], background: Uint8Array, sprites: readonly Sprite[], log: (s: string) => void): Promise<{ rows: DensityRow[]; markdown: string }> {
  const zone = sceneZone();
  const areaM2 = (zone.groundMetres[1]![0] - zone.groundMetres[0]![0]) * (zone.groundMetres[2]![1] - zone.groundMetres[0]![1]);
  const exampleRaw = parse(readFileSync(join(evalDir(), '../examples/camera.yaml'), 'utf8')) as { detector: unknown };
  const config = validateCameraConfig({
    camera: { id: 'eval-density' }, source: { width: VIEW.width, height: VIEW.height }, detector: exampleRaw.detector,
    calibration: { homography: { image: zone.polygon, groundMetres: zone.groundMetres } }, zones: [{ name: 'ground', polygon: zone.polygon }],
    rules: { crowdDensity: { zones: ['ground'] } },
  });
  const occupancy = config.rules.crowdDensity!.occupancy;
  const detector = await createCameraDetector(config, log);
  const estimator = new OccupancyEstimator(occupancy || OCCUPANCY_DEFAULTS, cameraGeometry(config), zone.polygon);
  estimator.setBackground({ data: background, width: VIEW.width, height: VIEW.height });
  const inZone = (b: Box): boolean => pointInPolygon(boxFoot(b), zone.polygon);
  const rows: DensityRow[] = [];
  const measure = async (name: string, image: RgbImage, truthPersons: number): Promise<void> => {
    const persons = (await detector.detect(image)).filter((d) => d.label === 'person' && inZone(d.box)).length;
    const counted = persons / areaM2;
    const cover = estimator.measure(image, 0);
    const { density, fromCover } = combinedDensity(counted, cover.density, occupancy);
    rows.push({ image: name, truth: truthPersons / areaM2, counted, cover: cover.covered, fromCover: cover.density, reported: density, method: fromCover ? 'cover' : 'count' });
  };
  try {
    for (const [i, d] of DENSITIES.entries()) {
      const scene = crowdScene(background, sprites, Math.round(d * (WIDE_GROUND.x1 - WIDE_GROUND.x0) * (WIDE_GROUND.z1 - WIDE_GROUND.z0)), 2000 + i, WIDE_GROUND);
      await measure(`synthetic ${d.toFixed(2)} /m²`, scene.image, [...scene.truth.boxes, ...scene.truth.difficult].filter(inZone).length);
      log(`density: synthetic ${d} /m² done`);
    }
    for (const { labelled: l, image } of native.filter((f) => f.labelled.file.startsWith('vtest-'))) {
      await measure(l.file, image, [...l.truth.person.boxes, ...l.truth.person.difficult].filter(inZone).length);
    }
  } finally {
    await detector.close();
  }
  const vtest = native.filter((f) => f.labelled.file.startsWith('vtest-'));
  const model = measurePersonModel(vtest.map((f) => ({ image: f.image, persons: f.labelled.truth.person.boxes })), background, zone.polygon);
  return { rows, markdown: markdown(rows, areaM2, model) };
}

function markdown(rows: DensityRow[], areaM2: number, model: ReturnType<typeof measurePersonModel>): string {
  const f2 = (v: number): string => v.toFixed(2);
  const lines = [
    `Crowd density on the vtest view's ${areaM2} m² ground zone (persons/m²): the truth (feet in the zone), counted by the example camera's detectors, from the crowd's cover of the zone, and what crowdDensity reports (cover when it says more than the count and more than ${OCCUPANCY_DEFAULTS.countBelowPerM2} /m²); synthetic crowds stand on a ${WIDE_GROUND.x1 - WIDE_GROUND.x0} × ${WIDE_GROUND.z1 - WIDE_GROUND.z0} m rectangle around the zone:`,
    '',
    '| image | truth | counted | cover of the zone | from the cover | reported (method) | error of the reported density |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.image} | ${f2(r.truth)} | ${f2(r.counted)} | ${Math.round(r.cover * 100)} % | ${f2(r.fromCover)} | ${f2(r.reported)} (${r.method}) | ${r.reported >= r.truth ? '+' : ''}${f2(r.reported - r.truth)} (${r.truth > 0 ? `${r.reported >= r.truth ? '+' : ''}${Math.round(((r.reported - r.truth) / r.truth) * 100)} %` : '–'}) |`),
    '',
    `Person model measured on the ${model.persons} labelled pedestrians of the vtest frames against their median: box width / height ${model.aspect.toFixed(3)}, share of the box differing from the background ${model.fill.toFixed(3)}, share of those pixels differing from the zone's ground elsewhere ${model.solid.toFixed(3)} (cover-model.ts uses ${PERSON.aspect}, ${PERSON.fill}, ${PERSON.solid}).`,
    '',
  ];
  return lines.join('\n');
}
