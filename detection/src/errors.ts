/**
 * The one base error of @popart/detection: every error it throws is a `DetectionError` with a `code` saying what
 * kind of failure it is (and its `name` saying which part threw it); the subclasses add the field, input or offset.
 */
export type DetectionErrorCode =
  // inputs and ffmpeg (video and audio ingest)
  | 'FFMPEG_MISSING' | 'INPUT_NOT_FOUND' | 'INPUT_UNREADABLE' | 'NO_AUDIO' | 'SOURCE_FAILED' | 'SOURCE_UNREACHABLE' | 'ENCODE_FAILED'
  // models
  | 'MODEL_NOT_FOUND' | 'MODEL_INVALID' | 'MODEL_MISMATCH' | 'MODEL_ALTERED' | 'MODEL_FAILED' | 'INFERENCE_FAILED'
  // configuration and data
  | 'CONFIG_INVALID' | 'REMOTE_ID_INVALID' | 'PCAP_INVALID' | 'STIX_CONVERSION_FAILED';

export class DetectionError<C extends DetectionErrorCode = DetectionErrorCode> extends Error {
  override name = 'DetectionError';
  constructor(readonly code: C, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
