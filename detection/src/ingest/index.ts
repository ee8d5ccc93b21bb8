export { IngestError, type IngestErrorCode } from './ingest-error.js';
export { detectSourceKind, redactUrl, type SourceKind } from './source-kind.js';
export {
  openVideo, VideoSource, type ReconnectOptions as VideoReconnectOptions, type SourceStats, type VideoFrame, type VideoSourceOptions,
} from './video-source.js';
export { decodeImage, encodeJpeg, writeJpeg, type RgbImage } from './jpeg.js';
