/** What a VideoSource is asked for (input, rate, size, queue, reconnect, RTSP), and what it delivers and counts. */
import type { PixelFormat } from './pixels.js';
import type { ScaledImage, ScaledInputSpec } from './scaled-input.js';
import type { SourceKind } from './source-kind.js';
export type { ReconnectOptions } from '../live-input.js';
import type { ReconnectOptions } from '../live-input.js';

export interface VideoSourceOptions {
  /** File path, image sequence pattern (`frames/%04d.png`, `frames/*.jpg`) or stream URL. */
  input: string;
  /** Frames per second delivered (ffmpeg's fps filter drops or repeats frames to reach it). */
  fps: number;
  width: number;
  height: number;
  /** Detected from `input` when absent. */
  kind?: SourceKind;
  /** ffmpeg input format (`-f`), e.g. `lavfi` for a synthetic source; probed when absent. */
  inputFormat?: string;
  /** Frames held between ffmpeg and the consumer (default 4). */
  queueFrames?: number;
  /** What to do when the queue is full: `wait` pauses ffmpeg (default for files), `drop-oldest` (default for live). */
  overflow?: 'wait' | 'drop-oldest';
  reconnect?: ReconnectOptions;
  /** A live source that delivers no data for this long is restarted (default 10 000 ms). */
  stallTimeoutMs?: number;
  /** RTSP transport (default tcp). */
  rtspTransport?: 'tcp' | 'udp';
  /**
   * RTSP push instead of pull: ffmpeg listens on the rtsp:// URL's host and port for a camera or encoder that
   * publishes to it (ANNOUNCE/RECORD). When the publisher leaves, the source listens again (with the reconnect backoff).
   */
  rtspListen?: boolean;
  /** Files: read the input this many extra times (-1 = forever); used by benchmarks for long runs. */
  loop?: number;
  /**
   * Also deliver each frame scaled to a detector's input (`frame.scaled`), scaled by ffmpeg on a second pipe: the
   * detector then skips its own resize. Pass the detector's `input`.
   */
  scaled?: ScaledInputSpec;
  /**
   * Layout of the camera-sized frames (default rgb24). yuv420p is what decoders produce: ffmpeg hands it over
   * without converting, at half the bytes; a detector fed by `scaled` never reads it, and snapshots encode it as is.
   */
  pixelFormat?: PixelFormat;
  /** Wall-clock time of media time 0 (files; default: when the source opens). */
  startTime?: Date;
  ffmpegPath?: string;
  /** Operational messages (reconnects, stalls, drops). */
  log?: (message: string) => void;
}

export interface VideoFrame {
  /** Row-major, in `format`: rgb24 (`width * height * 3` bytes) or yuv420p. */
  data: Buffer;
  width: number;
  height: number;
  format: PixelFormat;
  /** Sequence number from 0, continuing across reconnects. */
  index: number;
  /** Seconds from the start: index / fps for files and image sequences, wall-clock time since opening for live. */
  timeS: number;
  /** When the frame was captured: startTime + timeS for files, the time it was read for live sources. */
  capturedAt: Date;
  /** The same frame at the detector's input size (when the `scaled` option is set). */
  scaled?: ScaledImage;
}

export interface SourceStats {
  framesDecoded: number;
  framesDelivered: number;
  framesDropped: number;
  reconnects: number;
  /** Input duration in seconds, from ffmpeg's banner (files), once known. */
  durationS: number | undefined;
}
