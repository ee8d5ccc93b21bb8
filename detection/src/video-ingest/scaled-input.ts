/**
 * A model-sized copy of each frame, scaled (and letterboxed) by ffmpeg beside the camera-sized frame. A detector that
 * gets it only normalises the pixels into its tensor instead of resizing the frame in JavaScript; zones, tracks and
 * evidence still use the camera-sized frame, and boxes are mapped back with the transform.
 */

/** How a detector wants its input: the model's width × height, the frame stretched to it or letterboxed. */
export interface ScaledInputSpec {
  width: number;
  height: number;
  mode: 'stretch' | 'letterbox';
}

/** model pixel = frame pixel × scale + pad */
export interface Letterbox {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/** The frame scaled to a detector's input: rgb24, `width × height × 3` bytes, letterbox bands grey (`LETTERBOX_GREY`). */
export interface ScaledImage extends ScaledInputSpec {
  data: Uint8Array;
  transform: Letterbox;
}

/** Letterbox bands: grey 114, as YOLO and NanoDet pad. */
export const LETTERBOX_GREY = 114;

/** Where a frame lands in the model input: the transform, and the size of the scaled picture inside the padding. */
export function scaledTransform(frameWidth: number, frameHeight: number, spec: ScaledInputSpec): Letterbox & { innerWidth: number; innerHeight: number } {
  const { width, height } = spec;
  if (spec.mode === 'stretch') {
    return { scaleX: width / frameWidth, scaleY: height / frameHeight, padX: 0, padY: 0, innerWidth: width, innerHeight: height };
  }
  const s = Math.min(width / frameWidth, height / frameHeight);
  const innerWidth = Math.round(frameWidth * s);
  const innerHeight = Math.round(frameHeight * s);
  return { scaleX: s, scaleY: s, padX: Math.floor((width - innerWidth) / 2), padY: Math.floor((height - innerHeight) / 2), innerWidth, innerHeight };
}

/** The ffmpeg filter chain that turns a camera-sized frame into the scaled input (bilinear, as the models were trained). */
export function scaledInputFilter(frameWidth: number, frameHeight: number, spec: ScaledInputSpec): string {
  const t = scaledTransform(frameWidth, frameHeight, spec);
  const grey = LETTERBOX_GREY.toString(16).padStart(2, '0');
  const scale = `scale=${t.innerWidth}:${t.innerHeight}:flags=bilinear`;
  if (t.innerWidth === spec.width && t.innerHeight === spec.height) return scale;
  return `${scale},pad=${spec.width}:${spec.height}:${t.padX}:${t.padY}:color=0x${grey}${grey}${grey}`;
}

export function checkScaledInputSpec(spec: ScaledInputSpec): void {
  for (const [name, value] of [['width', spec.width], ['height', spec.height]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`scaled.${name} must be a positive integer, got ${value}`);
  }
  if (spec.mode !== 'stretch' && spec.mode !== 'letterbox') throw new RangeError(`scaled.mode must be "stretch" or "letterbox", got ${String(spec.mode)}`);
}
