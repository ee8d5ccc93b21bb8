/** Every audio detector plugin, by type. Explicit: adding a detector means adding a line here. */
import type { AudioDetectorPlugin } from './detector.js';
import { impulsivePlugin } from './detectors/impulsive/index.js';
import { rotorPlugin } from './detectors/rotor/index.js';
import { sirenPlugin } from './detectors/siren/index.js';
import { voicePlugin } from './detectors/voice/index.js';

export const AUDIO_DETECTORS = {
  voice: voicePlugin,
  impulsive: impulsivePlugin,
  rotor: rotorPlugin,
  siren: sirenPlugin,
} as const;

export type AudioDetectorType = keyof typeof AUDIO_DETECTORS;

export const AUDIO_DETECTOR_TYPES = Object.keys(AUDIO_DETECTORS) as AudioDetectorType[];

export function audioPlugin(type: string): AudioDetectorPlugin<unknown> | undefined {
  return Object.hasOwn(AUDIO_DETECTORS, type) ? (AUDIO_DETECTORS[type as AudioDetectorType] as AudioDetectorPlugin<unknown>) : undefined;
}
