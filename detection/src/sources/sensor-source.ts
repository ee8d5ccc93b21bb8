/**
 * A sensor as a source of DetectionEvents, defined once for the `popart` command line and the node: a camera
 * (camera-source.ts), a microphone (microphone-source.ts) or a Remote ID receiver (remoteid-source.ts), each opened
 * from its validated configuration and read as an async iterable until its input ends or the signal aborts.
 */
import type { DetectionEvent } from '../events.js';
import type { ReconnectOptions } from '../live-input.js';

export interface SensorEvent {
  event: DetectionEvent;
  /** The occurrence is over (its last version). */
  ended?: boolean;
  /** Remote ID: the addresses the drone was heard from (they become an indicator). */
  transmitters?: string[];
}

export interface SensorSource {
  /** Live inputs are restarted when they end; a file that was read to its end is done. */
  readonly live: boolean;
  /** Events until the input ends or the signal aborts; throws when the input fails. Iterate once. */
  events(signal: AbortSignal): AsyncIterable<SensorEvent>;
  /** Counters for status and logs (packets, frames, dropped, …). */
  stats(): Record<string, number>;
  /** Releases what opening took (models) when the source is discarded without being iterated. */
  close?(): Promise<void>;
}

/** Where a source's messages go (the node's logger has this shape). */
export interface SourceLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** What a source needs besides its configuration: its id, where it writes evidence, its log. */
export interface SourceContext {
  /** The events' `source`. */
  id: string;
  /** Where this source writes its evidence (WAV and pcapng excerpts, camera snapshots). */
  evidenceDir: string;
  log: SourceLog;
  /**
   * How a live input is reconnected when what runs the source has its own retry settings (the node's `restart`): it
   * replaces the sensor configuration's, so that there is one retry level (live-input.ts).
   */
  reconnect?: ReconnectOptions;
}

/**
 * A bounded queue between a push callback (socket, child process) and an async iterator: when it is full the oldest
 * item is dropped and counted, so a slow publisher never makes memory grow.
 */
export class BoundedQueue<T> {
  dropped = 0;
  private readonly items: T[] = [];
  private wake: (() => void) | null = null;
  private failure: unknown = undefined;
  private closed = false;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
    this.wake?.();
  }

  fail(err: unknown): void {
    this.failure = err;
    this.closed = true;
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *drain(signal: AbortSignal): AsyncGenerator<T> {
    const onAbort = (): void => this.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.closed) return;
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = null;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
