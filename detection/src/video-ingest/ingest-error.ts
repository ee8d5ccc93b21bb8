import { DetectionError, type DetectionErrorCode } from '../errors.js';

/** Errors of video ingest: a missing binary or input, an input ffmpeg cannot read, a live source that stays unreachable. */
export type IngestErrorCode = Extract<DetectionErrorCode, 'FFMPEG_MISSING' | 'INPUT_NOT_FOUND' | 'INPUT_UNREADABLE' | 'SOURCE_UNREACHABLE' | 'ENCODE_FAILED'>;

export class IngestError extends DetectionError<IngestErrorCode> {
  override readonly name = 'IngestError';
  /** The file, pattern or URL concerned, when there is one. */
  readonly input: string | undefined;

  constructor(code: IngestErrorCode, message: string, options: { cause?: unknown; input?: string } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.input = options.input;
  }
}
