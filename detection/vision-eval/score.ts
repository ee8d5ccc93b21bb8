/**
 * Box-level scoring at IoU 0.5, per class: detections of an image, best score first, each matched to the unmatched
 * labelled box of its class it overlaps most if that IoU is ≥ 0.5 (true positive); a detection on a `difficult` box
 * (a person mostly hidden) is neither a hit nor a false alarm; any other detection is a false positive, and labelled
 * boxes left unmatched are misses. Count error: detections of the class minus labelled boxes (difficult included).
 */
import { iou, type Box, type Detection } from '../src/vision/types.js';

/** The classes labelled, and the detector labels that count as each. */
export const EVAL_CLASSES = { person: ['person'], vehicle: ['car', 'truck', 'bus', 'motorcycle'] } as const;
export type EvalClass = keyof typeof EVAL_CLASSES;

export interface LabelledBoxes {
  boxes: Box[];
  difficult: Box[];
}

export interface ClassScore { tp: number; fp: number; fn: number; truth: number; detected: number }

export const emptyScore = (): ClassScore => ({ tp: 0, fp: 0, fn: 0, truth: 0, detected: 0 });

export function classOfLabel(label: string): EvalClass | undefined {
  for (const [cls, labels] of Object.entries(EVAL_CLASSES)) if ((labels as readonly string[]).includes(label)) return cls as EvalClass;
  return undefined;
}

export function scoreBoxes(detections: readonly Detection[], truth: LabelledBoxes, threshold = 0.5): ClassScore {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const used = new Array<boolean>(truth.boxes.length).fill(false);
  const s = emptyScore();
  s.truth = truth.boxes.length + truth.difficult.length;
  s.detected = detections.length;
  for (const d of sorted) {
    let best = -1;
    let bestIou = threshold;
    truth.boxes.forEach((b, i) => {
      const o = iou(d.box, b);
      if (!used[i] && o >= bestIou) {
        best = i;
        bestIou = o;
      }
    });
    if (best >= 0) {
      used[best] = true;
      s.tp++;
    } else if (!truth.difficult.some((b) => iou(d.box, b) >= threshold)) {
      s.fp++;
    }
  }
  s.fn = used.filter((u) => !u).length;
  return s;
}

export function add(a: ClassScore, b: ClassScore): ClassScore {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, truth: a.truth + b.truth, detected: a.detected + b.detected };
}

const pct = (n: number, d: number): string => (d === 0 ? '–' : `${Math.round((100 * n) / d)} %`);
export const precision = (s: ClassScore): string => pct(s.tp, s.tp + s.fp);
export const recall = (s: ClassScore): string => pct(s.tp, s.tp + s.fn);
