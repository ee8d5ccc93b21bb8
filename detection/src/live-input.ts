/**
 * The one design behind audio and video ingest (audio/ingest.ts, video-ingest/video-source.ts): an ffmpeg child
 * process whose stderr tail explains why it stopped (StderrTail), a bounded queue between it and the consumer that
 * either holds ffmpeg back or drops the oldest item (FrameQueue), and a live input reopened with exponential backoff
 * that gives up after too many failed attempts in a row (ReconnectBackoff). There is one retry level for an input: the
 * ingest reconnects it, with the policy of whatever runs it (the node passes its source's `restart` settings), and
 * once the ingest gives up (`inputGaveUp`) nothing above it tries again; what runs a source restarts it only when
 * something other than its input failed.
 */
import { DetectionError } from './errors.js';

/** Lines that say why ffmpeg stopped. */
const TELLING = /error|refused|not found|no such|invalid|denied|timed? ?out|unreachable|failed|unable|does not contain|matches no/i;

/** Keeps the last `max` lines ffmpeg wrote to stderr, to explain why it stopped. */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 20, private readonly onLine?: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
      this.onLine?.(line);
    }
  }

  all(): string[] {
    return this.partial.trim() ? [...this.lines, this.partial] : [...this.lines];
  }

  /** The most telling line: the last one that looks like an error, else the last line. */
  reason(): string {
    const lines = this.all();
    const telling = [...lines].reverse().find((l) => TELLING.test(l));
    return (telling ?? lines.at(-1) ?? 'ffmpeg said nothing').trim();
  }
}

/** The queue between ffmpeg and the consumer: at most `capacity` items, the oldest dropped and counted when asked. */
export class FrameQueue<T> {
  /** Items dropped because the consumer was behind. */
  dropped = 0;
  /** The most items ever waiting. */
  maxQueued = 0;
  private readonly items: T[] = [];

  constructor(readonly capacity: number, private readonly overflow: 'hold' | 'drop-oldest') {}

  get length(): number {
    return this.items.length;
  }

  /** Full: ffmpeg should wait (in `hold` mode). */
  get full(): boolean {
    return this.items.length >= this.capacity;
  }

  /** Adds an item; in `drop-oldest` mode a full queue first drops its oldest. True when one was dropped. */
  push(item: T): boolean {
    let dropped = false;
    if (this.overflow === 'drop-oldest' && this.full) {
      this.items.shift();
      this.dropped++;
      dropped = true;
    }
    this.items.push(item);
    if (this.items.length > this.maxQueued) this.maxQueued = this.items.length;
    return dropped;
  }

  shift(): T | undefined {
    return this.items.shift();
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** How a live input is reopened (camera `source.reconnect`, the node's source `restart`). */
export interface ReconnectOptions {
  /** Delay before the first reconnection, ms (default 500). */
  initialDelayMs?: number;
  /** Longest delay between attempts, ms (default: the ingest's). */
  maxDelayMs?: number;
  /** Growth of the delay after each failed attempt (default 2). */
  factor?: number;
  /** Reconnections in a row that deliver nothing before the input is given up; 0 or absent = never give up. */
  maxAttempts?: number;
}

/** The backoff of `options`, with the ingest's default longest delay. */
export function backoffPolicy(options: ReconnectOptions | undefined, defaultMaxDelayMs: number): BackoffPolicy {
  const maxAttempts = options?.maxAttempts ?? 0;
  return {
    initialDelayMs: options?.initialDelayMs ?? 500,
    maxDelayMs: options?.maxDelayMs ?? defaultMaxDelayMs,
    factor: options?.factor ?? 2,
    // maxAttempts counts the reconnections; the first attempt comes before them.
    giveUpAfter: maxAttempts > 0 ? maxAttempts + 1 : Infinity,
  };
}

/** The ingest gave a live input up after its reconnections (video SOURCE_UNREACHABLE, audio SOURCE_FAILED): retrying above it would multiply them. */
export function inputGaveUp(err: unknown): boolean {
  return err instanceof DetectionError && (err.code === 'SOURCE_UNREACHABLE' || err.code === 'SOURCE_FAILED');
}

export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Growth of the delay after each failed attempt in a row. */
  factor: number;
  /** Attempts in a row that ended without data after which the input is given up; Infinity = never. */
  giveUpAfter: number;
}

/** The wait before reconnecting after `failures` (≥ 1) attempts in a row: `initialDelayMs`, growing by `factor`, at most `maxDelayMs`. */
export function reconnectDelayMs(failures: number, r: { initialDelayMs: number; maxDelayMs: number; factor: number }): number {
  return Math.min(r.maxDelayMs, r.initialDelayMs * r.factor ** Math.max(0, failures - 1));
}

/**
 * Reopens a live input with exponential backoff. Each attempt that ends adds one to the count of attempts in a row;
 * an attempt that delivered data restarts the count at one (so the wait after it is `initialDelayMs`) and never gives up.
 */
export class ReconnectBackoff {
  /** Times the input was reopened. */
  reconnects = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly policy: BackoffPolicy) {}

  /** Attempts in a row so far (the last productive one included). */
  get failuresInRow(): number {
    return this.failures;
  }

  /**
   * Records the end of an attempt (`productive`: it delivered data). Returns the wait before the next attempt, or
   * undefined when the input is to be given up.
   */
  attemptEnded(productive: boolean): number | undefined {
    this.failures = productive ? 1 : this.failures + 1;
    if (!productive && this.failures >= this.policy.giveUpAfter) return undefined;
    return reconnectDelayMs(this.failures, this.policy);
  }

  /** Runs `reopen` after `delayMs` (counted as a reconnection when it runs, unless cancelled). */
  schedule(delayMs: number, reopen: () => void): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reconnects++;
      reopen();
    }, delayMs);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
