/**
 * The state a new transaction is simulated against: committed state plus the writes of transactions
 * already accepted into blocks that are not durable yet, so a later transaction of the same block
 * sees an earlier one's writes. Queries (evaluate) read the committed state only.
 */
import { compareKeys, type StateReader, type WriteEntry } from '@popart/chaincode';
import type { CommittedState } from './world-state.js';

interface PendingEntry { value: Uint8Array | null; version: string }

export class PendingState implements StateReader {
  private readonly overlay = new Map<string, PendingEntry>();

  constructor(private readonly committed: CommittedState) {}

  get(key: string): { value: Uint8Array; version: string } | undefined {
    const o = this.overlay.get(key);
    if (!o) return this.committed.get(key);
    return o.value === null ? undefined : { value: o.value, version: o.version };
  }

  *range(startKey: string, endKey: string): Iterable<{ key: string; value: Uint8Array; version: string }> {
    if (this.overlay.size === 0) {
      yield* this.committed.range(startKey, endKey);
      return;
    }
    const extra = [...this.overlay.keys()].filter((k) => compareKeys(k, startKey) >= 0 && compareKeys(k, endKey) < 0).sort(compareKeys);
    const committed = this.committed.range(startKey, endKey)[Symbol.iterator]();
    let c = committed.next();
    let i = 0;
    while (!c.done || i < extra.length) {
      const key = extra[i];
      if (key !== undefined && (c.done || compareKeys(key, c.value.key) <= 0)) {
        if (!c.done && c.value.key === key) c = committed.next();
        i++;
        const o = this.overlay.get(key);
        if (o && o.value !== null) yield { key, value: o.value, version: o.version };
      } else if (!c.done) {
        yield c.value;
        c = committed.next();
      }
    }
  }

  /** Records an accepted transaction's writes at its future version. */
  accept(writes: readonly WriteEntry[], version: string): void {
    for (const w of writes) this.overlay.set(w.key, { value: w.value, version });
  }

  /** Applies a now-durable transaction to the committed state and drops its overlay entries not overwritten since. */
  commit(writes: readonly WriteEntry[], version: string): void {
    this.committed.apply(writes, version);
    for (const w of writes) {
      if (this.overlay.get(w.key)?.version === version) this.overlay.delete(w.key);
    }
  }

  get pendingKeys(): number { return this.overlay.size; }
}
