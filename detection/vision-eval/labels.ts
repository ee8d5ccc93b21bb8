/** The hand-checked labels of the real images (labels.json beside this folder's README), read and scaled. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box } from '../src/vision/types.js';
import type { EvalClass, LabelledBoxes } from './score.js';

export interface LabelledImage {
  file: string;
  /** Absolute path of the image. */
  path: string;
  width: number;
  height: number;
  source: string;
  truth: Record<EvalClass, LabelledBoxes>;
}

interface RawImage { file: string; width: number; height: number; source: string; persons: number[][]; difficult?: number[][]; vehicles?: number[][] }

/** detection/vision-eval/ in the source tree (this module runs from detection/dist/vision-eval/). */
export const evalDir = (): string => join(dirname(fileURLToPath(import.meta.url)), '../../vision-eval');

const box = ([x1, y1, x2, y2]: number[]): Box => ({ x1: x1!, y1: y1!, x2: x2!, y2: y2! });

export function loadLabels(dir = evalDir()): LabelledImage[] {
  const raw = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as { images: RawImage[] };
  return raw.images.map((i) => ({
    file: i.file.split('/').pop()!,
    path: join(dir, i.file),
    width: i.width,
    height: i.height,
    source: i.source,
    truth: {
      person: { boxes: i.persons.map(box), difficult: (i.difficult ?? []).map(box) },
      vehicle: { boxes: (i.vehicles ?? []).map(box), difficult: [] },
    },
  }));
}

/** Boxes scaled from the image's size to another (a camera that stretches the picture to its frame size). */
export function scaleTruth(truth: LabelledBoxes, sx: number, sy: number): LabelledBoxes {
  const s = (b: Box): Box => ({ x1: b.x1 * sx, y1: b.y1 * sy, x2: b.x2 * sx, y2: b.y2 * sy });
  return { boxes: truth.boxes.map(s), difficult: truth.difficult.map(s) };
}
