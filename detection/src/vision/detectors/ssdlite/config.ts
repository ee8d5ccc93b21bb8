/**
 * `detector: { kind: ssdlite-person, … }` — the bundled person detector (SSDLite-MobileNetV2, one class), fed as it was
 * trained: the frame (or tile) stretched to 300 × 300 (the TensorFlow Object Detection API's fixed_shape_resizer).
 */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath } from '../../config/config-error.js';
import type { Fields, Raw } from '../../config/fields.js';
import { classFilter, COMMON_DETECTOR_FIELDS, parseCommon, type CommonDetectorConfig, type DetectorConfigContext } from '../plugin.js';

export interface SsdLitePersonConfig extends CommonDetectorConfig {
  kind: 'ssdlite-person';
  /** Another TF Object Detection API SSD export converted the same way; the bundled model when absent. */
  model?: string;
}

export const SSDLITE_LABELS: readonly string[] = Object.freeze(['person']);
export const SSDLITE_FIELDS = ['kind', 'model', ...COMMON_DETECTOR_FIELDS] as const;

export function parseSsdLiteConfig(raw: Raw, path: ConfigPath, f: Fields, context: DetectorConfigContext): SsdLitePersonConfig {
  const config: SsdLitePersonConfig = { kind: 'ssdlite-person', ...parseCommon(raw, path, f, { scoreThreshold: 0.4, iouThreshold: 0.5 }) };
  const model = f.string(raw, 'model', path, undefined);
  if (model) config.model = isAbsolute(model) ? model : resolve(context.baseDir, model);
  classFilter(config.classes, SSDLITE_LABELS, path, f);
  return config;
}
