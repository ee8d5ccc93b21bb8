/** The detector plugin contract: each plugin reads its own config section and builds detectors from it. */
import type { ConfigPath } from '../config/config-error.js';
import type { Fields, Raw } from '../config/fields.js';
import type { ObjectDetector } from '../types.js';
import { parseTiles, type TilesConfig } from './tiles.js';

export interface DetectorConfigContext {
  /** Folder of the configuration file: relative model paths are resolved against it. */
  baseDir: string;
}

/** Settings every detector shares. */
export interface CommonDetectorConfig {
  /** Detections below this score are dropped (0..1). */
  scoreThreshold: number;
  /** Boxes of the same class overlapping more than this (IoU) are merged by non-maximum suppression. */
  iouThreshold: number;
  maxDetections: number;
  /** Keep only these class names (all when absent). */
  classes?: string[];
  /** onnxruntime intra-op threads (its default when absent). */
  threads?: number;
  /** Run on overlapping tiles of the frame (wide or high-resolution views), boxes merged across tiles. */
  tiles?: TilesConfig;
}

export interface DetectorPlugin<C extends { kind: string }> {
  readonly kind: C['kind'];
  /** One line for `--help` and docs. */
  readonly summary: string;
  /** The fields this plugin accepts besides `kind`. */
  readonly fields: readonly string[];
  parse(raw: Raw, path: ConfigPath, fields: Fields, context: DetectorConfigContext): C;
  create(config: C): Promise<ObjectDetector>;
}

export const COMMON_DETECTOR_FIELDS = ['scoreThreshold', 'iouThreshold', 'maxDetections', 'classes', 'threads', 'tiles'] as const;

export function parseCommon(raw: Raw, path: ConfigPath, f: Fields, defaults: { scoreThreshold: number; iouThreshold: number }): CommonDetectorConfig {
  const config: CommonDetectorConfig = {
    scoreThreshold: f.number(raw, 'scoreThreshold', path, defaults.scoreThreshold, { min: 0, max: 1 }),
    iouThreshold: f.number(raw, 'iouThreshold', path, defaults.iouThreshold, { min: 0, max: 1 }),
    maxDetections: f.number(raw, 'maxDetections', path, 100, { min: 1, max: 10_000, integer: true }),
  };
  const classes = f.stringList(raw, 'classes', path);
  if (classes) config.classes = classes;
  const threads = f.number(raw, 'threads', path, undefined, { min: 1, max: 64, integer: true });
  if (threads !== undefined) config.threads = threads;
  const tiles = parseTiles(raw, path, f);
  if (tiles) config.tiles = tiles;
  return config;
}

/** Class ids to keep for a `classes` filter, or undefined for all; unknown names are reported on the field. */
export function classFilter(classes: string[] | undefined, labels: readonly string[], path: ConfigPath, f: Fields): Set<number> | undefined {
  if (!classes) return undefined;
  const ids = new Set<number>();
  classes.forEach((name, i) => {
    const id = labels.indexOf(name);
    if (id < 0) f.issue([...path, 'classes', i], `unknown class "${name}" for this detector`);
    else ids.add(id);
  });
  return ids;
}
