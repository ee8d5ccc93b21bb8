/**
 * Log lines about refused requests, at most one per kind of line per interval: a flood of refusals
 * would otherwise write a line each (and take the event loop and the disk with it). The next line of
 * a kind says how many were left out since the last one.
 */
import type { Logger } from '../log.js';

export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly log: Logger, private readonly intervalMs = 10_000, private readonly clock: () => number = Date.now) {}

  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.write('warn', msg, fields);
  }

  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.write('error', msg, fields);
  }

  private write(level: 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
    const now = this.clock();
    const seen = this.last.get(msg);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    if (this.last.size >= 1_000) this.last.clear();
    this.last.set(msg, { at: now, suppressed: 0 });
    this.log[level](msg, seen?.suppressed ? { ...fields, suppressedSinceLast: seen.suppressed } : fields);
  }
}
