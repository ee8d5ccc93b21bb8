export { IngestError, type IngestErrorCode } from './ingest-error.js';
export { detectSourceKind, redactUrl, type SourceKind } from './source-kind.js';
export {
  openVideo, VideoSource, type ReconnectOptions as VideoReconnectOptions, type SourceStats, type VideoFrame, type VideoSourceOptions,
} from './video-source.js';
export { LETTERBOX_GREY, scaledInputFilter, scaledTransform, type Letterbox, type ScaledImage, type ScaledInputSpec } from './scaled-input.js';
export { decodeImage, encodeJpeg, writeJpeg, type RawImage, type RgbImage } from './jpeg.js';
export { pictureBytes, rgbToYuv, yuv420pToRgb, type PixelFormat } from './pixels.js';
