import { DetectionError, type DetectionErrorCode } from '../../errors.js';

/** A detector that cannot start or run: the model file is missing, unreadable, altered, or not the shape expected. */
export type DetectorErrorCode = Extract<DetectionErrorCode, 'MODEL_NOT_FOUND' | 'MODEL_INVALID' | 'MODEL_MISMATCH' | 'MODEL_ALTERED' | 'INFERENCE_FAILED'>;

export class DetectorError extends DetectionError<DetectorErrorCode> {
  override readonly name = 'DetectorError';

  constructor(code: DetectorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
