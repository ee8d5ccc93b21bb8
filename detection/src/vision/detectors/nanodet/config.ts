/** `detector: { kind: nanodet, … }` — the bundled NanoDet-g COCO detector, fed letterboxed as it was trained. */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath } from '../../config/config-error.js';
import type { Fields, Raw } from '../../config/fields.js';
import { COCO_LABELS } from '../coco-labels.js';
import { classFilter, COMMON_DETECTOR_FIELDS, parseCommon, type CommonDetectorConfig, type DetectorConfigContext } from '../plugin.js';

export interface NanoDetConfig extends CommonDetectorConfig {
  kind: 'nanodet';
  /** Another NanoDet ONNX export with the same head; the bundled model when absent. */
  model?: string;
  /** Keep the aspect ratio and pad, as NanoDet was trained (default), or stretch the frame to the square input. */
  letterbox: boolean;
}

export const NANODET_FIELDS = ['kind', 'model', 'letterbox', ...COMMON_DETECTOR_FIELDS] as const;

export function parseNanoDetConfig(raw: Raw, path: ConfigPath, f: Fields, context: DetectorConfigContext): NanoDetConfig {
  const config: NanoDetConfig = {
    kind: 'nanodet', ...parseCommon(raw, path, f, { scoreThreshold: 0.35, iouThreshold: 0.6 }), letterbox: f.boolean(raw, 'letterbox', path, true),
  };
  const model = f.string(raw, 'model', path, undefined);
  if (model) config.model = isAbsolute(model) ? model : resolve(context.baseDir, model);
  classFilter(config.classes, COCO_LABELS, path, f);
  return config;
}
