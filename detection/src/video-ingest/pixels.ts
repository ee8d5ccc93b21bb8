/**
 * The raw picture layouts ingest delivers. rgb24: packed R, G, B bytes. yuv420p: planar, the Y plane at full size then
 * the U and V planes at half size each way (rounded up), BT.601 limited range: what decoders produce, so ffmpeg hands
 * it over without converting, at half the bytes of rgb24.
 */
export type PixelFormat = 'rgb24' | 'yuv420p';

/** Bytes of one width × height picture in `format`. */
export function pictureBytes(width: number, height: number, format: PixelFormat = 'rgb24'): number {
  return format === 'rgb24' ? width * height * 3 : width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** Where the three planes of a yuv420p picture start, and the chroma planes' width. */
export function yuv420pPlanes(width: number, height: number): { u: number; v: number; chromaWidth: number } {
  const chromaWidth = Math.ceil(width / 2);
  const u = width * height;
  return { u, v: u + chromaWidth * Math.ceil(height / 2), chromaWidth };
}

/** A value rounded and clamped to a byte: a Uint8Array would wrap a value past 255 instead of clamping it. */
const toByte = (x: number): number => Math.max(0, Math.min(255, Math.round(x)));

/** An RGB colour in BT.601 limited-range Y, U, V (as ffmpeg converts rgb24 to yuv420p). */
export function rgbToYuv([r, g, b]: readonly [number, number, number]): [number, number, number] {
  return [
    toByte(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255),
    toByte(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255),
    toByte(128 + (112 * r - 93.786 * g - 18.214 * b) / 255),
  ];
}

/**
 * yuv420p (BT.601 limited range) to rgb24, each 2 × 2 block of pixels sharing its chroma sample. For the paths that
 * need RGB from a yuv420p frame now and then (a detector without an ffmpeg-scaled copy); per-frame paths avoid it.
 */
export function yuv420pToRgb(data: Uint8Array, width: number, height: number, out = new Uint8Array(width * height * 3)): Uint8Array {
  if (data.length !== pictureBytes(width, height, 'yuv420p')) {
    throw new RangeError(`picture has ${data.length} bytes, ${width}x${height} yuv420p needs ${pictureBytes(width, height, 'yuv420p')}`);
  }
  const { u: uBase, v: vBase, chromaWidth } = yuv420pPlanes(width, height);
  for (let y = 0; y < height; y++) {
    const chromaRow = (y >> 1) * chromaWidth;
    for (let x = 0, o = y * width * 3, yi = y * width; x < width; x++, o += 3, yi++) {
      const c = chromaRow + (x >> 1);
      const l = 1.164 * (data[yi]! - 16);
      const u = data[uBase + c]! - 128;
      const v = data[vBase + c]! - 128;
      out[o] = toByte(l + 1.596 * v);
      out[o + 1] = toByte(l - 0.392 * u - 0.813 * v);
      out[o + 2] = toByte(l + 2.017 * u);
    }
  }
  return out;
}
