/** What the vision stages pass to one another: frames, boxes, detections. */
import type { PixelFormat } from '../video-ingest/pixels.js';
import type { ScaledImage, ScaledInputSpec } from '../video-ingest/scaled-input.js';

/** A decoded video frame: rgb24 (`width * height * 3` bytes, row-major) unless `format` says yuv420p. */
export interface Frame {
  data: Uint8Array;
  width: number;
  height: number;
  /** Layout of `data` (default rgb24). VideoSource delivers yuv420p when asked (`pixelFormat`), at half the bytes. */
  format?: PixelFormat;
  /** The same picture already scaled to a detector's input (VideoSource's `scaled` option); used when it fits. */
  scaled?: ScaledImage;
}

/** A rectangle of a frame in whole pixels (a tile): top-left corner, width and height. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The region covering all of a frame. */
export const wholeFrame = (frame: Pick<Frame, 'width' | 'height'>): Region => ({ x: 0, y: 0, width: frame.width, height: frame.height });

/** Axis-aligned box in frame pixels: (x1, y1) top-left, (x2, y2) bottom-right. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A body keypoint in frame pixels (pose detectors). */
export interface Keypoint {
  /** COCO keypoint name: nose, left_eye, …, left_shoulder, right_shoulder, …, left_ankle, right_ankle. */
  name: string;
  x: number;
  y: number;
  /** 0..1 */
  score: number;
}

export interface Detection {
  box: Box;
  /** 0..1 */
  score: number;
  classId: number;
  /** Class name (COCO name for NanoDet, the configured class map for ONNX YOLO models). */
  label: string;
  /** The person's 17 COCO keypoints (pose detectors such as MoveNet). */
  keypoints?: Keypoint[];
}

/** An object detector plugin: one frame in, boxes out. Implementations hold their model until `close()`. */
export interface ObjectDetector {
  /** Plugin kind and model, for logs (e.g. "nanodet nanodet-g-416.onnx"). */
  readonly name: string;
  /** Every class name the detector can output, indexed by class id. */
  readonly labels: readonly string[];
  /** The model input it resizes frames to: a source that delivers `frame.scaled` in this shape saves the resize. */
  readonly input?: ScaledInputSpec | undefined;
  detect(frame: Frame): Promise<Detection[]>;
  /**
   * Detections in one rectangle of the frame (a tile), in the rectangle's own pixels, its pixels resampled straight
   * from the frame (yuv420p or rgb24) into the model input, without cutting them out first. Bundled detectors have it;
   * for others the tiled detector cuts the tile out into a frame of its own.
   */
  detectRegion?(frame: Frame, region: Region): Promise<Detection[]>;
  /**
   * The model inferences one `detect()` makes (once per tile, per combined detector), on fixed prepared inputs,
   * outputs discarded: the baseline the benchmark compares the pipeline with. Bundled detectors have it.
   */
  runBare?(): Promise<void>;
  close(): Promise<void>;
}

export const boxWidth = (b: Box): number => Math.max(0, b.x2 - b.x1);
export const boxHeight = (b: Box): number => Math.max(0, b.y2 - b.y1);
export const boxArea = (b: Box): number => boxWidth(b) * boxHeight(b);
export const boxCentre = (b: Box): [number, number] => [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];
/** Where an object stands on the ground: the middle of the box's bottom edge. */
export const boxFoot = (b: Box): [number, number] => [(b.x1 + b.x2) / 2, b.y2];

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

export function clampBox(b: Box, width: number, height: number): Box {
  return {
    x1: Math.min(width, Math.max(0, b.x1)),
    y1: Math.min(height, Math.max(0, b.y1)),
    x2: Math.min(width, Math.max(0, b.x2)),
    y2: Math.min(height, Math.max(0, b.y2)),
  };
}
