/**
 * Audio ingest: any file, or live stream, ffmpeg can read → 16 kHz mono PCM frames of a fixed size.
 *
 * ffmpeg decodes to signed 16-bit little-endian PCM on its stdout; frames carry both the s16 samples and
 * the same samples as floats in [-1, 1). The queue between ffmpeg and the consumer is bounded: for files
 * ffmpeg is paused while it is full (nothing is lost, ffmpeg waits); for live sources the oldest frames
 * are dropped and counted (a live source cannot wait). Media time counts dropped frames, so timestamps
 * stay true. Live sources that end or fail are reopened with exponential backoff. The child process, queue and
 * backoff are those of video ingest too (../live-input.ts).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { backoffPolicy, FrameQueue, ReconnectBackoff, StderrTail, type ReconnectOptions } from '../live-input.js';
import { parseDuration, spawnFfmpeg } from './ffmpeg.js';
import { AudioIngestError } from './errors.js';

export const SAMPLE_RATE = 16_000;
/** 32 ms at 16 kHz: the Silero VAD window, and the hop of every detector. */
export const DEFAULT_FRAME_SAMPLES = 512;

export interface AudioFrame {
  /** Samples as floats in [-1, 1). */
  samples: Float32Array;
  /** The same samples as signed 16-bit PCM. */
  pcm16: Int16Array;
  /** Index of the first sample since the start of the input (dropped frames included). */
  startSample: number;
  /** startSample / 16000. */
  mediaTimeS: number;
}

export type { ReconnectOptions } from '../live-input.js';

export interface AudioIngestOptions {
  /** File path or URL (rtsp://, http://, udp://, tcp://, srt://, rtmp://, …). */
  input: string;
  /** Live sources are reopened when they end; default: true for URLs, false for files. */
  live?: boolean;
  /** Samples per frame; default 512 (32 ms). */
  frameSamples?: number;
  /** Most frames held between ffmpeg and the consumer; default 256 (8 s of audio). */
  queueFrames?: number;
  /** When the queue is full: `block` pauses ffmpeg (files), `drop` drops the oldest frame (live). */
  overflow?: 'block' | 'drop';
  reconnect?: ReconnectOptions;
  /** ffmpeg options placed before `-i` (e.g. `['-re']` to read a file at its native rate). */
  inputArgs?: string[];
  /** Decoder threads for ffmpeg; default 1. */
  threads?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Called once the input's duration is known (files). */
  onDuration?: (seconds: number) => void;
  /** Called before a live source is reopened. */
  onReconnect?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface AudioIngestStats {
  /** Frames handed to the consumer. */
  frames: number;
  /** Frames dropped because the consumer was behind (live sources only). */
  dropped: number;
  /** Times a live source was reopened. */
  reconnects: number;
  /** Samples read from ffmpeg, dropped ones included. */
  samples: number;
  /** The most frames ever waiting in the queue (≤ queueFrames). */
  maxQueued: number;
}

const LIVE_URL = /^(rtsps?|rtmps?|https?|udp|tcp|srt|rtp):\/\//i;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

export function isLiveUrl(input: string): boolean {
  return LIVE_URL.test(input);
}

/** The ffmpeg arguments that decode `input` to 16 kHz mono s16le on stdout. */
export function ffmpegAudioArgs(input: string, opts: { inputArgs?: string[]; threads?: number; live?: boolean } = {}): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  if (opts.live) {
    // Start within half a second instead of probing 5 s of stream; stalled TCP-like sources time out.
    args.push('-analyzeduration', '500000', '-probesize', '32768');
    if (/^(https?|tcp|rtmps?):\/\//i.test(input)) args.push('-rw_timeout', '10000000');
  }
  args.push(...(opts.inputArgs ?? []));
  args.push('-threads', String(opts.threads ?? 1), '-i', input);
  args.push('-vn', '-sn', '-dn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-acodec', 'pcm_s16le', '-f', 's16le', 'pipe:1');
  return args;
}

type Waiter = { resolve: (r: IteratorResult<AudioFrame>) => void; reject: (e: unknown) => void };

/**
 * One audio source. Iterate it (`for await (const frame of ingest)`) once; `close()` stops ffmpeg.
 */
export class AudioIngest implements AsyncIterable<AudioFrame> {
  readonly input: string;
  readonly live: boolean;
  readonly frameSamples: number;
  readonly stats: AudioIngestStats = { frames: 0, dropped: 0, reconnects: 0, samples: 0, maxQueued: 0 };
  durationS: number | undefined;

  private readonly queueFrames: number;
  private readonly overflow: 'block' | 'drop';
  private readonly opts: AudioIngestOptions;
  private readonly queue: FrameQueue<AudioFrame>;
  private readonly backoff: ReconnectBackoff;
  private waiter: Waiter | undefined;
  private child: ChildProcessWithoutNullStreams | undefined;
  private partial: Int16Array;
  private partialLen = 0;
  /** Bytes read from ffmpeg and not yet made into frames. */
  private backlog: Buffer | undefined;
  private exitPending: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private ended = false;
  private failure: unknown;
  private closed = false;
  private started = false;
  private paused = false;
  private stderr = new StderrTail(40);
  private samplesThisAttempt = 0;

  constructor(opts: AudioIngestOptions) {
    this.opts = opts;
    this.input = opts.input;
    this.live = opts.live ?? isLiveUrl(opts.input);
    this.frameSamples = opts.frameSamples ?? DEFAULT_FRAME_SAMPLES;
    this.queueFrames = opts.queueFrames ?? 256;
    this.overflow = opts.overflow ?? (this.live ? 'drop' : 'block');
    if (!Number.isInteger(this.frameSamples) || this.frameSamples < 16) {
      throw new RangeError(`frameSamples must be an integer ≥ 16, got ${this.frameSamples}`);
    }
    if (!Number.isInteger(this.queueFrames) || this.queueFrames < 1) {
      throw new RangeError(`queueFrames must be an integer ≥ 1, got ${this.queueFrames}`);
    }
    this.partial = new Int16Array(this.frameSamples);
    this.queue = new FrameQueue(this.queueFrames, this.overflow === 'drop' ? 'drop-oldest' : 'hold');
    this.backoff = new ReconnectBackoff(backoffPolicy(opts.reconnect, 10_000));
    opts.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** Frames waiting for the consumer now. */
  get queued(): number {
    return this.queue.length;
  }

  [Symbol.asyncIterator](): AsyncIterator<AudioFrame> {
    if (this.started) throw new Error('an AudioIngest can be iterated once');
    this.started = true;
    this.checkInput();
    this.spawn();
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Stops ffmpeg (by its pid) and ends the iteration. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backoff.cancel();
    this.killChild();
    this.ended = true;
    this.queue.clear();
    this.wake();
  }

  private checkInput(): void {
    if (URL_LIKE.test(this.input) || this.input === '-' || this.input.startsWith('pipe:')) return;
    if (!existsSync(this.input)) {
      throw new AudioIngestError('INPUT_NOT_FOUND', `audio input "${this.input}" does not exist`, { input: this.input });
    }
    if (statSync(this.input).isDirectory()) {
      throw new AudioIngestError('INPUT_UNREADABLE', `audio input "${this.input}" is a directory, not a file`, { input: this.input });
    }
  }

  private spawn(): void {
    this.stderr = new StderrTail(40, (line) => this.onStderrLine(line));
    this.samplesThisAttempt = 0;
    this.partialLen = 0;
    this.backlog = undefined;
    this.exitPending = undefined;
    const args = ffmpegAudioArgs(this.input, {
      ...(this.opts.inputArgs ? { inputArgs: this.opts.inputArgs } : {}),
      ...(this.opts.threads !== undefined ? { threads: this.opts.threads } : {}),
      live: this.live,
    });
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawnFfmpeg(args, this.opts.env);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.child = child;
    this.paused = false;
    child.stdin.end();
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => this.stderr.push(text));
    child.on('error', (err) => {
      this.fail(new AudioIngestError('FFMPEG_MISSING', `cannot start ffmpeg: ${err.message}`, { cause: err, input: this.input }));
    });
    child.on('close', (code, signal) => this.onExit(child, code, signal));
  }

  private onStderrLine(line: string): void {
    if (this.durationS === undefined && line.includes('Duration:')) {
      const d = parseDuration(line);
      if (d !== undefined && d > 0) {
        this.durationS = d;
        this.opts.onDuration?.(d);
      }
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.backlog = this.backlog && this.backlog.length > 0 ? Buffer.concat([this.backlog, chunk]) : chunk;
    this.drainBacklog();
  }

  /**
   * Turns the bytes read from ffmpeg into frames. In block mode it stops when the queue is full and keeps
   * the rest of the bytes (ffmpeg is paused meanwhile), so the queue never holds more than queueFrames.
   */
  private drainBacklog(): void {
    const buf = this.backlog;
    if (!buf) return;
    let i = 0;
    while (i + 1 < buf.length) {
      if (this.overflow === 'block' && this.queue.full) break;
      this.partial[this.partialLen++] = buf.readInt16LE(i);
      i += 2;
      if (this.partialLen === this.frameSamples) this.emitPartial();
    }
    this.backlog = i < buf.length ? buf.subarray(i) : undefined;
    if (this.overflow === 'block' && this.backlog && this.backlog.length > 1 && !this.paused && this.child) {
      this.child.stdout.pause();
      this.paused = true;
    }
  }

  private emitPartial(): void {
    const pcm16 = this.partial;
    this.partial = new Int16Array(this.frameSamples);
    const n = this.partialLen;
    this.partialLen = 0;
    const samples = new Float32Array(this.frameSamples);
    for (let i = 0; i < n; i++) samples[i] = pcm16[i]! / 32768;
    const startSample = this.stats.samples;
    this.stats.samples += this.frameSamples;
    this.samplesThisAttempt += n;
    this.enqueue({ samples, pcm16, startSample, mediaTimeS: startSample / SAMPLE_RATE });
  }

  private enqueue(frame: AudioFrame): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.stats.frames++;
      w.resolve({ done: false, value: frame });
      return;
    }
    if (this.queue.push(frame)) this.stats.dropped = this.queue.dropped;
    if (this.queue.maxQueued > this.stats.maxQueued) this.stats.maxQueued = this.queue.maxQueued;
  }

  private next(): Promise<IteratorResult<AudioFrame>> {
    const frame = this.queue.shift();
    if (frame) {
      this.stats.frames++;
      if (this.backlog) this.drainBacklog();
      const starved = !this.backlog || this.backlog.length < 2;
      if (this.paused && starved && this.queue.length <= this.queueFrames / 2 && this.child) {
        this.paused = false;
        this.child.stdout.resume();
      }
      if (this.exitPending && starved) this.finishExit();
      return Promise.resolve({ done: false, value: frame });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    if (this.failure !== undefined) w.reject(this.failure);
    else w.resolve({ done: true, value: undefined });
  }

  private fail(err: unknown): void {
    if (this.closed || this.failure !== undefined) return;
    this.failure = err;
    this.ended = true;
    this.killChild();
    this.wake();
  }

  private killChild(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private onExit(child: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.closed) return;
    this.exitPending = { code, signal };
    // Bytes still waiting for room in the queue (block mode) become frames before the end is told.
    if (!this.backlog || this.backlog.length < 2) this.finishExit();
  }

  private finishExit(): void {
    const exit = this.exitPending;
    if (!exit) return;
    this.exitPending = undefined;
    this.backlog = undefined;
    const { code, signal } = exit;
    const gotAudio = this.samplesThisAttempt > 0 || this.partialLen > 0;
    if (this.partialLen > 0) this.emitPartial();
    if (this.live) {
      this.scheduleReconnect(code === 0 ? 'source ended' : `ffmpeg exited (${signal ?? `code ${code}`}): ${this.reason()}`, gotAudio);
      return;
    }
    if (code === 0 && gotAudio) {
      this.ended = true;
      this.wake();
      return;
    }
    const reason = this.reason();
    const noAudio = /does not contain any stream|matches no streams|Output file #0 does not contain/i.test(reason) || (code === 0 && !gotAudio);
    this.fail(
      new AudioIngestError(
        noAudio ? 'NO_AUDIO' : 'INPUT_UNREADABLE',
        noAudio ? `"${this.input}" has no audio stream` : `ffmpeg cannot read "${this.input}": ${reason}`,
        { input: this.input, ffmpegLog: this.stderr.all() },
      ),
    );
  }

  /** The most telling line of ffmpeg's log: the last one that names an error, else the last line. */
  private reason(): string {
    return this.stderr.reason();
  }

  private scheduleReconnect(reason: string, gotAudio: boolean): void {
    const delayMs = this.backoff.attemptEnded(gotAudio);
    if (delayMs === undefined) {
      this.fail(
        new AudioIngestError('SOURCE_FAILED', `live source "${this.input}" gave no audio in ${this.backoff.failuresInRow} attempts in a row: ${reason}`, {
          input: this.input,
          ffmpegLog: this.stderr.all(),
        }),
      );
      return;
    }
    this.stats.reconnects++;
    this.opts.onReconnect?.({ attempt: this.stats.reconnects, delayMs, reason });
    this.backoff.schedule(delayMs, () => {
      if (!this.closed) this.spawn();
    });
  }
}
