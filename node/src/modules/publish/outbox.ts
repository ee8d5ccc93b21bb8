/**
 * Publishing with an outbox. A bundle the API accepted is either committed on the ledger before
 * the API answers, or durably queued here when the ledger cannot be reached, and submitted later
 * by the worker with backoff. A bundle the ledger refuses (an input error: invalid, spoofed, stale) is never
 * retried; any other failure (unreachable, a peer or chaincode server down, a read conflict) is tried again, and a
 * bundle that keeps failing alone does not hold back the ones queued after it.
 */
import type { Logger } from '../../log.js';
import type { Database } from '../../read-model/database.js';
import { InputError, NodeError } from '../../errors.js';

export interface OutboxEntry { id: number; bundleId: string; bundle: string; status: 'pending' | 'committed' | 'rejected'; attempts: number; lastError: string | null; txId: string | null }

export type Submit = (bundleJson: string) => Promise<{ txId: string; blockNumber: number }>;

export class Outbox {
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private delayMs: number;

  constructor(
    private readonly db: Database,
    private readonly submit: Submit,
    private readonly log: Logger,
    private readonly minDelayMs = 250,
    private readonly maxDelayMs = 10_000,
  ) {
    this.delayMs = minDelayMs;
  }

  async enqueue(bundleId: string, bundleJson: string, error: string): Promise<number> {
    const r = await this.db.query<{ id: number }>(
      `INSERT INTO outbox (bundle_id, bundle, status, attempts, last_error) VALUES ($1, $2, 'pending', 1, $3) RETURNING id`,
      [bundleId, bundleJson, error]);
    const id = r.rows[0]?.id;
    if (id === undefined) throw new NodeError('INTERNAL', 'outbox insert returned no id');
    this.schedule();
    return id;
  }

  async entries(status?: OutboxEntry['status']): Promise<OutboxEntry[]> {
    const r = await this.db.query<{ id: number; bundle_id: string; bundle: string; status: OutboxEntry['status']; attempts: number; last_error: string | null; tx_id: string | null }>(
      `SELECT id, bundle_id, bundle, status, attempts, last_error, tx_id FROM outbox ${status ? 'WHERE status = $1' : ''} ORDER BY id`,
      status ? [status] : []);
    return r.rows.map((e) => ({ id: e.id, bundleId: e.bundle_id, bundle: e.bundle, status: e.status, attempts: e.attempts, lastError: e.last_error, txId: e.tx_id }));
  }

  /** Starts the worker (it also runs whenever something is enqueued). */
  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.draining;
  }

  private schedule(delay = this.delayMs): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draining = this.drain().catch((err: unknown) => this.log.error('outbox drain failed', { error: (err as Error).message }));
    }, delay);
  }

  /**
   * Submits pending entries oldest first. A failure that is not the ledger refusing the content leaves the entry
   * pending; the worker then tries the next entry: if that one fails too, the ledger is taken to be unavailable and the
   * worker backs off; if it passes, the failure was the entry's own (a transaction the network cannot take), and one
   * such entry does not hold back the bundles queued after it. Entries left pending are retried with backoff.
   */
  async drain(): Promise<void> {
    const pending = await this.entries('pending');
    let failedInARow = 0;
    let anyFailed = false;
    for (const entry of pending) {
      try {
        const r = await this.submit(entry.bundle);
        await this.db.query(`UPDATE outbox SET status = 'committed', tx_id = $2, attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE id = $1`, [entry.id, r.txId]);
        this.log.info('queued bundle committed', { outboxId: entry.id, bundleId: entry.bundleId, txId: r.txId, block: r.blockNumber });
        failedInARow = 0;
      } catch (err) {
        // Only the ledger refusing the content (an input error) is final; anything else may pass later.
        if (err instanceof InputError) {
          const reason = `${err.code}: ${err.message}`;
          await this.db.query(`UPDATE outbox SET status = 'rejected', attempts = attempts + 1, last_error = $2, updated_at = now() WHERE id = $1`, [entry.id, reason]);
          this.log.warn('queued bundle rejected by the ledger', { outboxId: entry.id, bundleId: entry.bundleId, reason });
          failedInARow = 0;
          continue;
        }
        const message = err instanceof Error ? err.message : String(err);
        await this.db.query(`UPDATE outbox SET attempts = attempts + 1, last_error = $2, updated_at = now() WHERE id = $1`, [entry.id, message]);
        if (entry.lastError !== message) this.log.warn('outbox still waiting', { outboxId: entry.id, reason: message });
        anyFailed = true;
        if (++failedInARow >= 2) break;
      }
    }
    if (anyFailed) {
      this.delayMs = Math.min(this.delayMs * 2, this.maxDelayMs);
      this.schedule();
    } else {
      this.delayMs = this.minDelayMs;
    }
  }
}
