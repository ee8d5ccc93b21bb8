/**
 * How much work one user (or, before sign-in, one address) may ask of a node over time: a token
 * bucket of cost units per principal, refilled at `ratePerSecond` up to `burst`. Each request is
 * charged for its body size and a base, each operation for its estimated cost (request-limits.ts), and
 * an operation refused as too complex for the whole `maxCost`, so that a hostile client pays for what
 * it asked. An empty bucket is refused before the next body is read (429, RATE_LIMITED with
 * retryAfterSeconds), which costs the node almost nothing.
 */
export interface LoadBudgetOptions {
  /** Units a principal gets back per second. */
  ratePerSecond: number;
  /** Most units a principal can hold (a burst). */
  burst: number;
  /** Units every HTTP request or WebSocket operation costs, whatever it asks. */
  perRequest: number;
  /** Body bytes per unit. */
  bytesPerUnit: number;
  /** Principals tracked at most; the oldest are forgotten first. */
  maxTracked: number;
}

export const LOAD_BUDGET: Readonly<LoadBudgetOptions> = Object.freeze({
  ratePerSecond: 50_000,
  burst: 200_000,
  perRequest: 20,
  bytesPerUnit: 100,
  maxTracked: 10_000,
});

interface Bucket { units: number; at: number }

export class LoadBudget {
  private readonly opts: LoadBudgetOptions;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: Partial<LoadBudgetOptions> = {}, private readonly clock: () => number = Date.now) {
    this.opts = { ...LOAD_BUDGET, ...options };
  }

  get options(): Readonly<LoadBudgetOptions> {
    return this.opts;
  }

  private bucket(key: string): Bucket {
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.opts.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { units: this.opts.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.units = Math.min(this.opts.burst, b.units + ((now - b.at) / 1000) * this.opts.ratePerSecond);
      b.at = now;
    }
    return b;
  }

  /** 0 when the principal may send now; else the milliseconds until its bucket is positive again. */
  waitMs(key: string): number {
    const b = this.bucket(key);
    return b.units > 0 ? 0 : Math.ceil((-b.units / this.opts.ratePerSecond) * 1000) + 1;
  }

  /** Takes units (the bucket may go below zero: the debt is paid by waiting). */
  charge(key: string, units: number): void {
    this.bucket(key).units -= units;
  }
}
