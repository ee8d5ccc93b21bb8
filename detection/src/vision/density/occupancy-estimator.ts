/**
 * Crowd density of one ground zone from how much of it the crowd covers, for crowds too dense to count. Each sampled
 * pixel of the zone is compared with a background learnt from the stream: the per-pixel median of `samples` frames taken
 * every `sampleEveryS` seconds (the first frame fills them all). A pixel is crowd when |ΔY| + |ΔU| + |ΔV| exceeds
 * `diffThreshold`. The share of crowd pixels is turned into persons per m² with the zone's cover model
 * (cover-model.ts). Samples are taken only while the caller says the zone is calm (below its alert threshold), so a
 * crowd that stays does not become the background.
 */
import { rgbToYuv, yuv420pPlanes } from '../../video-ingest/pixels.js';
import type { CameraGeometry } from '../geometry/camera-geometry.js';
import { polygonArea, type Point } from '../geometry/polygon.js';
import type { Box, Frame } from '../types.js';
import { coverModel, densityForCover, type CoverModel } from './cover-model.js';

export interface OccupancyConfig {
  /** Seconds between background samples. */
  sampleEveryS: number;
  /** Background samples kept (their per-pixel median is the background). */
  samples: number;
  /** |ΔY| + |ΔU| + |ΔV| from which a pixel differs from the background. */
  diffThreshold: number;
  /** Below this density (persons per m²) from the cover, the count of detected persons is reported instead. */
  countBelowPerM2: number;
  /** At most this many pixels of a zone compared each frame: the zone is sampled every n pixels each way, n the smallest that keeps under it. */
  maxPixels: number;
}

export const OCCUPANCY_DEFAULTS: OccupancyConfig = { sampleEveryS: 30, samples: 9, diffThreshold: 40, countBelowPerM2: 0.2, maxPixels: 32_000 };

export interface OccupancyMeasure {
  /** Share of the zone's sampled pixels (outside excluded boxes) that differ from the background. */
  covered: number;
  /** Persons per m² that cover that share. */
  density: number;
  /** Pixels compared. */
  pixels: number;
}

/** Y, U, V of the pixels at `pixels` (x, y pairs) of an rgb24 or yuv420p frame, into `out`. */
export function sampleYuv(frame: Frame, pixels: Int32Array, out: Uint8Array): void {
  const { data, width, height } = frame;
  if (frame.format === 'yuv420p') {
    const { u, v, chromaWidth } = yuv420pPlanes(width, height);
    for (let i = 0, k = 0; i < pixels.length; i += 2, k += 3) {
      const x = pixels[i]!;
      const y = pixels[i + 1]!;
      const c = (y >> 1) * chromaWidth + (x >> 1);
      out[k] = data[y * width + x]!;
      out[k + 1] = data[u + c]!;
      out[k + 2] = data[v + c]!;
    }
    return;
  }
  for (let i = 0, k = 0; i < pixels.length; i += 2, k += 3) {
    const o = (pixels[i + 1]! * width + pixels[i]!) * 3;
    const [y, u, v] = rgbToYuv([data[o]!, data[o + 1]!, data[o + 2]!]);
    out[k] = y;
    out[k + 1] = u;
    out[k + 2] = v;
  }
}

/**
 * How far the YUV sample at `i` of `a` is from the one at `j` of `b`: the sum of the absolute differences of Y, U and V.
 * A zone pixel is covered when this exceeds `diffThreshold` against the background (the person model's constants in
 * cover-model.ts are measured with the same test).
 */
export function yuvDifference(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  return Math.abs(a[i]! - b[j]!) + Math.abs(a[i + 1]! - b[j + 1]!) + Math.abs(a[i + 2]! - b[j + 2]!);
}

export class OccupancyEstimator {
  private model: CoverModel | undefined;
  private ring: Uint8Array[] = [];
  private background: Uint8Array | undefined;
  private next = 0;
  private lastSampleS = -Infinity;
  private current = new Uint8Array(0);

  constructor(private readonly config: OccupancyConfig, private readonly geometry: CameraGeometry, private readonly polygon: readonly Point[]) {}

  /** The zone's cover model (built on the first frame, at its size). */
  coverModel(width: number, height: number): CoverModel {
    if (!this.model || this.model.width !== width || this.model.height !== height) {
      this.model = coverModel(this.geometry, width, height, this.polygon, sampleStep(this.polygon, this.config.maxPixels));
      this.ring = [];
      this.background = undefined;
      this.current = new Uint8Array(this.model.cover.length * 3);
    }
    return this.model;
  }

  /** Sets the background to an image of the empty scene (the same size as the frames). */
  setBackground(frame: Frame): void {
    const model = this.coverModel(frame.width, frame.height);
    const sample = new Uint8Array(model.cover.length * 3);
    sampleYuv(frame, model.pixels, sample);
    this.ring = Array.from({ length: this.config.samples }, () => sample);
    this.background = sample;
  }

  /**
   * The zone's cover and density on this frame; pixels inside `exclude` (objects that are not persons, such as
   * vehicles) are left out.
   */
  measure(frame: Frame, timeS: number, exclude: readonly Box[] = []): OccupancyMeasure {
    const model = this.coverModel(frame.width, frame.height);
    sampleYuv(frame, model.pixels, this.current);
    if (!this.background) this.setBackground(frame);
    const bg = this.background!;
    const n = new Float64Array(model.binCover.length);
    let covered = 0;
    let pixels = 0;
    const t = this.config.diffThreshold;
    for (let i = 0, k = 0; i < model.cover.length; i++, k += 3) {
      const x = model.pixels[2 * i]!;
      const y = model.pixels[2 * i + 1]!;
      if (exclude.length && exclude.some((b) => x >= b.x1 && x < b.x2 && y >= b.y1 && y < b.y2)) continue;
      pixels++;
      n[model.bin[i]!]!++;
      if (yuvDifference(this.current, k, bg, k) > t) covered++;
    }
    if (this.lastSampleS === -Infinity) this.lastSampleS = timeS;
    return { covered: pixels ? covered / pixels : 0, density: densityForCover(n, model.binCover, covered), pixels };
  }

  /** After a measure: the frame becomes a background sample if one is due and the zone was calm. */
  learn(timeS: number, calm: boolean): void {
    if (!calm || !this.model || timeS - this.lastSampleS < this.config.sampleEveryS) return;
    this.lastSampleS = timeS;
    this.ring[this.next] = Uint8Array.from(this.current);
    this.next = (this.next + 1) % this.config.samples;
    this.background = medianOf(this.ring);
  }
}

/** The sampling step (pixels each way) that compares at most `maxPixels` of the polygon. */
export const sampleStep = (polygon: readonly Point[], maxPixels: number): number => Math.max(1, Math.ceil(Math.sqrt(polygonArea(polygon) / maxPixels)));

/** Per-element median of same-length byte arrays. */
export function medianOf(arrays: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(arrays[0]!.length);
  const values = new Array<number>(arrays.length);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < arrays.length; k++) values[k] = arrays[k]![i]!;
    values.sort((a, b) => a - b);
    out[i] = values[values.length >> 1]!;
  }
  return out;
}
