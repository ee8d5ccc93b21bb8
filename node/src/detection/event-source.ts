/**
 * What the detection runner consumes: a source of DetectionEvents. Each kind of sensor has one factory, registered in
 * an explicit map (no import side effects); the factories wrap the pipelines of @popart/detection.
 */
import type { DetectionEvent } from '@popart/detection';
import type { Logger } from '../log.js';

export interface SourceEvent {
  event: DetectionEvent;
  /** The occurrence is over (its last version). */
  ended?: boolean;
  /** Remote ID: the addresses the drone was heard from (they become an indicator). */
  transmitters?: string[];
}

export interface EventSource {
  /** Live inputs are restarted when they end; a file that was read to its end is done. */
  readonly live: boolean;
  /** Events until the input ends or the signal aborts; throws when the input fails. Iterate once. */
  events(signal: AbortSignal): AsyncIterable<SourceEvent>;
  /** Counters for status and logs (packets, frames, dropped, …). */
  stats(): Record<string, number>;
  /** Releases what opening took (models) when the source is discarded without being iterated. */
  close?(): Promise<void>;
}

export interface SourceContext {
  /** Where this source writes its evidence: <dataDir>/evidence/<source id>. */
  evidenceDir: string;
  log: Logger;
}

/** Sleeps, waking early (without error) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
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
