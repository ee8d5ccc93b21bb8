import type { AudioDetectorPlugin } from '../../detector.js';
import { readSirenConfig, SIREN_FIELDS, type SirenConfig } from './siren-config.js';
import { SirenDetector } from './siren-detector.js';

export const sirenPlugin: AudioDetectorPlugin<SirenConfig> = {
  type: 'siren',
  summary: "sirens: a tone sweeping (wail) or alternating (hi-lo) within 400–1900 Hz (reported as category 'other', sound=siren)",
  fields: SIREN_FIELDS,
  readConfig: readSirenConfig,
  create: (config) => new SirenDetector(config),
};

export { SirenDetector } from './siren-detector.js';
export { readSirenConfig, type SirenConfig } from './siren-config.js';
