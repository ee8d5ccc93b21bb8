/** Errors of the audio part of detection: a DetectionError, a code per kind, the field or input named. */
import { DetectionError, type DetectionErrorCode } from '../errors.js';

export type AudioErrorCode = Extract<DetectionErrorCode, 'FFMPEG_MISSING' | 'INPUT_NOT_FOUND' | 'INPUT_UNREADABLE' | 'NO_AUDIO' | 'SOURCE_FAILED' | 'CONFIG_INVALID' | 'MODEL_FAILED'>;

export class AudioError extends DetectionError<AudioErrorCode> {
  override name = 'AudioError';
}

/** Decoding failed: the input does not exist, ffmpeg cannot read it, or a live source gave up. */
export class AudioIngestError extends AudioError {
  override name = 'AudioIngestError';
  constructor(
    code: AudioErrorCode,
    message: string,
    options?: { cause?: unknown; input?: string; ffmpegLog?: string[] },
  ) {
    super(code, message, options);
    this.input = options?.input;
    this.ffmpegLog = options?.ffmpegLog ?? [];
  }
  readonly input: string | undefined;
  /** The last lines ffmpeg wrote to stderr. */
  readonly ffmpegLog: string[];
}

/** One problem in an audio configuration: the field path (e.g. `detectors[1].minHarmonics`) and why. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class AudioConfigError extends AudioError {
  override name = 'AudioConfigError';
  constructor(readonly issues: ConfigIssue[], source?: string) {
    super('CONFIG_INVALID', `${source ? `${source}: ` : ''}invalid audio configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}
