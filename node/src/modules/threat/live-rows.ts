/**
 * The live paths (the alerts, related and correlations subscriptions): items as the node produces them (rows of
 * committed blocks, new correlations), chosen, passed through the egress gate for the viewer and written to the audit
 * log, queued for the subscriber in order. A subscriber more than `maxBuffered` items behind is ended with an error
 * rather than buffered without bound.
 */
import { InputError } from '../../errors.js';
import type { LedgerListener } from './listener.js';
import type { ThreatRow } from './threat-row.js';

export interface LiveRows {
  pick: (rows: readonly ThreatRow[]) => ThreatRow[];
  release: (rows: ThreatRow[]) => Promise<ThreatRow[]>;
  logged: (rows: ThreatRow[]) => Promise<unknown>;
  what: string; maxBuffered: number;
}

/** Rows as blocks are committed: `pick` chooses, `release` passes them through the gate, `logged` audits each delivery. */
export function liveRows(listener: Pick<LedgerListener, 'onRows'>, o: LiveRows): AsyncIterableIterator<ThreatRow> {
  return liveFeed<ThreatRow, ThreatRow>({ ...o, subscribe: (fn) => listener.onRows(fn) });
}

export interface LiveFeedOptions<I, O> {
  /** Registers for batches of items; returns the unsubscribe function. */
  subscribe: (push: (items: I[]) => void) => () => void;
  pick: (items: readonly I[]) => I[];
  /** Through the egress gate for the viewer: what comes back is what the subscriber gets. */
  release: (items: I[]) => Promise<O[]>;
  /** Writes each delivery to the audit log. */
  logged: (items: O[]) => Promise<unknown>;
  what: string;
  maxBuffered: number;
}

export function liveFeed<I, O>(o: LiveFeedOptions<I, O>): AsyncIterableIterator<O> {
  const queue: O[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let overflow = false;
  // Batches are released one after another, so items keep the order they were produced in.
  let tail: Promise<void> = Promise.resolve();
  const unsubscribe = o.subscribe((items) => {
    const picked = o.pick(items);
    if (picked.length === 0) return;
    tail = tail.then(async () => {
      const delivered: O[] = [];
      for (const item of await o.release(picked)) {
        if (queue.length >= o.maxBuffered) {
          overflow = true;
          break;
        }
        delivered.push(item);
        queue.push(item);
      }
      if (delivered.length) await o.logged(delivered);
      wake?.();
    }).catch(() => {
      overflow = true;
      wake?.();
    });
  });
  const finish = (): void => {
    ended = true;
    unsubscribe();
    wake?.();
  };
  const iterator: AsyncIterableIterator<O> = {
    async next(): Promise<IteratorResult<O>> {
      for (;;) {
        if (overflow) {
          finish();
          throw new InputError('INVALID_ARGUMENT', `subscriber too slow: more than ${o.maxBuffered} ${o.what} waiting; subscribe again and query threats for what was missed`);
        }
        if (queue.length) return { value: queue.shift() as O, done: false };
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = null;
      }
    },
    async return(): Promise<IteratorResult<O>> {
      finish();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
