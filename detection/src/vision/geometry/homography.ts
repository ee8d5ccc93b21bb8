/**
 * Plane-to-plane projective maps (homographies) from four point pairs, by solving the 8 × 8 direct linear system with
 * h33 = 1 (Gaussian elimination, partial pivoting).
 */
import type { Point } from './polygon.js';

export type Homography = readonly [number, number, number, number, number, number, number, number, number];

/** The homography taking each `from[i]` to `to[i]`; undefined when the points are degenerate (three on a line). */
export function homographyFrom4(from: readonly Point[], to: readonly Point[]): Homography | undefined {
  if (from.length !== 4 || to.length !== 4) return undefined;
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  const scale = Math.max(...a.flat().map(Math.abs), 1);
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-10 * scale) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const row = a[col]!;
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / row[col]!;
      if (f === 0) continue;
      for (let k = col; k < 9; k++) a[r]![k] = a[r]![k]! - f * row[k]!;
    }
  }
  const h = a.map((row, i) => row[8]! / row[i]!);
  const result = [...h, 1] as unknown as Homography;
  if (!result.every(Number.isFinite)) return undefined;
  // Collinear triples make a singular map even when elimination succeeds numerically.
  for (let i = 0; i < 4; i++) {
    const [p, q, r] = [from[i]!, from[(i + 1) % 4]!, from[(i + 2) % 4]!];
    if (Math.abs((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])) < 1e-9 * scale) return undefined;
  }
  return result;
}

export function applyHomography(h: Homography, [x, y]: Point): Point {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/** Whether a point maps in front of the plane (w > 0 keeps the orientation of the reference points). */
export function homographyW(h: Homography, [x, y]: Point): number {
  return h[6] * x + h[7] * y + h[8];
}
