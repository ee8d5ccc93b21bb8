/** The audio part of detection: ffmpeg ingest, detector plugins, pipeline. */
export { AudioIngest, ffmpegAudioArgs, isLiveUrl, SAMPLE_RATE, DEFAULT_FRAME_SAMPLES } from './ingest.js';
export type { AudioFrame, AudioIngestOptions, AudioIngestStats, ReconnectOptions } from './ingest.js';
export { ffmpegPath, parseDuration } from './ffmpeg.js';
export { AudioError, AudioIngestError, AudioConfigError, type AudioErrorCode, type ConfigIssue } from './errors.js';
export { AnalysedFrame, SpeechTimeline, SpectrumTap, ramp } from './detector.js';
export type { AudioDetector, AudioDetectorPlugin, AudioDetectorContext, AudioFinding } from './detector.js';
export { AUDIO_DETECTORS, AUDIO_DETECTOR_TYPES, audioPlugin, type AudioDetectorType } from './registry.js';
export { readMicrophoneConfig, loadMicrophoneConfig, defaultMicrophoneConfig, MICROPHONE_FIELDS } from './config.js';
export type { MicrophoneConfig, AudioDetectorEntry } from './config.js';
export { AudioPipeline, runAudio, type AudioPipelineOptions, type AudioPipelineStats, type RunAudioOptions } from './pipeline.js';
export { RealFft, hannWindow } from './fft.js';
export { ImpulsiveDetector, classifyImpulse, type ImpulseFeatures } from './detectors/impulsive/index.js';
export { RotorDetector } from './detectors/rotor/index.js';
export { SirenDetector } from './detectors/siren/index.js';
export { VoiceDetector, defaultSileroModelPath } from './detectors/voice/index.js';
export { toInt16, wavBytes } from './wav.js';
