/**
 * Sign-in throttling: failed sign-ins are counted per user name and per client address in a sliding
 * window; past the budget the name (or address) is locked for a while, each further lock within a day
 * twice as long as the one before (capped). A locked attempt is refused before the password is checked,
 * so a flood costs no scrypt work. Password checks also run one at a time, spaced by a short gap, so
 * a burst of sign-ins (right or wrong) cannot take the cores from the ledger and the read model.
 *
 * User names that do not exist are counted like real ones, so a lock does not tell which names exist.
 * A successful sign-in clears the user's count, never the address's (one valid account must not reset
 * the budget for guessing others). State is in memory, per node: a restart forgets it.
 */
import { AuthError } from '../errors.js';

export interface LoginGuardOptions {
  /** Failed sign-ins of one user name within `windowMs` that lock it (default 5). */
  userFailures: number;
  /** Failed sign-ins from one address within `windowMs` that lock it (default 20). */
  addressFailures: number;
  /** Sign-in attempts from one address within one minute, successful or not (default 60). */
  addressAttemptsPerMinute: number;
  /** The sliding window for failures (default 15 min). */
  windowMs: number;
  /** First lock (default 15 min); each further one within `backoffResetMs` doubles. */
  lockMs: number;
  /** Longest lock (default 24 h). */
  maxLockMs: number;
  /** A lock more than this after the previous one starts again at `lockMs` (default 24 h). */
  backoffResetMs: number;
  /** Password checks at once (default 1: a flood of wrong passwords keeps scrypt to one core); more wait, up to `maxWaiting`, then are refused. */
  maxConcurrentChecks: number;
  maxWaiting: number;
  /** A check's place is given to the next one this long after it ends (default 50 ms: wrong passwords take at most half a core). */
  checkGapMs: number;
  /** Names and addresses tracked at most; the oldest are forgotten first (default 10,000 each). */
  maxTracked: number;
}

export const LOGIN_LIMITS: Readonly<LoginGuardOptions> = Object.freeze({
  userFailures: 5,
  addressFailures: 20,
  addressAttemptsPerMinute: 60,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 3_600_000,
  backoffResetMs: 24 * 3_600_000,
  maxConcurrentChecks: 1,
  maxWaiting: 100,
  checkGapMs: 50,
  maxTracked: 10_000,
});

export type LockScope = 'user' | 'address';

interface Tally {
  /** Times of failures (or, for the attempt rate, of attempts) in the window, oldest first. */
  failures: number[];
  attempts: number[];
  lockedUntil: number;
  /** Locks so far within the backoff period, and when the last one started. */
  locks: number;
  lastLockAt: number;
}

export interface LockImposed { scope: LockScope; lockedForMs: number; failures: number }

/** Refusal of a sign-in attempt: LOGIN_RATE_LIMITED with the scope and when to retry. */
export function rateLimited(scope: LockScope, retryAfterMs: number, why: string): AuthError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AuthError('LOGIN_RATE_LIMITED', `${why}: try again in ${seconds} s`, { extensions: { scope, retryAfterSeconds: seconds } });
}

class BoundedMap extends Map<string, Tally> {
  constructor(private readonly max: number) {
    super();
  }

  tally(key: string): Tally {
    let t = this.get(key);
    if (!t) {
      if (this.size >= this.max) this.delete(this.keys().next().value as string);
      t = { failures: [], attempts: [], lockedUntil: 0, locks: 0, lastLockAt: 0 };
      this.set(key, t);
    }
    return t;
  }
}

export class LoginGuard {
  private readonly opts: LoginGuardOptions;
  private readonly users: BoundedMap;
  private readonly addresses: BoundedMap;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: Partial<LoginGuardOptions> = {}, private readonly clock: () => number = Date.now) {
    this.opts = { ...LOGIN_LIMITS, ...options };
    this.users = new BoundedMap(this.opts.maxTracked);
    this.addresses = new BoundedMap(this.opts.maxTracked);
  }

  /** Throws LOGIN_RATE_LIMITED when the name or the address is locked, or the address signs in too often. */
  check(username: string, address: string): void {
    const now = this.clock();
    const user = this.users.get(username);
    const addr = this.addresses.tally(address);
    if (user && user.lockedUntil > now) throw rateLimited('user', user.lockedUntil - now, 'too many failed sign-ins for this user');
    if (addr.lockedUntil > now) throw rateLimited('address', addr.lockedUntil - now, 'too many failed sign-ins from this address');
    prune(addr.attempts, now - 60_000);
    if (addr.attempts.length >= this.opts.addressAttemptsPerMinute) {
      throw rateLimited('address', (addr.attempts[0] as number) + 60_000 - now, 'too many sign-in attempts from this address');
    }
    addr.attempts.push(now);
  }

  /** Counts a failed sign-in; returns the locks it imposed (none, the user's, the address's or both). */
  failed(username: string, address: string): LockImposed[] {
    const now = this.clock();
    const out: LockImposed[] = [];
    for (const [scope, tally, budget] of [['user', this.users.tally(username), this.opts.userFailures], ['address', this.addresses.tally(address), this.opts.addressFailures]] as const) {
      prune(tally.failures, now - this.opts.windowMs);
      tally.failures.push(now);
      if (tally.failures.length < budget || tally.lockedUntil > now) continue;
      if (now - tally.lastLockAt > this.opts.backoffResetMs) tally.locks = 0;
      const lockedForMs = Math.min(this.opts.maxLockMs, this.opts.lockMs * 2 ** tally.locks);
      tally.locks++;
      tally.lastLockAt = now;
      tally.lockedUntil = now + lockedForMs;
      out.push({ scope, lockedForMs, failures: tally.failures.length });
      tally.failures = [];
    }
    return out;
  }

  /** A successful sign-in clears the user's failures and backoff. */
  succeeded(username: string): void {
    this.users.delete(username);
  }

  /** Runs a password check when a slot is free (at most maxConcurrentChecks at once). */
  async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.opts.maxConcurrentChecks) {
      if (this.waiting.length >= this.opts.maxWaiting) throw rateLimited('address', 1000, 'the node is busy with sign-ins');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      // The answer goes out now; the next check starts checkGapMs later.
      const handOn = (): void => {
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      };
      if (this.opts.checkGapMs > 0) setTimeout(handOn, this.opts.checkGapMs);
      else handOn();
    }
  }
}

function prune(times: number[], before: number): void {
  while (times.length && (times[0] as number) <= before) times.shift();
}
