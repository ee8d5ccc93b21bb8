/** `detector: { kind: movenet, … }` — the bundled MoveNet MultiPose Lightning pose detector (persons and their keypoints). */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath } from '../../config/config-error.js';
import type { Fields, Raw } from '../../config/fields.js';
import { classFilter, COMMON_DETECTOR_FIELDS, parseCommon, type CommonDetectorConfig, type DetectorConfigContext } from '../plugin.js';

export interface MoveNetConfig extends CommonDetectorConfig {
  kind: 'movenet';
  /** Another MoveNet MultiPose ONNX export with the same output; the bundled model when absent. */
  model?: string;
  /** Side of the square model input, a multiple of 32 (default 256); the frame is letterboxed into it. */
  inputSize: number;
}

export const MOVENET_LABELS: readonly string[] = Object.freeze(['person']);
export const MOVENET_FIELDS = ['kind', 'model', 'inputSize', ...COMMON_DETECTOR_FIELDS] as const;

export function parseMoveNetConfig(raw: Raw, path: ConfigPath, f: Fields, context: DetectorConfigContext): MoveNetConfig {
  const config: MoveNetConfig = {
    kind: 'movenet',
    ...parseCommon(raw, path, f, { scoreThreshold: 0.3, iouThreshold: 0.5 }),
    inputSize: f.number(raw, 'inputSize', path, 256, { min: 128, max: 1024, integer: true }),
  };
  if (config.inputSize % 32 !== 0) f.issue([...path, 'inputSize'], `must be a multiple of 32 (MoveNet's strides), got ${config.inputSize}`);
  const model = f.string(raw, 'model', path, undefined);
  if (model) config.model = isAbsolute(model) ? model : resolve(context.baseDir, model);
  classFilter(config.classes, MOVENET_LABELS, path, f);
  return config;
}
