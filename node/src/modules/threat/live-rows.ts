/** The live paths (the alerts and related subscriptions): rows as the listener applies them, released per viewer. */
import { InputError } from '../../errors.js';
import type { LedgerListener } from './listener.js';
import type { ThreatRow } from './threat-row.js';

export interface LiveRows {
  pick: (rows: readonly ThreatRow[]) => ThreatRow[];
  release: (rows: ThreatRow[]) => Promise<ThreatRow[]>;
  logged: (rows: ThreatRow[]) => Promise<unknown>;
  what: string; maxBuffered: number;
}

/**
 * Rows as blocks are committed: `pick` chooses, `release` passes them through the gate for the viewer, and `logged`
 * writes each delivery to the audit log. A subscriber more than `maxBuffered` rows behind is ended with an error
 * rather than buffered without bound.
 */
export function liveRows(listener: Pick<LedgerListener, 'onRows'>, o: LiveRows): AsyncIterableIterator<ThreatRow> {
  const queue: ThreatRow[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let overflow = false;
  // Blocks are released one after another, so rows keep the ledger's order.
  let tail: Promise<void> = Promise.resolve();
  const unsubscribe = listener.onRows((rows) => {
    const picked = o.pick(rows);
    if (picked.length === 0) return;
    tail = tail.then(async () => {
      const delivered: ThreatRow[] = [];
      for (const row of await o.release(picked)) {
        if (queue.length >= o.maxBuffered) {
          overflow = true;
          break;
        }
        delivered.push(row);
        queue.push(row);
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
  const iterator: AsyncIterableIterator<ThreatRow> = {
    async next(): Promise<IteratorResult<ThreatRow>> {
      for (;;) {
        if (overflow) {
          finish();
          throw new InputError('INVALID_ARGUMENT', `subscriber too slow: more than ${o.maxBuffered} ${o.what} waiting; subscribe again and query threats for what was missed`);
        }
        const row = queue.shift();
        if (row) return { value: row, done: false };
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = null;
      }
    },
    async return(): Promise<IteratorResult<ThreatRow>> {
      finish();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
