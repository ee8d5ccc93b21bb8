/**
 * MoveNet MultiPose output decoding: [1, 6, 56], one row per person instance: 17 keypoints as (y, x, score), then the
 * person's box (ymin, xmin, ymax, xmax) and score; coordinates are fractions of the model input (padding included).
 */
import type { Box } from '../../types.js';

/** The 17 COCO keypoints, in MoveNet's order. */
export const KEYPOINT_NAMES = Object.freeze([
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
  'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
] as const);

export type KeypointName = (typeof KEYPOINT_NAMES)[number];

const ROW = KEYPOINT_NAMES.length * 3 + 5;

export interface PoseCandidate {
  /** Model input pixels. */
  box: Box;
  score: number;
  /** Model input pixels. */
  keypoints: { name: KeypointName; x: number; y: number; score: number }[];
}

/** Persons scoring at least `threshold`, in model input pixels (`width` × `height`). */
export function decodeMoveNet(output: Float32Array, width: number, height: number, threshold: number): PoseCandidate[] {
  if (output.length % ROW !== 0) throw new RangeError(`MoveNet output has ${output.length} values, not a multiple of ${ROW} (17 keypoints × 3 + box + score)`);
  const out: PoseCandidate[] = [];
  for (let o = 0; o < output.length; o += ROW) {
    const b = o + KEYPOINT_NAMES.length * 3;
    const score = output[b + 4]!;
    if (!(score >= threshold)) continue;
    out.push({
      box: { x1: output[b + 1]! * width, y1: output[b]! * height, x2: output[b + 3]! * width, y2: output[b + 2]! * height },
      score,
      keypoints: KEYPOINT_NAMES.map((name, k) => ({ name, y: output[o + 3 * k]! * height, x: output[o + 3 * k + 1]! * width, score: output[o + 3 * k + 2]! })),
    });
  }
  return out;
}
