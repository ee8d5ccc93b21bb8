/**
 * Frame → model input tensor: bilinear resize (stretched, or letterboxed to keep the aspect ratio), channel order and
 * per-channel normalisation, laid out as NCHW float32. Returns how to map model coordinates back to the frame.
 * A frame that comes with a copy already scaled to the model's input (`frame.scaled`, scaled by ffmpeg) is only
 * normalised.
 */
import { yuv420pToRgb } from '../../video-ingest/pixels.js';
import { LETTERBOX_GREY, scaledTransform, type Letterbox } from '../../video-ingest/scaled-input.js';
import type { Box, Frame } from '../types.js';

export type { Letterbox } from '../../video-ingest/scaled-input.js';

export interface Normalisation {
  /** Channel order of the tensor. */
  order: 'rgb' | 'bgr';
  /** Per tensor channel (in `order`): value = (pixel - mean) / std, pixels 0..255. */
  mean: [number, number, number];
  std: [number, number, number];
}

export interface PreparedInput {
  tensor: Float32Array;
  transform: Letterbox;
}

interface Axis { i0: Int32Array; i1: Int32Array; w: Float32Array }

const axisCache = new Map<string, Axis>();

/** Source indices and weights for each destination position (pixel-centre aligned, like OpenCV's INTER_LINEAR). */
function axis(srcSize: number, dstSize: number, scale: number): Axis {
  const key = `${srcSize}/${dstSize}/${scale}`;
  const cached = axisCache.get(key);
  if (cached) return cached;
  const i0 = new Int32Array(dstSize);
  const i1 = new Int32Array(dstSize);
  const w = new Float32Array(dstSize);
  for (let d = 0; d < dstSize; d++) {
    const s = Math.min(srcSize - 1, Math.max(0, (d + 0.5) / scale - 0.5));
    const f = Math.floor(s);
    i0[d] = f;
    i1[d] = Math.min(srcSize - 1, f + 1);
    w[d] = s - f;
  }
  const result = { i0, i1, w };
  if (axisCache.size > 32) axisCache.clear();
  axisCache.set(key, result);
  return result;
}

/**
 * The model input for a frame. `tensor`, when given, is filled and returned (3 × width × height floats): a detector
 * reuses one between runs.
 */
export function prepareInput(frame: Frame, width: number, height: number, mode: 'stretch' | 'letterbox', norm: Normalisation, tensor?: Float32Array): PreparedInput {
  const plane = width * height;
  if (tensor && tensor.length !== 3 * plane) throw new RangeError(`tensor has ${tensor.length} floats, the input needs ${3 * plane}`);
  const { scaled } = frame;
  if (scaled && scaled.width === width && scaled.height === height && scaled.mode === mode) {
    return { tensor: normaliseScaled(scaled.data, plane, norm, tensor ?? new Float32Array(3 * plane)), transform: scaled.transform };
  }
  const { scaleX, scaleY, padX, padY, innerWidth: outW, innerHeight: outH } = scaledTransform(frame.width, frame.height, { width, height, mode });
  // A yuv420p frame without a fitting scaled copy (a second detector, a custom source) is converted first.
  const rgb = frame.format === 'yuv420p' ? { ...frame, data: yuv420pToRgb(frame.data, frame.width, frame.height), format: 'rgb24' as const } : frame;
  return { tensor: resizeInto(tensor ?? new Float32Array(3 * plane), rgb, width, height, { scaleX, scaleY, padX, padY }, outW, outH, norm), transform: { scaleX, scaleY, padX, padY } };
}

/** Tensor channel c = (source channel src[c] − mean[c]) / std[c], from a per-channel table of the 256 values. */
function normaliseScaled(data: Uint8Array, plane: number, norm: Normalisation, tensor: Float32Array): Float32Array {
  const src = norm.order === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const [s0, s1, s2] = src as [number, number, number];
  const m0 = 1 / norm.std[0];
  const m1 = 1 / norm.std[1];
  const m2 = 1 / norm.std[2];
  const a0 = -norm.mean[0] * m0;
  const a1 = -norm.mean[1] * m1;
  const a2 = -norm.mean[2] * m2;
  const p2 = 2 * plane;
  for (let i = 0, s = 0; i < plane; i++, s += 3) {
    tensor[i] = data[s + s0]! * m0 + a0;
    tensor[i + plane] = data[s + s1]! * m1 + a1;
    tensor[i + p2] = data[s + s2]! * m2 + a2;
  }
  return tensor;
}

function resizeInto(tensor: Float32Array, frame: Frame, width: number, height: number, t: Letterbox, outW: number, outH: number, norm: Normalisation): Float32Array {
  const { scaleX, scaleY, padX, padY } = t;
  const plane = width * height;
  const padValue = LETTERBOX_GREY;
  // Tensor channel c reads source channel src[c]; value = pixel * mul[c] + add[c].
  const src = norm.order === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const mul = norm.std.map((s) => 1 / s);
  const add = norm.mean.map((m, c) => -m / norm.std[c]!);
  const [r0, r1, r2] = src as [number, number, number];
  const [m0, m1, m2] = mul as [number, number, number];
  const [a0, a1, a2] = add as [number, number, number];
  if (outW < width || outH < height) {
    const p0 = padValue * m0 + a0;
    const p1 = padValue * m1 + a1;
    const p2 = padValue * m2 + a2;
    tensor.fill(p0, 0, plane);
    tensor.fill(p1, plane, 2 * plane);
    tensor.fill(p2, 2 * plane, 3 * plane);
  }
  const data = frame.data;
  const stride = frame.width * 3;
  if (outW === frame.width && outH === frame.height) {
    for (let y = 0; y < outH; y++) {
      let o = (y + padY) * width + padX;
      let s = y * stride;
      for (let x = 0; x < outW; x++, o++, s += 3) {
        tensor[o] = data[s + r0]! * m0 + a0;
        tensor[o + plane] = data[s + r1]! * m1 + a1;
        tensor[o + 2 * plane] = data[s + r2]! * m2 + a2;
      }
    }
    return tensor;
  }
  const ax = axis(frame.width, outW, scaleX);
  const ay = axis(frame.height, outH, scaleY);
  // Planes in tensor order: tensor channel c reads source channel src[c]; written through per-source-channel offsets.
  const base0 = src.indexOf(0) * plane;
  const base1 = src.indexOf(1) * plane;
  const base2 = src.indexOf(2) * plane;
  const k0 = mul[src.indexOf(0)]!;
  const k1 = mul[src.indexOf(1)]!;
  const k2 = mul[src.indexOf(2)]!;
  const b0 = add[src.indexOf(0)]!;
  const b1 = add[src.indexOf(1)]!;
  const b2 = add[src.indexOf(2)]!;
  const x0 = new Int32Array(outW);
  const x1 = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    x0[x] = ax.i0[x]! * 3;
    x1[x] = ax.i1[x]! * 3;
  }
  const wxs = ax.w;
  for (let y = 0; y < outH; y++) {
    const row0 = ay.i0[y]! * stride;
    const row1 = ay.i1[y]! * stride;
    const wy = ay.w[y]!;
    let o = (y + padY) * width + padX;
    for (let x = 0; x < outW; x++, o++) {
      const p00 = row0 + x0[x]!;
      const p01 = row0 + x1[x]!;
      const p10 = row1 + x0[x]!;
      const p11 = row1 + x1[x]!;
      const wx = wxs[x]!;
      // red (source channel 0), green, blue
      let top = data[p00]! + (data[p01]! - data[p00]!) * wx;
      let bottom = data[p10]! + (data[p11]! - data[p10]!) * wx;
      tensor[base0 + o] = (top + (bottom - top) * wy) * k0 + b0;
      top = data[p00 + 1]! + (data[p01 + 1]! - data[p00 + 1]!) * wx;
      bottom = data[p10 + 1]! + (data[p11 + 1]! - data[p10 + 1]!) * wx;
      tensor[base1 + o] = (top + (bottom - top) * wy) * k1 + b1;
      top = data[p00 + 2]! + (data[p01 + 2]! - data[p00 + 2]!) * wx;
      bottom = data[p10 + 2]! + (data[p11 + 2]! - data[p10 + 2]!) * wx;
      tensor[base2 + o] = (top + (bottom - top) * wy) * k2 + b2;
    }
  }
  return tensor;
}

/** Maps a box from model input pixels back to frame pixels. */
export function toFrameBox(b: Box, t: Letterbox): Box {
  return {
    x1: (b.x1 - t.padX) / t.scaleX,
    y1: (b.y1 - t.padY) / t.scaleY,
    x2: (b.x2 - t.padX) / t.scaleX,
    y2: (b.y2 - t.padY) / t.scaleY,
  };
}
