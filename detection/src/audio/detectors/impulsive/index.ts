import type { AudioDetectorPlugin } from '../../detector.js';
import { IMPULSIVE_FIELDS, readImpulsiveConfig, type ImpulsiveConfig } from './impulsive-config.js';
import { ImpulsiveDetector } from './impulsive-detector.js';

export const impulsivePlugin: AudioDetectorPlugin<ImpulsiveConfig> = {
  type: 'impulsive',
  summary: 'gunshots and explosions: onset, crest factor, decay time, spectral shape',
  fields: IMPULSIVE_FIELDS,
  readConfig: readImpulsiveConfig,
  create: (config, ctx) => new ImpulsiveDetector(config, ctx),
};

export { ImpulsiveDetector, classifyImpulse, type ImpulseFeatures, type ImpulseClass } from './impulsive-detector.js';
export { readImpulsiveConfig, type ImpulsiveConfig } from './impulsive-config.js';
