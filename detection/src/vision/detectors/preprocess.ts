/**
 * Frame → model input tensor: bilinear resize (stretched, or letterboxed to keep the aspect ratio), channel order and
 * per-channel normalisation, laid out as NCHW float32. Returns how to map model coordinates back to the frame.
 */
import type { Box, Frame } from '../types.js';

export interface Normalisation {
  /** Channel order of the tensor. */
  order: 'rgb' | 'bgr';
  /** Per tensor channel (in `order`): value = (pixel - mean) / std, pixels 0..255. */
  mean: [number, number, number];
  std: [number, number, number];
}

export interface Letterbox {
  /** model pixel = frame pixel * scale + pad */
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
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

export function prepareInput(frame: Frame, width: number, height: number, mode: 'stretch' | 'letterbox', norm: Normalisation, padValue = 114): PreparedInput {
  let scaleX = width / frame.width;
  let scaleY = height / frame.height;
  let padX = 0;
  let padY = 0;
  let outW = width;
  let outH = height;
  if (mode === 'letterbox') {
    const s = Math.min(scaleX, scaleY);
    scaleX = s;
    scaleY = s;
    outW = Math.round(frame.width * s);
    outH = Math.round(frame.height * s);
    padX = Math.floor((width - outW) / 2);
    padY = Math.floor((height - outH) / 2);
  }
  const plane = width * height;
  const tensor = new Float32Array(3 * plane);
  // Tensor channel c reads source channel src[c]; value = pixel * mul[c] + add[c].
  const src = norm.order === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const mul = norm.std.map((s) => 1 / s);
  const add = norm.mean.map((m, c) => -m / norm.std[c]!);
  const [r0, r1, r2] = src as [number, number, number];
  const [m0, m1, m2] = mul as [number, number, number];
  const [a0, a1, a2] = add as [number, number, number];
  if (mode === 'letterbox' && (padX > 0 || padY > 0 || outW < width || outH < height)) {
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
    return { tensor, transform: { scaleX, scaleY, padX, padY } };
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
  return { tensor, transform: { scaleX, scaleY, padX, padY } };
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
