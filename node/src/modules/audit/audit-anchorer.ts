/**
 * Anchors the node's audit log on the ledger: the unanchored segment [last anchored + 1, head] with the
 * head's hash, every `everyEntries` entries, every `intervalMs`, and right after a disclosure to another
 * agency (so the record of a transfer is fixed on the ledger within one round trip). One anchor at a
 * time; triggers that arrive meanwhile are folded into one follow-up. When the ledger is unavailable the
 * anchor is simply retried later (the entries stay in the local log, unanchored, and verify() says so).
 *
 * What was last anchored is read from the ledger (ListAuditAnchors), so a restart, a lost answer or a
 * second writer never makes the anchorer skip or repeat a segment: the contract refuses gaps and
 * overlaps, and after any refusal the anchorer reads the ledger again.
 */
import type { AuditAnchor, AuditAnchorInput } from '@popart/chaincode';
import { canonicalJson } from '@popart/schemas';
import { LedgerUnavailable } from '../../errors.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Logger } from '../../log.js';
import type { AuditEntry } from './audit-entry.js';
import type { AnchorSource, AuditLog } from './audit-log.js';

/** The ledger as the audit log needs it: this agency's anchors, and anchoring a segment. */
export interface AnchorLedger extends AnchorSource {
  anchor(input: AuditAnchorInput): Promise<AuditAnchor>;
}

/** AnchorLedger over the node's ledger port (AnchorAuditLog / ListAuditAnchors of the contract). */
export class LedgerAuditAnchors implements AnchorLedger {
  constructor(private readonly ledger: Ledger, readonly mspId: string) {}

  async anchors(): Promise<AuditAnchor[]> {
    return JSON.parse(await this.ledger.evaluate('ListAuditAnchors', [this.mspId])) as AuditAnchor[];
  }

  async anchor(input: AuditAnchorInput): Promise<AuditAnchor> {
    const r = await this.ledger.submit('AnchorAuditLog', [canonicalJson(input)]);
    return JSON.parse(r.result) as AuditAnchor;
  }
}

export interface AuditAnchorerOptions {
  /** MSP id of this agency (the anchors' agency_msp). */
  mspId: string;
  /** Agency key of this agency: a disclosure to any other recipient is cross-agency. */
  agencyKey: string;
  /** Anchor once this many entries are unanchored (default 100). */
  everyEntries?: number;
  /** Anchor whatever is unanchored this often, in ms (default 30 s); also the retry period. */
  intervalMs?: number;
  /** Anchor right after a disclosure to another agency is recorded (default true). */
  anchorOnDisclosure?: boolean;
  /** After a failure, triggers other than the timer wait this long (default min(intervalMs, 5 s)). */
  retryMs?: number;
  log?: Logger;
}

export class AuditAnchorer {
  private lastAnchored: number | null = null;
  private running: Promise<AuditAnchor | null> | null = null;
  private followUp: Promise<AuditAnchor | null> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private failedAt = 0;
  private stopped = false;
  private readonly everyEntries: number;
  private readonly intervalMs: number;
  private readonly retryMs: number;

  constructor(private readonly auditLog: AuditLog, private readonly ledger: AnchorLedger, private readonly opts: AuditAnchorerOptions) {
    this.everyEntries = opts.everyEntries ?? 100;
    this.intervalMs = opts.intervalMs ?? 30_000;
    this.retryMs = opts.retryMs ?? Math.min(this.intervalMs, 5_000);
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.auditLog.onAppended((entries) => this.appended(entries));
    this.timer = setInterval(() => this.trigger(true), this.intervalMs);
    this.timer.unref();
    this.trigger(true);
  }

  /** Stops the triggers, waits for an anchor in flight, then anchors what is left (best effort). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.settled();
    await this.anchorNow().catch((err: unknown) => this.opts.log?.warn('audit log not anchored at shutdown', { error: (err as Error).message }));
  }

  /** to_seq of the latest anchor this anchorer knows of (null before it has read the ledger). */
  lastAnchoredSeq(): number | null {
    return this.lastAnchored;
  }

  /** Resolves once no anchor is in flight. */
  async settled(): Promise<void> {
    while (this.running || this.followUp) await (this.followUp ?? this.running)?.catch(() => null);
  }

  /**
   * Anchors the unanchored segment now; resolves with the new anchor, or null when nothing was
   * unanchored. While an anchor is in flight, one follow-up is run after it (shared by every caller).
   * Rejects when the ledger refused or could not be reached.
   */
  anchorNow(): Promise<AuditAnchor | null> {
    if (this.running) {
      this.followUp ??= this.running.catch(() => null).then(() => {
        this.followUp = null;
        return this.anchorNow();
      });
      return this.followUp;
    }
    const run = this.anchorOnce().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async anchorOnce(): Promise<AuditAnchor | null> {
    try {
      const head = await this.auditLog.head();
      if (this.lastAnchored === null) this.lastAnchored = (await this.ledger.anchors()).at(-1)?.to_seq ?? 0;
      if (head.seq <= this.lastAnchored) return null;
      const anchor = await this.ledger.anchor({ agency_msp: this.opts.mspId, from_seq: this.lastAnchored + 1, to_seq: head.seq, head_hash: head.hash });
      this.lastAnchored = anchor.to_seq;
      this.failedAt = 0;
      return anchor;
    } catch (err) {
      this.failedAt = Date.now();
      if (!(err instanceof LedgerUnavailable)) this.lastAnchored = null; // refused: read the ledger again next time
      throw err;
    }
  }

  private appended(entries: AuditEntry[]): void {
    const last = entries.at(-1);
    if (!last) return;
    const due = this.lastAnchored !== null && last.seq - this.lastAnchored >= this.everyEntries;
    const disclosure = this.opts.anchorOnDisclosure !== false
      && entries.some((e) => e.action === 'disclosure' && e.recipients.some((r) => r !== this.opts.agencyKey));
    if (due || disclosure) this.trigger(false);
  }

  private trigger(fromTimer: boolean): void {
    if (this.stopped) return;
    if (!fromTimer && this.failedAt && Date.now() - this.failedAt < this.retryMs) return;
    this.anchorNow().catch((err: unknown) => {
      const fields = { error: (err as Error).message };
      if (err instanceof LedgerUnavailable) this.opts.log?.warn('ledger unavailable, audit log anchor will be retried', fields);
      else this.opts.log?.error('audit log anchor refused by the ledger, will re-read the anchors and retry', fields);
    });
  }
}
