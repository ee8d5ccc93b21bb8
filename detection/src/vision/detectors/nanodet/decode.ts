/**
 * NanoDet output decoding (generalised focal loss head, "legacy" NanoDet-m): for each stride level, every cell of the
 * (input / stride)² grid has one sigmoid score per class and, per side (left, top, right, bottom), a distribution over
 * `bins` distances 0 … bins-1 in units of the stride. The distance is the expectation of the softmax of that
 * distribution; the box is the cell centre ((col + 0.5) · stride, (row + 0.5) · stride) minus left/top, plus right/bottom.
 */
import type { Box } from '../../types.js';

export interface NanoDetLevel {
  stride: number;
  /** Cells per row (input width / stride). */
  columns: number;
  /** [cells × classes] sigmoid scores. */
  scores: Float32Array;
  /** [cells × 4 × bins] distance logits. */
  distances: Float32Array;
}

export interface Candidate {
  box: Box;
  score: number;
  classId: number;
}

function expectedDistance(d: Float32Array, offset: number, bins: number): number {
  let max = -Infinity;
  for (let j = 0; j < bins; j++) max = Math.max(max, d[offset + j]!);
  let sum = 0;
  let weighted = 0;
  for (let j = 0; j < bins; j++) {
    const p = Math.exp(d[offset + j]! - max);
    sum += p;
    weighted += p * j;
  }
  return weighted / sum;
}

/** Candidates above `threshold` in model input pixels (before NMS), for classes in `keep` (all when undefined). */
export function decodeNanoDet(levels: readonly NanoDetLevel[], classes: number, bins: number, threshold: number, keep?: ReadonlySet<number>): Candidate[] {
  const out: Candidate[] = [];
  for (const { stride, columns, scores, distances } of levels) {
    const cells = scores.length / classes;
    for (let i = 0; i < cells; i++) {
      let box: Box | undefined;
      const base = i * classes;
      for (let c = 0; c < classes; c++) {
        const score = scores[base + c]!;
        if (score < threshold || (keep && !keep.has(c))) continue;
        if (!box) {
          const cx = ((i % columns) + 0.5) * stride;
          const cy = (Math.floor(i / columns) + 0.5) * stride;
          const o = i * 4 * bins;
          box = {
            x1: cx - expectedDistance(distances, o, bins) * stride,
            y1: cy - expectedDistance(distances, o + bins, bins) * stride,
            x2: cx + expectedDistance(distances, o + 2 * bins, bins) * stride,
            y2: cy + expectedDistance(distances, o + 3 * bins, bins) * stride,
          };
        }
        out.push({ box, score, classId: c });
      }
    }
  }
  return out;
}
