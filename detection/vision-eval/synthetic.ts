/**
 * Synthetic crowd scenes of known density on the real vtest camera view. The empty background is the per-pixel median
 * of the five labelled vtest frames (pedestrians move, the campus does not); the persons are the labelled pedestrians
 * themselves, cut out where their pixels differ from that background. A scene places N of them at random on a ground
 * rectangle, each scaled to the height a person has at its foot row, and draws them far to near, so near persons hide
 * far ones as in a real crowd. Labels: each person's box, `difficult` when less than half of it stays visible.
 *
 * The ground model of the view, from the labelled persons: a pedestrian's height in pixels grows linearly with the row
 * of the feet, h = 0.27 (y + 44) (fitted on the 30 labelled pedestrians), so the horizon is at row −44 and the camera
 * 1.7 m / 0.27 = 6.3 m above the ground; with a 665 px focal length (a 60° lens on 768 px), ground point (X east, Z
 * ahead) in metres is at x = 384 + 665 X / Z, y = −44 + 665 × 6.3 / Z. The scenes' calibration is that projection.
 */
import type { RgbImage } from '../src/video-ingest/jpeg.js';
import type { Box } from '../src/vision/types.js';
import type { LabelledBoxes } from './score.js';
import type { LabelledImage } from './labels.js';
import { mulberry32 } from '../audio-eval/synth.js';
import { medianOf } from '../src/vision/density/occupancy-estimator.js';

export const VIEW = { width: 768, height: 576, horizonY: -44, focalPx: 665, cameraHeightM: 6.3, centreX: 384 } as const;
/** The ground rectangle persons stand on: 11 m wide, from 10 to 22 m ahead (the walkway and the lawn before it). */
export const GROUND = { x0: -5.5, x1: 5.5, z0: 10, z1: 22 } as const;
export interface GroundRect { x0: number; x1: number; z0: number; z1: number }
export const GROUND_AREA_M2 = (GROUND.x1 - GROUND.x0) * (GROUND.z1 - GROUND.z0);

export const toImage = (x: number, z: number): [number, number] => [VIEW.centreX + (VIEW.focalPx * x) / z, VIEW.horizonY + (VIEW.focalPx * VIEW.cameraHeightM) / z];
const personHeightPx = (footY: number): number => (1.7 * (footY - VIEW.horizonY)) / VIEW.cameraHeightM;

/** The scene's ground zone in image pixels, and the calibration that maps it to metres. */
export function sceneZone(): { polygon: [number, number][]; groundMetres: [number, number][] } {
  const corners: [number, number][] = [[GROUND.x0, GROUND.z0], [GROUND.x1, GROUND.z0], [GROUND.x1, GROUND.z1], [GROUND.x0, GROUND.z1]];
  return { polygon: corners.map(([x, z]) => toImage(x, z)), groundMetres: corners };
}

export interface Sprite { width: number; height: number; rgb: Uint8Array; mask: Uint8Array }

/** Per-pixel median of same-sized images. */
export const medianImage = (images: readonly RgbImage[]): Uint8Array => medianOf(images.map((i) => i.data));

/** The labelled persons of the vtest frames, cut out where they differ from the background by more than 40 (sum of channels). */
export function cutSprites(frames: readonly { image: RgbImage; persons: Box[] }[], background: Uint8Array): Sprite[] {
  const sprites: Sprite[] = [];
  for (const { image, persons } of frames) {
    for (const b of persons) {
      const x1 = Math.max(0, Math.round(b.x1));
      const y1 = Math.max(0, Math.round(b.y1));
      const width = Math.min(image.width, Math.round(b.x2)) - x1;
      const height = Math.min(image.height, Math.round(b.y2)) - y1;
      if (width < 8 || height < 30) continue;
      const rgb = new Uint8Array(width * height * 3);
      const mask = new Uint8Array(width * height);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const o = ((y1 + y) * image.width + x1 + x) * 3;
          const d = Math.abs(image.data[o]! - background[o]!) + Math.abs(image.data[o + 1]! - background[o + 1]!) + Math.abs(image.data[o + 2]! - background[o + 2]!);
          const p = y * width + x;
          rgb.set(image.data.subarray(o, o + 3), p * 3);
          mask[p] = d > 40 ? 1 : 0;
        }
      }
      // Persons overlapping another in their frame would bring a piece of it along: keep the cleanly masked ones.
      const share = mask.reduce((s, v) => s + v, 0) / mask.length;
      if (share > 0.25 && share < 0.8) sprites.push({ width, height, rgb, mask });
    }
  }
  return sprites;
}


export interface Scene {
  image: RgbImage;
  truth: LabelledBoxes;
  persons: number;
  densityPerM2: number;
}

/**
 * `persons` people on the ground rectangle (or on `ground`, e.g. a wider one, for a zone inside a larger crowd), drawn
 * far to near over the background.
 */
export function crowdScene(background: Uint8Array, sprites: readonly Sprite[], persons: number, seed: number, ground: GroundRect = GROUND): Scene {
  const random = mulberry32(seed);
  const feet = Array.from({ length: persons }, () => {
    const [x, y] = toImage(ground.x0 + random() * (ground.x1 - ground.x0), ground.z0 + random() * (ground.z1 - ground.z0));
    return { x, y, heightPx: personHeightPx(y), sprite: sprites[Math.floor(random() * sprites.length)]! };
  });
  const drawn = drawPersons({ data: background, width: VIEW.width, height: VIEW.height }, feet);
  return { ...drawn, persons, densityPerM2: persons / ((ground.x1 - ground.x0) * (ground.z1 - ground.z0)) };
}

export interface PlacedPerson { x: number; y: number; heightPx: number; sprite: Sprite }

/**
 * Persons drawn over a background (not changed) with their feet at image points (x, y), far (higher in the picture)
 * before near, so near persons hide far ones. Labels: each person's box, `difficult` when less than half of its drawn
 * pixels stay visible.
 */
export function drawPersons(background: RgbImage, persons: readonly PlacedPerson[]): { image: RgbImage; truth: LabelledBoxes } {
  const { width, height } = background;
  const data = Uint8Array.from(background.data);
  const owner = new Int32Array(width * height).fill(-1);
  const boxes: Box[] = [];
  const area: number[] = [];
  [...persons].sort((a, b) => a.y - b.y).forEach(({ x: fx, y: fy, heightPx: h, sprite }, i) => {
    const s = h / sprite.height;
    const w = sprite.width * s;
    const box = { x1: fx - w / 2, y1: fy - h, x2: fx + w / 2, y2: fy };
    boxes.push(box);
    let drawn = 0;
    for (let y = Math.max(0, Math.ceil(box.y1)); y < Math.min(height, box.y2); y++) {
      const sy = Math.min(sprite.height - 1, Math.floor((y - box.y1) / s));
      for (let px = Math.max(0, Math.ceil(box.x1)); px < Math.min(width, box.x2); px++) {
        const sx = Math.min(sprite.width - 1, Math.floor((px - box.x1) / s));
        const p = sy * sprite.width + sx;
        if (!sprite.mask[p]) continue;
        const o = (y * width + px) * 3;
        data[o] = sprite.rgb[p * 3]!;
        data[o + 1] = sprite.rgb[p * 3 + 1]!;
        data[o + 2] = sprite.rgb[p * 3 + 2]!;
        owner[y * width + px] = i;
        drawn++;
      }
    }
    area.push(drawn);
  });
  const visible = new Array<number>(persons.length).fill(0);
  for (const i of owner) if (i >= 0) visible[i]!++;
  const truth: LabelledBoxes = { boxes: [], difficult: [] };
  boxes.forEach((b, i) => (visible[i]! >= 0.5 * area[i]! && area[i]! > 0 ? truth.boxes : truth.difficult).push(b));
  return { image: { data, width, height }, truth };
}

/** Background and sprites from the labelled vtest frames. */
export function sceneParts(frames: readonly { image: RgbImage; labelled: LabelledImage }[]): { background: Uint8Array; sprites: Sprite[] } {
  const vtest = frames.filter((f) => f.labelled.file.startsWith('vtest-'));
  const background = medianImage(vtest.map((f) => f.image));
  const sprites = cutSprites(vtest.map((f) => ({ image: f.image, persons: f.labelled.truth.person.boxes })), background);
  return { background, sprites };
}
