/**
 * Video ingest: ffmpeg decodes a file, an image sequence or a live stream (RTSP, HTTP, UDP MPEG-TS, …) into raw
 * frames (rgb24, or yuv420p when asked) at a fixed rate and size, streamed from its stdout.
 *
 * Buffers are bounded. A file is read as fast as the consumer takes frames (ffmpeg's stdout is paused while the queue
 * is full, so no frame is lost). A live source cannot be paused: when the queue is full the oldest frame is dropped and
 * counted. A live source that ends, fails or stalls is reopened with exponential backoff. The child process, queue and
 * backoff are those of audio ingest too (../live-input.ts).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { backoffPolicy, FrameQueue, ReconnectBackoff, StderrTail } from '../live-input.js';
import { ffmpegPath, parseDuration } from './ffmpeg.js';
import { IngestError } from './ingest-error.js';
import { pictureBytes } from './pixels.js';
import { checkScaledInputSpec, scaledInputFilter, scaledTransform, type Letterbox } from './scaled-input.js';
import { detectSourceKind, isGlobPattern, redactUrl, type SourceKind } from './source-kind.js';
import type { SourceStats, VideoFrame, VideoSourceOptions } from './video-source-options.js';

export type { ReconnectOptions, SourceStats, VideoFrame, VideoSourceOptions } from './video-source-options.js';

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** Collects the bytes of one pipe into whole frames of `size` bytes. */
class FrameAssembler {
  readonly done: Buffer[] = [];
  private pending: Buffer;
  private filled = 0;

  constructor(private readonly size: number) {
    this.pending = Buffer.allocUnsafe(size);
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(this.size - this.filled, chunk.length - offset);
      chunk.copy(this.pending, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.size) {
        this.done.push(this.pending);
        this.pending = Buffer.allocUnsafe(this.size);
        this.filled = 0;
      }
    }
  }

  reset(): void {
    this.done.length = 0;
    this.filled = 0;
  }
}

/** Extra time allowed for ffmpeg to probe a live stream before its first frame. */
const PROBE_GRACE_MS = 3000;

export class VideoSource implements AsyncIterable<VideoFrame> {
  readonly kind: SourceKind;
  readonly frameBytes: number;
  readonly stats: SourceStats = { framesDecoded: 0, framesDelivered: 0, framesDropped: 0, reconnects: 0, durationS: undefined };

  private readonly options: Required<Pick<VideoSourceOptions, 'fps' | 'width' | 'height' | 'queueFrames' | 'overflow' | 'stallTimeoutMs'>> &
    VideoSourceOptions;
  private readonly backoff: ReconnectBackoff;
  private readonly startTime: Date;
  private readonly openedAt = Date.now();
  private readonly queue: FrameQueue<VideoFrame>;
  private waiter: (() => void) | undefined;
  private child: Child | undefined;
  /** The scaled pipe (fd 3) of the current ffmpeg, when `scaled` is set. */
  private scaledPipe: Readable | undefined;
  private readonly frames: FrameAssembler;
  private readonly scaledFrames: FrameAssembler | undefined;
  private readonly scaledLayout: Letterbox | undefined;
  private paused = false;
  private ended = false;
  private closed = false;
  private failure: IngestError | undefined;
  private framesThisAttempt = 0;
  private lastDataAt = Date.now();
  private stallTimer: NodeJS.Timeout | undefined;
  private started = false;
  private lastDropLog = 0;

  constructor(options: VideoSourceOptions) {
    const kind = options.kind ?? (options.inputFormat ? 'file' : detectSourceKind(options.input));
    for (const [name, value] of [['fps', options.fps], ['width', options.width], ['height', options.height]] as const) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
    }
    if (!Number.isInteger(options.width) || !Number.isInteger(options.height)) throw new RangeError('width and height must be integers');
    if (options.pixelFormat !== undefined && options.pixelFormat !== 'rgb24' && options.pixelFormat !== 'yuv420p') {
      throw new RangeError(`pixelFormat must be "rgb24" or "yuv420p", got ${String(options.pixelFormat)}`);
    }
    if (options.rtspListen && !/^rtsp:\/\//i.test(options.input)) {
      throw new RangeError(`rtspListen needs an rtsp:// URL to listen on, got ${redactUrl(options.input)}`);
    }
    this.kind = kind;
    this.options = {
      ...options,
      queueFrames: Math.max(1, options.queueFrames ?? 4),
      overflow: options.overflow ?? (kind === 'live' ? 'drop-oldest' : 'wait'),
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
    };
    this.backoff = new ReconnectBackoff(backoffPolicy(options.reconnect, 30_000));
    this.queue = new FrameQueue(this.options.queueFrames, this.options.overflow === 'drop-oldest' ? 'drop-oldest' : 'hold');
    this.startTime = options.startTime ?? new Date();
    this.frameBytes = pictureBytes(options.width, options.height, options.pixelFormat ?? 'rgb24');
    this.frames = new FrameAssembler(this.frameBytes);
    if (options.scaled) {
      checkScaledInputSpec(options.scaled);
      this.scaledFrames = new FrameAssembler(options.scaled.width * options.scaled.height * 3);
      const { scaleX, scaleY, padX, padY } = scaledTransform(options.width, options.height, options.scaled);
      this.scaledLayout = { scaleX, scaleY, padX, padY };
    }
  }

  /** The input as it may appear in logs (credentials hidden). */
  get displayName(): string {
    return redactUrl(this.options.input);
  }

  /** Starts ffmpeg; iteration starts it too. Throws at once for a local file or folder that does not exist. */
  open(): void {
    if (this.started) return;
    this.started = true;
    this.checkLocalInput();
    this.spawnOnce();
    if (this.kind === 'live') {
      this.stallTimer = setInterval(() => this.checkStall(), Math.min(1000, this.options.stallTimeoutMs / 2));
      this.stallTimer.unref();
    }
  }

  /** Stops ffmpeg and ends iteration. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    clearInterval(this.stallTimer);
    this.backoff.cancel();
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VideoFrame> {
    this.open();
    try {
      for (;;) {
        const frame = this.queue.shift();
        if (frame) {
          this.stats.framesDelivered++;
          if (this.paused && this.queue.length < this.options.queueFrames) {
            this.paused = false;
            this.child?.stdout.resume();
            this.scaledPipe?.resume();
          }
          yield frame;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => { this.waiter = resolve; });
      }
    } finally {
      await this.close();
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private checkLocalInput(): void {
    const { input } = this.options;
    if (this.options.inputFormat || (/^[a-z][a-z0-9+.-]*:/i.test(input) && !/^[a-z]:[\\/]/i.test(input))) return;
    if (this.kind === 'file' && !existsSync(input)) {
      throw new IngestError('INPUT_NOT_FOUND', `input file not found: ${input}`, { input });
    }
    if (this.kind === 'file' && statSync(input).isDirectory()) {
      throw new IngestError('INPUT_UNREADABLE', `input is a folder, not a video file: ${input} (for images use a pattern such as ${input}/%04d.png)`, { input });
    }
    if (this.kind === 'image-sequence' && !existsSync(dirname(input))) {
      throw new IngestError('INPUT_NOT_FOUND', `image sequence folder not found: ${dirname(input)}`, { input });
    }
  }

  private args(): string[] {
    const { input, fps, width, height, kind = this.kind } = this.options;
    const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
    if (kind === 'image-sequence') {
      args.push('-f', 'image2', '-framerate', String(fps));
      if (isGlobPattern(input)) args.push('-pattern_type', 'glob');
    } else if (kind === 'live') {
      if (/^rtsps?:/i.test(input)) {
        args.push('-rtsp_transport', this.options.rtspTransport ?? 'tcp');
        if (this.options.rtspListen) args.push('-rtsp_flags', 'listen');
      }
      // Probe one second of stream, not five: a live source starts delivering sooner.
      args.push('-analyzeduration', '1000000', '-probesize', '1000000');
    } else if (this.options.loop) {
      args.push('-stream_loop', String(this.options.loop));
    }
    if (this.options.inputFormat && kind !== 'image-sequence') args.push('-f', this.options.inputFormat);
    args.push('-i', input, '-an', '-sn', '-dn');
    const { scaled, pixelFormat = 'rgb24' } = this.options;
    if (!scaled) {
      args.push('-vf', `fps=${fps},scale=${width}:${height}`, '-pix_fmt', pixelFormat, '-f', 'rawvideo', 'pipe:1');
      return args;
    }
    // One decode, two outputs: the camera-sized frame on stdout, the detector-sized one (scaled from it) on fd 3.
    // Split in yuv420p, so each branch converts to rgb24 in its own single swscale pass; left to negotiate, ffmpeg
    // splits in rgb24 and scales packed RGB, which costs it twice the CPU (4:2:0 is what JPEG snapshots keep anyway).
    // A yuv420p camera frame then needs no conversion at all.
    args.push(
      '-filter_complex',
      `[0:v]fps=${fps},scale=${width}:${height},format=yuv420p,split=2[camera][m];[m]${scaledInputFilter(width, height, scaled)}[model]`,
      '-map', '[camera]', '-pix_fmt', pixelFormat, '-f', 'rawvideo', 'pipe:1',
      '-map', '[model]', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:3',
    );
    return args;
  }

  private spawnOnce(): void {
    const stderr = new StderrTail(20, (line) => {
      if (this.stats.durationS === undefined && this.kind !== 'live') {
        const d = parseDuration(line);
        if (d !== undefined) this.stats.durationS = d;
      }
    });
    let child: Child;
    try {
      const stdio = this.options.scaled ? ['ignore', 'pipe', 'pipe', 'pipe'] as const : ['ignore', 'pipe', 'pipe'] as const;
      child = spawn(this.options.ffmpegPath ?? ffmpegPath(), this.args(), { stdio: [...stdio] }) as Child;
    } catch (cause) {
      this.fail(cause instanceof IngestError ? cause : new IngestError('FFMPEG_MISSING', `cannot start ffmpeg: ${String(cause)}`, { cause }));
      return;
    }
    this.child = child;
    this.framesThisAttempt = 0;
    this.frames.reset();
    this.scaledFrames?.reset();
    this.lastDataAt = Date.now();
    child.stdout.on('data', (chunk: Buffer) => this.onData(this.frames, chunk));
    const scaledPipe = this.scaledFrames ? (child.stdio[3] as Readable | null) ?? undefined : undefined;
    this.scaledPipe = scaledPipe;
    if (scaledPipe && this.scaledFrames) {
      const frames = this.scaledFrames;
      scaledPipe.on('data', (chunk: Buffer) => this.onData(frames, chunk));
      scaledPipe.on('error', () => { /* ffmpeg's exit is reported by 'close' */ });
      if (this.paused) scaledPipe.pause();
    }
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (cause) => {
      this.fail(new IngestError('FFMPEG_MISSING', `cannot start ffmpeg (${cause.message})`, { cause }));
    });
    child.on('close', (code, signal) => {
      if (this.child === child) {
        this.child = undefined;
        this.scaledPipe = undefined;
      }
      this.onExit(code, signal, stderr);
    });
  }

  private onData(assembler: FrameAssembler, chunk: Buffer): void {
    this.lastDataAt = Date.now();
    assembler.push(chunk);
    // A frame is whole when its camera-sized image (and its scaled copy, when asked for) has arrived.
    while (this.frames.done.length && (!this.scaledFrames || this.scaledFrames.done.length)) {
      this.emitFrame(this.frames.done.shift()!, this.scaledFrames?.done.shift());
    }
  }

  private emitFrame(data: Buffer, scaledData: Buffer | undefined): void {
    const index = this.stats.framesDecoded++;
    this.framesThisAttempt++;
    const { fps, width, height } = this.options;
    let timeS: number;
    let capturedAt: Date;
    if (this.kind === 'live') {
      const now = Date.now();
      timeS = (now - this.openedAt) / 1000;
      capturedAt = new Date(now);
    } else {
      timeS = index / fps;
      capturedAt = new Date(this.startTime.getTime() + timeS * 1000);
    }
    const frame: VideoFrame = { data, width, height, format: this.options.pixelFormat ?? 'rgb24', index, timeS, capturedAt };
    if (scaledData && this.options.scaled && this.scaledLayout) frame.scaled = { ...this.options.scaled, data: scaledData, transform: this.scaledLayout };
    if (this.queue.push(frame)) {
      this.stats.framesDropped = this.queue.dropped;
      const now = Date.now();
      if (now - this.lastDropLog > 5000) {
        this.lastDropLog = now;
        this.options.log?.(`${this.displayName}: consumer too slow, ${this.stats.framesDropped} frame(s) dropped so far`);
      }
    }
    if (this.options.overflow === 'wait' && this.queue.full && !this.paused) {
      this.paused = true;
      this.child?.stdout.pause();
      this.scaledPipe?.pause();
    }
    this.wake();
  }

  private checkStall(): void {
    if (this.closed || !this.child) return;
    // A listening source waits for its publisher as long as it takes; once frames flow, a stall restarts it.
    if (this.options.rtspListen && this.framesThisAttempt === 0) return;
    // Before the first frame of a connection ffmpeg is still probing the stream: allow it PROBE_GRACE_MS more.
    const limit = this.options.stallTimeoutMs + (this.framesThisAttempt === 0 ? PROBE_GRACE_MS : 0);
    if (Date.now() - this.lastDataAt > limit) {
      this.options.log?.(`${this.displayName}: no data for ${(limit / 1000).toFixed(1)} s, restarting`);
      this.lastDataAt = Date.now();
      this.child.kill('SIGKILL');
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, stderr: StderrTail): void {
    if (this.closed) return;
    const reason = signal === 'SIGKILL' ? 'no data (stalled)' : stderr.reason();
    if (this.kind !== 'live') {
      if (code !== 0 && this.framesThisAttempt === 0) {
        this.fail(new IngestError('INPUT_UNREADABLE', `ffmpeg cannot read ${this.displayName}: ${reason}`, { input: this.displayName }));
        return;
      }
      if (code !== 0) this.options.log?.(`${this.displayName}: ffmpeg stopped early (${reason})`);
      this.ended = true;
      this.wake();
      return;
    }
    const delay = this.backoff.attemptEnded(this.framesThisAttempt > 0);
    if (delay === undefined) {
      this.fail(new IngestError('SOURCE_UNREACHABLE',
        `${this.displayName} unreachable after ${this.options.reconnect?.maxAttempts} attempt(s): ${reason}`, { input: this.displayName }));
      return;
    }
    const what = this.framesThisAttempt > 0 ? 'ended' : 'unreachable';
    this.options.log?.(`${this.displayName} ${what} (${reason}); reconnecting in ${(delay / 1000).toFixed(1)} s`);
    this.backoff.schedule(delay, () => {
      if (this.closed) return;
      this.stats.reconnects = this.backoff.reconnects;
      this.spawnOnce();
    });
  }

  private fail(error: IngestError): void {
    if (this.failure) return;
    this.failure = error;
    this.ended = true;
    clearInterval(this.stallTimer);
    this.wake();
  }
}

/** Opens a video source (convenience for `new VideoSource(options)`). */
export function openVideo(options: VideoSourceOptions): VideoSource {
  return new VideoSource(options);
}
