/**
 * The detector plugins, in one explicit map (no registration by import side effect). The camera config's `detector`
 * section is a discriminated union on `kind`; each plugin parses its own fields.
 */
import type { ConfigPath } from '../config/config-error.js';
import { describe, isRecord, type Fields } from '../config/fields.js';
import type { ObjectDetector } from '../types.js';
import { NANODET_FIELDS, parseNanoDetConfig, type NanoDetConfig } from './nanodet/config.js';
import { NanoDetDetector } from './nanodet/nanodet-detector.js';
import { ONNX_YOLO_FIELDS, parseOnnxYoloConfig, type OnnxYoloConfig } from './onnx-yolo/config.js';
import { OnnxYoloDetector } from './onnx-yolo/yolo-detector.js';
import { MOVENET_FIELDS, parseMoveNetConfig, type MoveNetConfig } from './movenet/config.js';
import { MoveNetDetector } from './movenet/movenet-detector.js';
import type { DetectorConfigContext, DetectorPlugin } from './plugin.js';

export type DetectorConfig = NanoDetConfig | OnnxYoloConfig | MoveNetConfig;
export type DetectorKind = DetectorConfig['kind'];

type PluginMap = { [K in DetectorKind]: DetectorPlugin<Extract<DetectorConfig, { kind: K }>> };

export const DETECTOR_PLUGINS: Readonly<PluginMap> = Object.freeze({
  nanodet: {
    kind: 'nanodet',
    summary: 'NanoDet-m, 80 COCO classes (bundled, Apache-2.0)',
    fields: NANODET_FIELDS,
    parse: parseNanoDetConfig,
    create: (c: NanoDetConfig) => NanoDetDetector.create(c),
  },
  'onnx-yolo': {
    kind: 'onnx-yolo',
    summary: "a YOLO-family ONNX export (an agency's own model) with a class map",
    fields: ONNX_YOLO_FIELDS,
    parse: parseOnnxYoloConfig,
    create: (c: OnnxYoloConfig) => OnnxYoloDetector.create(c),
  },
  movenet: {
    kind: 'movenet',
    summary: 'MoveNet MultiPose Lightning: persons with 17 keypoints, up to 6 a frame (bundled, Apache-2.0)',
    fields: MOVENET_FIELDS,
    parse: parseMoveNetConfig,
    create: (c: MoveNetConfig) => MoveNetDetector.create(c),
  },
});

const isKind = (k: unknown): k is DetectorKind => typeof k === 'string' && Object.hasOwn(DETECTOR_PLUGINS, k);

export function parseDetectorConfig(value: unknown, path: ConfigPath, f: Fields, context: DetectorConfigContext): DetectorConfig | undefined {
  const kinds = Object.keys(DETECTOR_PLUGINS).map((k) => `"${k}"`).join(', ');
  if (value === undefined || value === null) return { kind: 'nanodet', scoreThreshold: 0.35, iouThreshold: 0.6, maxDetections: 100 };
  if (!isRecord(value)) {
    f.issue(path, `must be a mapping with a kind (one of ${kinds}), got ${describe(value)}`);
    return undefined;
  }
  const raw = value;
  if (!isKind(raw.kind)) {
    f.issue([...path, 'kind'], raw.kind === undefined ? `is required (one of ${kinds})` : `unknown detector "${String(raw.kind)}" (known: ${kinds})`);
    return undefined;
  }
  const plugin = DETECTOR_PLUGINS[raw.kind] as DetectorPlugin<DetectorConfig>;
  for (const key of Object.keys(raw)) {
    if (!plugin.fields.includes(key)) f.issue([...path, key], `unknown field for detector "${raw.kind}" (expected one of: ${plugin.fields.join(', ')})`);
  }
  return plugin.parse(raw, path, f, context);
}

export function createDetector(config: DetectorConfig): Promise<ObjectDetector> {
  const plugin = DETECTOR_PLUGINS[config.kind] as DetectorPlugin<DetectorConfig>;
  return plugin.create(config);
}
