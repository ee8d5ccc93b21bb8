import type { AudioDetectorPlugin } from '../../detector.js';
import { readRotorConfig, ROTOR_FIELDS, type RotorConfig } from './rotor-config.js';
import { RotorDetector } from './rotor-detector.js';

export const rotorPlugin: AudioDetectorPlugin<RotorConfig> = {
  type: 'rotor',
  summary: 'drone rotor signature: a stable harmonic comb (fundamental 80–800 Hz) lasting ≥ 2 s',
  fields: ROTOR_FIELDS,
  readConfig: readRotorConfig,
  create: (config, ctx) => new RotorDetector(config, ctx.speech),
};

export { RotorDetector, type CombEstimate } from './rotor-detector.js';
export { readRotorConfig, type RotorConfig } from './rotor-config.js';
