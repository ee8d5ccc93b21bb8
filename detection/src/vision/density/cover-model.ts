/**
 * Where a standing person covers the picture, from the ground calibration. For each sampled pixel p of a ground zone,
 * its cover area A(p): the ground area (m²) of the foot points whose person would cover p. With persons placed at
 * random at ρ per m², the number covering p is Poisson with mean ρ A(p), so p shows the crowd with probability
 * 1 − exp(−ρ A(p)): near persons hiding far ones is in the model, which is what lets the cover say more than a count
 * in a dense crowd (occupancy-estimator.ts inverts it).
 *
 * A person with its foot at image point q is drawn as a box above q, `PERSON.heightM` over the ground's horizontal
 * metres per pixel at q tall (the same approximation as the tiles' predicted person height: on an oblique view an upright
 * object is drawn at about the scale of the ground across the image there), `PERSON.aspect` of that wide, of which
 * `PERSON.fill` shows as foreground; for a top-down `metresPerPixel` camera, a box 0.6 m wide centred on q.
 */
import type { CameraGeometry } from '../geometry/camera-geometry.js';
import { pointInPolygon, type Point } from '../geometry/polygon.js';

/**
 * The person model. `aspect` (box width / height), `fill` (share of the box that differs from the empty background) and
 * `solid` (share of the person's differing pixels that also differ from the zone's ground elsewhere) are measured on the
 * hand-labelled pedestrians of the real vtest frames (vision-eval), against the per-pixel median of those frames, with
 * the same difference test as the estimator: `npm run eval:vision` prints them.
 */
export const PERSON = { heightM: 1.7, topM: 0.6, aspect: 0.43, fill: 0.45, solid: 0.97 } as const;

export interface CoverModel {
  width: number;
  height: number;
  /** Sampled pixels of the zone: x at 2i, y at 2i + 1. */
  pixels: Int32Array;
  /** Each sampled pixel's cover area, m². */
  cover: Float32Array;
  /** Each sampled pixel's bin, and the bins' mean cover area (the inversion works on the bins). */
  bin: Uint8Array;
  binCover: Float64Array;
}

const BINS = 64;

/**
 * The cover model of one zone: pixels sampled every `stepPx` inside `polygon`, and each one's cover area. Foot points are
 * taken on the same grid over the frame and below and beside it (persons whose feet are out of the picture still cover
 * its edge), where they are on the ground.
 */
export function coverModel(geometry: CameraGeometry, width: number, height: number, polygon: readonly Point[], stepPx = 2, person: { aspect: number; fill: number } = PERSON): CoverModel {
  const cal = geometry.options.calibration;
  if (!cal) throw new RangeError('the crowd cover model needs a ground calibration');
  const gw = Math.ceil(width / stepPx);
  const gh = Math.ceil(height / stepPx);
  const diff = new Float64Array((gw + 1) * (gh + 1));
  const add = (c0: number, r0: number, c1: number, r1: number, v: number): void => {
    diff[r0 * (gw + 1) + c0]! += v;
    diff[r0 * (gw + 1) + c1]! -= v;
    diff[r1 * (gw + 1) + c0]! -= v;
    diff[r1 * (gw + 1) + c1]! += v;
  };
  const topDown = cal.kind === 'scale';
  for (let gy = 0; gy < Math.ceil(gh * 1.5); gy++) {
    const y = (gy + 0.5) * stepPx;
    for (let gx = -Math.ceil(gw / 4); gx < Math.ceil(gw * 1.25); gx++) {
      const x = (gx + 0.5) * stepPx;
      const g0 = geometry.toGround([x, y]);
      const gX = geometry.toGround([x + stepPx, y]);
      const gY = geometry.toGround([x, y + stepPx]);
      if (!g0 || !gX || !gY) continue;
      const ax = gX[0] - g0[0];
      const ay = gX[1] - g0[1];
      const cellM2 = Math.abs(ax * (gY[1] - g0[1]) - ay * (gY[0] - g0[0]));
      const mPerPx = Math.hypot(ax, ay) / stepPx;
      if (!(mPerPx > 0) || !(cellM2 > 0)) continue;
      const h = (topDown ? PERSON.topM : PERSON.heightM) / mPerPx;
      const w = topDown ? h : person.aspect * h;
      const box = topDown ? [x - w / 2, y - h / 2, x + w / 2, y + h / 2] : [x - w / 2, y - h, x + w / 2, y];
      const c0 = Math.max(0, Math.floor(box[0]! / stepPx));
      const c1 = Math.min(gw, Math.ceil(box[2]! / stepPx));
      const r0 = Math.max(0, Math.floor(box[1]! / stepPx));
      const r1 = Math.min(gh, Math.ceil(box[3]! / stepPx));
      if (c1 <= c0 || r1 <= r0) continue;
      // A box narrower than the cells it touches covers each of them in part: spread its area over them.
      const cellsX = Math.ceil(box[2]! / stepPx) - Math.floor(box[0]! / stepPx);
      const cellsY = Math.ceil(box[3]! / stepPx) - Math.floor(box[1]! / stepPx);
      const share = Math.min(1, (w * h) / (cellsX * cellsY * stepPx * stepPx));
      add(c0, r0, c1, r1, person.fill * cellM2 * share);
    }
  }
  // Prefix sums turn the corner updates into each cell's cover area.
  for (let r = 0; r <= gh; r++) for (let c = 1; c <= gw; c++) diff[r * (gw + 1) + c]! += diff[r * (gw + 1) + c - 1]!;
  for (let r = 1; r <= gh; r++) for (let c = 0; c <= gw; c++) diff[r * (gw + 1) + c]! += diff[(r - 1) * (gw + 1) + c]!;
  const xs: number[] = [];
  const covers: number[] = [];
  for (let r = 0; r < gh; r++) {
    for (let c = 0; c < gw; c++) {
      const x = Math.min(width - 1, Math.floor((c + 0.5) * stepPx));
      const y = Math.min(height - 1, Math.floor((r + 0.5) * stepPx));
      const a = diff[r * (gw + 1) + c]!;
      if (a <= 0 || !pointInPolygon([x, y], polygon)) continue;
      xs.push(x, y);
      covers.push(a);
    }
  }
  const cover = Float32Array.from(covers);
  let lo = Infinity;
  let hi = -Infinity;
  // The range of the stored (float32) values: taken from the float64 ones, the smallest could round below it and land
  // in bin −1, which a Uint8Array keeps as 255, outside every bin.
  for (const a of cover) {
    lo = Math.min(lo, Math.log(a));
    hi = Math.max(hi, Math.log(a));
  }
  const bin = new Uint8Array(cover.length);
  const sum = new Float64Array(BINS);
  const n = new Float64Array(BINS);
  for (let i = 0; i < cover.length; i++) {
    const b = hi > lo ? Math.max(0, Math.min(BINS - 1, Math.floor(((Math.log(cover[i]!) - lo) / (hi - lo)) * BINS))) : 0;
    bin[i] = b;
    sum[b]! += cover[i]!;
    n[b]!++;
  }
  const binCover = sum.map((s, b) => (n[b]! ? s / n[b]! : 0));
  return { width, height, pixels: Int32Array.from(xs), cover, bin, binCover };
}

/**
 * The density ρ (persons per m²) at which pixels with these cover areas (bin counts `n`, bins' cover `binCover`) are
 * expected to show `covered` of them as crowd: Σ n_b s (1 − exp(−ρ A_b / s)) = covered, by bisection, where s
 * (`PERSON.solid`) is the share of a person's pixels that differ from ground other than the one it hid (a pixel hidden
 * by several persons shows the nearest, which may match the ground); `maxDensity` when even that density would not
 * cover as much (a saturated view).
 */
export function densityForCover(n: ArrayLike<number>, binCover: ArrayLike<number>, covered: number, maxDensity = 20, solid: number = PERSON.solid): number {
  const expected = (rho: number): number => {
    let s = 0;
    for (let b = 0; b < binCover.length; b++) if (n[b]) s += n[b]! * solid * (1 - Math.exp((-rho * binCover[b]!) / solid));
    return s;
  };
  if (covered <= 0) return 0;
  if (expected(maxDensity) <= covered) return maxDensity;
  let lo = 0;
  let hi = maxDensity;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (expected(mid) < covered) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
