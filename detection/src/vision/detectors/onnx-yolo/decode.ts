/**
 * YOLO-family output decoding. Two layouts are in use:
 *  - boxes-first `[1, 4 + nc, N]` (YOLOv8/v11 exports): rows cx, cy, w, h, then one score per class, N candidates;
 *  - anchors-first `[1, N, 5 + nc]` (YOLOv5/v7: cx, cy, w, h, objectness, class scores) or `[1, N, 4 + nc]`
 *    (a transposed v8 export, no objectness).
 * Coordinates are model input pixels; scores are taken as probabilities (exports apply the sigmoid).
 */
import type { Box } from '../../types.js';
import type { Candidate } from '../nanodet/decode.js';

export type YoloLayout = 'auto' | 'boxes-first' | 'anchors-first';

export interface ResolvedLayout {
  layout: 'boxes-first' | 'anchors-first';
  candidates: number;
  objectness: boolean;
}

/** Which layout a `[1, a, b]` output has for `nc` classes; undefined when it fits none. */
export function resolveLayout(dims: readonly number[], nc: number, wanted: YoloLayout): ResolvedLayout | undefined {
  if (dims.length !== 3 || dims[0] !== 1) return undefined;
  const [, a, b] = dims as [number, number, number];
  const boxesFirst = a === 4 + nc;
  const anchorsFirst = b === 4 + nc || b === 5 + nc;
  // Both can fit only for tiny N (N = 4 + nc or 5 + nc): auto then takes the boxes-first (YOLOv8) reading.
  if ((wanted === 'boxes-first' || wanted === 'auto') && boxesFirst) {
    return { layout: 'boxes-first', candidates: b, objectness: false };
  }
  if ((wanted === 'anchors-first' || wanted === 'auto') && anchorsFirst) {
    return { layout: 'anchors-first', candidates: a, objectness: b === 5 + nc };
  }
  return undefined;
}

function cxcywh(cx: number, cy: number, w: number, h: number): Box {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
}

/** Candidates above `threshold` (best class per candidate), for classes in `keep` (all when undefined). */
export function decodeYolo(data: Float32Array, layout: ResolvedLayout, nc: number, threshold: number, keep?: ReadonlySet<number>): Candidate[] {
  const out: Candidate[] = [];
  const n = layout.candidates;
  if (layout.layout === 'boxes-first') {
    for (let j = 0; j < n; j++) {
      let best = -1;
      let score = threshold;
      for (let c = 0; c < nc; c++) {
        const s = data[(4 + c) * n + j]!;
        if (s >= score && (!keep || keep.has(c))) {
          score = s;
          best = c;
        }
      }
      if (best < 0) continue;
      out.push({ box: cxcywh(data[j]!, data[n + j]!, data[2 * n + j]!, data[3 * n + j]!), score, classId: best });
    }
    return out;
  }
  const width = 4 + nc + (layout.objectness ? 1 : 0);
  const first = layout.objectness ? 5 : 4;
  for (let j = 0; j < n; j++) {
    const o = j * width;
    const objectness = layout.objectness ? data[o + 4]! : 1;
    if (objectness < threshold) continue;
    let best = -1;
    let score = threshold;
    for (let c = 0; c < nc; c++) {
      const s = data[o + first + c]! * objectness;
      if (s >= score && (!keep || keep.has(c))) {
        score = s;
        best = c;
      }
    }
    if (best < 0) continue;
    out.push({ box: cxcywh(data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!), score, classId: best });
  }
  return out;
}
