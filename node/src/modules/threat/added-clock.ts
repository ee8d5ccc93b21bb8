/**
 * When rows reach the read model (`added_at`, TAXII's date_added): strictly increasing microsecond timestamps, so that
 * no two versions share one and a client resuming with `added_after` = the last date_added it saw misses nothing and
 * gets nothing twice, even for the many objects of one block.
 */
export class AddedClock {
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The next time, RFC 3339 in UTC with microseconds: the clock's time, or 1 µs after the last one given. */
  next(): string {
    const us = Math.max(this.now() * 1000, this.last + 1);
    this.last = us;
    const ms = Math.floor(us / 1000);
    return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
  }
}
