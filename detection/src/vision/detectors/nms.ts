/** Greedy non-maximum suppression, per class: keeps the best box of each cluster of overlapping boxes. */
import { iou, type Detection } from '../types.js';

export function nonMaxSuppression(detections: Detection[], iouThreshold: number, maxDetections: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.some((k) => k.classId === d.classId && iou(k.box, d.box) > iouThreshold)) continue;
    kept.push(d);
  }
  return kept;
}
