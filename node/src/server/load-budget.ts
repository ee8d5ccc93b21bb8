/**
 * How much work one user (or, before sign-in, one address) may ask of a node over time: a token
 * bucket of cost units per principal, refilled at `ratePerSecond` up to `burst`. Each request is
 * charged for its body size and a base, each operation for its estimated cost (request-limits.ts), and
 * an operation refused as too complex for the whole `maxCost`, so that a hostile client pays for what
 * it asked; a request refused for what the user sent (an invalid bundle, a wrong password, an
 * over-size body) costs `refusal` units or more, so that a flood of refusals runs dry quickly. An empty
 * bucket is refused before the next body is read (429, RATE_LIMITED with retryAfterSeconds), which
 * costs the node almost nothing; the 429 itself is sent only after `maxDelayMs` (the request unread
 * meanwhile), so a client that retries at once cannot make the node spin on refusals.
 *
 * A principal also has at most `maxConcurrent` requests in progress; further ones wait, unread, in
 * turn (at most `maxQueued`; past that they are refused at once). So however many connections one
 * user opens, the node works on a few of its requests at a time and everyone else's go on.
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
  /** Units a request refused for what it sent costs (see isRefusal in http-server.ts). */
  refusal: number;
  /** How long the 429 of an empty bucket is held back (the request unread meanwhile). */
  maxDelayMs: number;
  /** Requests of one principal in progress at once. */
  maxConcurrent: number;
  /** Requests of one principal waiting for one of those places; more are refused. */
  maxQueued: number;
  /** Principals tracked at most; the oldest are forgotten first. */
  maxTracked: number;
}

export const LOAD_BUDGET: Readonly<LoadBudgetOptions> = Object.freeze({
  ratePerSecond: 50_000,
  burst: 200_000,
  perRequest: 20,
  bytesPerUnit: 100,
  refusal: 5_000,
  maxDelayMs: 1_000,
  maxConcurrent: 8,
  maxQueued: 32,
  maxTracked: 10_000,
});

interface Bucket { units: number; at: number }

interface Lane { running: number; waiting: (() => void)[] }

/** Too many requests of one principal in progress and waiting already. */
export class TooManyAtOnce extends Error {
  constructor(readonly max: number) {
    super(`more than ${max} requests at once from this user (or address)`);
  }
}

export class LoadBudget {
  private readonly opts: LoadBudgetOptions;
  private readonly buckets = new Map<string, Bucket>();
  private readonly lanes = new Map<string, Lane>();

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

  /**
   * Waits for one of the principal's `maxConcurrent` places (in turn); resolves with the function that
   * gives it back. Throws TooManyAtOnce when `maxQueued` requests of the principal wait already, and
   * the signal's reason when it is aborted while waiting (the client went away: its turn is dropped).
   */
  async enter(key: string, signal?: AbortSignal): Promise<() => void> {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { running: 0, waiting: [] }));
    const l = lane;
    if (l.running < this.opts.maxConcurrent) l.running++;
    else if (l.waiting.length >= this.opts.maxQueued) throw new TooManyAtOnce(this.opts.maxConcurrent + this.opts.maxQueued);
    else {
      await new Promise<void>((resolve, reject) => {
        const turn = (): void => {
          signal?.removeEventListener('abort', gone);
          resolve();
        };
        const gone = (): void => {
          const i = l.waiting.indexOf(turn);
          if (i >= 0) l.waiting.splice(i, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', gone, { once: true });
        l.waiting.push(turn);
      });
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = l.waiting.shift();
      if (next) return next();
      l.running--;
      if (l.running === 0) this.lanes.delete(key);
    };
  }

  /** Requests of the principal in progress and waiting (for tests and metrics). */
  inProgress(key: string): { running: number; waiting: number } {
    const l = this.lanes.get(key);
    return { running: l?.running ?? 0, waiting: l?.waiting.length ?? 0 };
  }
}
