/** `detector: { kind: onnx-yolo, model: …, classMap: […] }` — an agency's own YOLO-family ONNX export. */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath } from '../../config/config-error.js';
import { describe, isRecord, type Fields, type Raw } from '../../config/fields.js';
import { classFilter, COMMON_DETECTOR_FIELDS, parseCommon, type CommonDetectorConfig, type DetectorConfigContext } from '../plugin.js';
import type { YoloLayout } from './decode.js';

export interface OnnxYoloConfig extends CommonDetectorConfig {
  kind: 'onnx-yolo';
  /** Path of the .onnx file. */
  model: string;
  /** Class names by class id, as the model was trained. */
  classMap: string[];
  layout: YoloLayout;
  /** Model input [width, height]; read from the model when it has fixed dimensions. */
  inputSize?: [number, number];
  /** Keep the aspect ratio and pad (YOLO's training preprocessing, default) or stretch. */
  letterbox: boolean;
}

export const ONNX_YOLO_FIELDS = ['kind', 'model', 'classMap', 'layout', 'inputSize', 'letterbox', ...COMMON_DETECTOR_FIELDS] as const;

/** `[drone, bird]` (id = position) or `{0: drone, 3: bird}`; ids without a name are called `class-N`. */
function parseClassMap(raw: Raw, path: ConfigPath, f: Fields): string[] {
  const value = raw.classMap;
  const p = [...path, 'classMap'];
  if (value === undefined || value === null) {
    f.issue(p, 'is required: the class names of the model, e.g. [drone, bird] or {0: drone, 1: bird}');
    return [];
  }
  if (Array.isArray(value)) return f.stringList(raw, 'classMap', path) ?? [];
  if (!isRecord(value)) {
    f.issue(p, `must be a list of class names or a mapping of class id to name, got ${describe(value)}`);
    return [];
  }
  const names: string[] = [];
  for (const [key, name] of Object.entries(value)) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id > 10_000) f.issue([...p, key], `class ids must be whole numbers from 0, got "${key}"`);
    else if (typeof name !== 'string' || !name.trim()) f.issue([...p, key], `must be a class name, got ${describe(name)}`);
    else names[id] = name;
  }
  return Array.from(names, (n, i) => n ?? `class-${i}`);
}

export function parseOnnxYoloConfig(raw: Raw, path: ConfigPath, f: Fields, context: DetectorConfigContext): OnnxYoloConfig {
  const model = f.requiredString(raw, 'model', path);
  const config: OnnxYoloConfig = {
    kind: 'onnx-yolo',
    ...parseCommon(raw, path, f, { scoreThreshold: 0.4, iouThreshold: 0.45 }),
    model: model && !isAbsolute(model) ? resolve(context.baseDir, model) : model,
    classMap: parseClassMap(raw, path, f),
    layout: f.oneOf(raw, 'layout', path, ['auto', 'boxes-first', 'anchors-first'] as const, 'auto'),
    letterbox: f.boolean(raw, 'letterbox', path, true),
  };
  if (raw.classMap !== undefined && config.classMap.length === 0) f.issue([...path, 'classMap'], 'must name at least one class');
  if (raw.inputSize !== undefined) {
    const size = f.pair(raw.inputSize, [...path, 'inputSize'], '[width, height]');
    if (size && size.every((n) => Number.isInteger(n) && n >= 8 && n <= 4096)) config.inputSize = size;
    else if (size) f.issue([...path, 'inputSize'], `must be whole numbers from 8 to 4096, got [${size.join(', ')}]`);
  }
  classFilter(config.classes, config.classMap, path, f);
  return config;
}
