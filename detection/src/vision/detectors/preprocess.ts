/**
 * Frame → model input tensor: bilinear resize (stretched, or letterboxed to keep the aspect ratio), channel order and
 * per-channel normalisation, laid out as NCHW float32. Returns how to map model coordinates back to the frame.
 * A frame that comes with a copy already scaled to the model's input (`frame.scaled`, scaled by ffmpeg) is only
 * normalised; a yuv420p frame is resampled from its planes, a region (a tile) from its place in the frame.
 */
import { pictureBytes, yuv420pPlanes } from '../../video-ingest/pixels.js';
import { LETTERBOX_GREY, scaledTransform, type Letterbox } from '../../video-ingest/scaled-input.js';
import { wholeFrame, type Box, type Frame, type Region } from '../types.js';

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
 * The model input for a frame, or for one rectangle of it (`region`, a tile: its pixels are resampled straight from
 * the frame, and the transform maps model pixels to the region's). `tensor`, when given, is filled and returned
 * (3 × width × height floats): a detector reuses one between runs.
 */
export function prepareInput(frame: Frame, width: number, height: number, mode: 'stretch' | 'letterbox', norm: Normalisation, tensor?: Float32Array, region?: Region): PreparedInput {
  const plane = width * height;
  if (tensor && tensor.length !== 3 * plane) throw new RangeError(`tensor has ${tensor.length} floats, the input needs ${3 * plane}`);
  const r = region ?? wholeFrame(frame);
  if (!(Number.isInteger(r.x) && Number.isInteger(r.y) && Number.isInteger(r.width) && Number.isInteger(r.height)) ||
    r.x < 0 || r.y < 0 || r.width < 1 || r.height < 1 || r.x + r.width > frame.width || r.y + r.height > frame.height) {
    throw new RangeError(`region ${r.width}x${r.height} at (${r.x}, ${r.y}) must be whole pixels inside the ${frame.width}x${frame.height} frame`);
  }
  const whole = r.x === 0 && r.y === 0 && r.width === frame.width && r.height === frame.height;
  const { scaled } = frame;
  if (whole && scaled && scaled.width === width && scaled.height === height && scaled.mode === mode) {
    return { tensor: normaliseScaled(scaled.data, plane, norm, tensor ?? new Float32Array(3 * plane)), transform: scaled.transform };
  }
  const { scaleX, scaleY, padX, padY, innerWidth, innerHeight } = scaledTransform(r.width, r.height, { width, height, mode });
  const transform = { scaleX, scaleY, padX, padY };
  const out = tensor ?? new Float32Array(3 * plane);
  const channels = channelMap(norm, plane);
  if (innerWidth < width || innerHeight < height) {
    for (let c = 0; c < 3; c++) out.fill(LETTERBOX_GREY * channels.mul[c]! + channels.add[c]!, channels.base[c]!, channels.base[c]! + plane);
  }
  const target: Target = { tensor: out, width, padX, padY, innerWidth, innerHeight, ...channels };
  // A yuv420p frame without a fitting scaled copy (a tile, a second detector, a custom source) is resampled from its
  // planes directly: no converted copy of the whole frame.
  if (frame.format === 'yuv420p') resizeYuvInto(target, frame, r, scaleX, scaleY);
  else resizeRgbInto(target, frame, r, scaleX, scaleY);
  return { tensor: out, transform };
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

/** Per source channel (red, green, blue): where its plane starts in the tensor and value = pixel × mul + add. */
interface ChannelMap { base: [number, number, number]; mul: [number, number, number]; add: [number, number, number] }

function channelMap(norm: Normalisation, plane: number): ChannelMap {
  // Tensor channel c reads source channel src[c], so source channel k lands in tensor channel src.indexOf(k).
  const src = norm.order === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const at = [0, 1, 2].map((k) => src.indexOf(k)) as [number, number, number];
  return {
    base: at.map((c) => c * plane) as [number, number, number],
    mul: at.map((c) => 1 / norm.std[c]!) as [number, number, number],
    add: at.map((c) => -norm.mean[c]! / norm.std[c]!) as [number, number, number],
  };
}

/** Where the resized picture goes: the tensor, its row width, the padding and the picture's size inside it. */
interface Target extends ChannelMap {
  tensor: Float32Array;
  width: number;
  padX: number;
  padY: number;
  innerWidth: number;
  innerHeight: number;
}

/** Bilinear resize of a region of an rgb24 frame into the tensor. */
function resizeRgbInto(t: Target, frame: Frame, r: Region, scaleX: number, scaleY: number): void {
  const { tensor, width, padX, padY, innerWidth: outW, innerHeight: outH } = t;
  const [base0, base1, base2] = t.base;
  const [k0, k1, k2] = t.mul;
  const [b0, b1, b2] = t.add;
  const data = frame.data;
  const stride = frame.width * 3;
  const origin = r.y * stride + r.x * 3;
  if (outW === r.width && outH === r.height) {
    for (let y = 0; y < outH; y++) {
      let o = (y + padY) * width + padX;
      let s = origin + y * stride;
      for (let x = 0; x < outW; x++, o++, s += 3) {
        tensor[base0 + o] = data[s]! * k0 + b0;
        tensor[base1 + o] = data[s + 1]! * k1 + b1;
        tensor[base2 + o] = data[s + 2]! * k2 + b2;
      }
    }
    return;
  }
  const ax = axis(r.width, outW, scaleX);
  const ay = axis(r.height, outH, scaleY);
  const x0 = new Int32Array(outW);
  const x1 = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    x0[x] = origin + ax.i0[x]! * 3;
    x1[x] = origin + ax.i1[x]! * 3;
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
}

const clamp255 = (x: number): number => (x < 0 ? 0 : x > 255 ? 255 : x);

/**
 * Bilinear resize of a region of a yuv420p frame (BT.601 limited range) into the tensor: Y, U and V are interpolated
 * with the same four taps and weights, each tap reading the chroma sample of its 2 × 2 block (as `yuv420pToRgb` does),
 * and converted to RGB once per model pixel. The conversion is affine, so this equals converting the frame first and
 * resizing the RGB, except where a tap's colour lies outside RGB's range (that path clamps each tap; this clamps the
 * interpolated colour) and for the rounding of the converted bytes.
 */
function resizeYuvInto(t: Target, frame: Frame, r: Region, scaleX: number, scaleY: number): void {
  const { tensor, width, padX, padY, innerWidth: outW, innerHeight: outH } = t;
  const [base0, base1, base2] = t.base;
  const [k0, k1, k2] = t.mul;
  const [b0, b1, b2] = t.add;
  const data = frame.data;
  const W = frame.width;
  const { u: uBase, v: vBase, chromaWidth } = yuv420pPlanes(W, frame.height);
  if (data.length !== pictureBytes(W, frame.height, 'yuv420p')) {
    throw new RangeError(`picture has ${data.length} bytes, ${W}x${frame.height} yuv420p needs ${pictureBytes(W, frame.height, 'yuv420p')}`);
  }
  const ax = axis(r.width, outW, scaleX);
  const ay = axis(r.height, outH, scaleY);
  const x0 = new Int32Array(outW);
  const x1 = new Int32Array(outW);
  const c0 = new Int32Array(outW);
  const c1 = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    x0[x] = r.x + ax.i0[x]!;
    x1[x] = r.x + ax.i1[x]!;
    c0[x] = x0[x]! >> 1;
    c1[x] = x1[x]! >> 1;
  }
  const wxs = ax.w;
  for (let y = 0; y < outH; y++) {
    const fy0 = r.y + ay.i0[y]!;
    const fy1 = r.y + ay.i1[y]!;
    const row0 = fy0 * W;
    const row1 = fy1 * W;
    const u0 = uBase + (fy0 >> 1) * chromaWidth;
    const u1 = uBase + (fy1 >> 1) * chromaWidth;
    const v0 = vBase + (fy0 >> 1) * chromaWidth;
    const v1 = vBase + (fy1 >> 1) * chromaWidth;
    const wy = ay.w[y]!;
    let o = (y + padY) * width + padX;
    for (let x = 0; x < outW; x++, o++) {
      const a = x0[x]!;
      const b = x1[x]!;
      const ca = c0[x]!;
      const cb = c1[x]!;
      const wx = wxs[x]!;
      let top = data[row0 + a]! + (data[row0 + b]! - data[row0 + a]!) * wx;
      let bottom = data[row1 + a]! + (data[row1 + b]! - data[row1 + a]!) * wx;
      const l = 1.164 * (top + (bottom - top) * wy - 16);
      top = data[u0 + ca]! + (data[u0 + cb]! - data[u0 + ca]!) * wx;
      bottom = data[u1 + ca]! + (data[u1 + cb]! - data[u1 + ca]!) * wx;
      const u = top + (bottom - top) * wy - 128;
      top = data[v0 + ca]! + (data[v0 + cb]! - data[v0 + ca]!) * wx;
      bottom = data[v1 + ca]! + (data[v1 + cb]! - data[v1 + ca]!) * wx;
      const v = top + (bottom - top) * wy - 128;
      tensor[base0 + o] = clamp255(l + 1.596 * v) * k0 + b0;
      tensor[base1 + o] = clamp255(l - 0.392 * u - 0.813 * v) * k1 + b1;
      tensor[base2 + o] = clamp255(l + 2.017 * u) * k2 + b2;
    }
  }
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
