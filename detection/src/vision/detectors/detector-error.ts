/** A detector that cannot start or run: the model file is missing, unreadable, altered, or not the shape expected. */
export type DetectorErrorCode = 'MODEL_NOT_FOUND' | 'MODEL_INVALID' | 'MODEL_MISMATCH' | 'MODEL_ALTERED' | 'INFERENCE_FAILED';

export class DetectorError extends Error {
  override readonly name = 'DetectorError';

  constructor(readonly code: DetectorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
