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
import { parseSsdLiteConfig, SSDLITE_FIELDS, type SsdLitePersonConfig } from './ssdlite/config.js';
import { SsdLitePersonDetector } from './ssdlite/ssdlite-detector.js';
import { TiledDetector } from './tiled-detector.js';

export type DetectorConfig = NanoDetConfig | OnnxYoloConfig | MoveNetConfig | SsdLitePersonConfig;
export type DetectorKind = DetectorConfig['kind'];

type PluginMap = { [K in DetectorKind]: DetectorPlugin<Extract<DetectorConfig, { kind: K }>> };

export const DETECTOR_PLUGINS: Readonly<PluginMap> = Object.freeze({
  nanodet: {
    kind: 'nanodet',
    summary: 'NanoDet-g 416, 80 COCO classes, fed letterboxed as trained (bundled, Apache-2.0)',
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
  'ssdlite-person': {
    kind: 'ssdlite-person',
    summary: 'SSDLite-MobileNetV2 pedestrian detector, persons only, 300 × 300 stretched as trained (bundled, MIT)',
    fields: SSDLITE_FIELDS,
    parse: parseSsdLiteConfig,
    create: (c: SsdLitePersonConfig) => SsdLitePersonDetector.create(c),
  },
});

const isKind = (k: unknown): k is DetectorKind => typeof k === 'string' && Object.hasOwn(DETECTOR_PLUGINS, k);

/**
 * The camera's `detector` section: one detector (a mapping with its kind) or several (a list of them, combined:
 * e.g. persons from ssdlite-person, vehicles and aerial objects from nanodet). Absent: NanoDet with its defaults.
 */
export function parseDetectorsConfig(value: unknown, path: ConfigPath, f: Fields, context: DetectorConfigContext): DetectorConfig[] {
  if (!Array.isArray(value)) {
    const one = parseDetectorConfig(value, path, f, context);
    return one ? [one] : [];
  }
  if (value.length === 0) f.issue(path, 'must list at least one detector');
  return value.flatMap((item, i) => parseDetectorConfig(item, [...path, i], f, context) ?? []);
}

export function parseDetectorConfig(value: unknown, path: ConfigPath, f: Fields, context: DetectorConfigContext): DetectorConfig | undefined {
  const kinds = Object.keys(DETECTOR_PLUGINS).map((k) => `"${k}"`).join(', ');
  if (value === undefined || value === null) return { kind: 'nanodet', scoreThreshold: 0.35, iouThreshold: 0.6, maxDetections: 100, letterbox: true };
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

/**
 * The detector a configuration describes; with `tiles`, run on that grid of tiles (`grid`, or for `auto` the one
 * `autoGrid` chooses for the opened model: createCameraDetector sizes it from the camera's calibration).
 */
export async function createDetector(config: DetectorConfig, autoGrid?: (model: ObjectDetector) => [number, number]): Promise<ObjectDetector> {
  const plugin = DETECTOR_PLUGINS[config.kind] as DetectorPlugin<DetectorConfig>;
  const detector = await plugin.create(config);
  const tiles = config.tiles;
  const chosen = tiles?.grid ?? (tiles?.auto && autoGrid ? autoGrid(detector) : undefined);
  if (!tiles || !chosen || (chosen[0] * chosen[1] === 1 && tiles.fullFrame)) return detector;
  return new TiledDetector(detector, { grid: chosen, overlap: tiles.overlap, fullFrame: tiles.fullFrame, iouThreshold: config.iouThreshold, maxDetections: config.maxDetections });
}
