import type { AudioDetectorPlugin } from '../../detector.js';
import { readVoiceConfig, VOICE_FIELDS, type VoiceConfig } from './voice-config.js';
import { VoiceDetector } from './voice-detector.js';

export const voicePlugin: AudioDetectorPlugin<VoiceConfig> = {
  type: 'voice',
  summary: 'voice activity (Silero VAD, ONNX): gates impulsive alarms during speech, optionally reports speech',
  fields: VOICE_FIELDS,
  readConfig: readVoiceConfig,
  create: (config, ctx) => VoiceDetector.create(config, ctx),
};

export { VoiceDetector, defaultSileroModelPath, SILERO_LICENSE } from './voice-detector.js';
export { readVoiceConfig, type VoiceConfig } from './voice-config.js';
