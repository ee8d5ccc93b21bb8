/**
 * The node's audit log: an append-only, hash-chained table in the read model's database (PGlite or
 * PostgreSQL), anchored on the ledger by the AuditAnchorer.
 *
 * One writer per node: records are queued and written in batches (group commit), each batch one
 * INSERT statement, so the chain stays linear under concurrent calls and a record costs one round trip
 * shared with whatever else arrived meanwhile. `record` resolves only once its entry is committed; an
 * entry that failed to commit is rejected, never acknowledged. Should another process have appended
 * (the seq is the primary key), the writer reloads the head and chains the batch again.
 */
import type { AuditAnchor } from '@popart/chaincode';
import { InputError, NodeError } from '../../errors.js';
import { valuesPlaceholders, type Database } from '../../read-model/database.js';
import {
  AUDIT_COLUMNS, chainEntry, contentOf, entryFromRow, entryHash, GENESIS_HASH, ROW_CASTS, rowParams,
  type AuditAction, type AuditContent, type AuditEntry, type AuditHead, type AuditRecord, type DbAuditRow,
} from './audit-entry.js';

/** Where verify() reads this agency's anchors from (the ledger). */
export interface AnchorSource {
  anchors(): Promise<AuditAnchor[]>;
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  /** Username of the actor. */
  actor?: string;
  /** Agency key of the actor. */
  agency?: string;
  action?: AuditAction;
  /** Entries concerning this object id. */
  objectId?: string;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  hasNext: boolean;
  /** Cursor of the last entry of the page (pass as `after` for the next page). */
  endCursor: string | null;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries in the local log. */
  entries: number;
  /** The first entry found wrong (or missing), when there is one. */
  firstBadSeq: number | null;
  problem: string | null;
  /** Ledger anchors compared with the local chain. */
  anchorsChecked: number;
  /** The local head (seq 0 when empty). */
  head: AuditHead;
  /** to_seq of the latest ledger anchor, or null when none (or the ledger could not be read). */
  lastAnchoredSeq: number | null;
}

export interface AuditLogOptions {
  /** The agency's anchors on the ledger; without it verify() checks the local chain only. */
  anchors?: AnchorSource;
  /** Most entries per INSERT (default 500). */
  maxBatch?: number;
  now?: () => Date;
}

interface Pending {
  contents: AuditContent[];
  resolve(entries: AuditEntry[]): void;
  reject(err: unknown): void;
}

const PAGE = 1000;
const PARAMS_PER_ROW = 14;

export function encodeAuditCursor(seq: number): string {
  return Buffer.from(`audit:${seq}`).toString('base64url');
}

export function decodeAuditCursor(cursor: string): number | null {
  const m = /^audit:(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m?.[1] ? Number(m[1]) : null;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === '23505' || (typeof e?.message === 'string' && /duplicate key value/.test(e.message));
}

export class AuditLog {
  private headCache: AuditHead | null = null;
  private readonly queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private readonly listeners = new Set<(entries: AuditEntry[]) => void>();
  private readonly maxBatch: number;
  private readonly now: () => Date;

  constructor(private readonly db: Database, private readonly opts: AuditLogOptions = {}) {
    this.maxBatch = opts.maxBatch ?? 500;
    this.now = opts.now ?? (() => new Date());
  }

  /** Appends one entry; resolves with it (seq, hash) once committed. */
  async record(entry: AuditRecord): Promise<AuditEntry> {
    const [written] = await this.recordAll([entry]);
    if (!written) throw new NodeError('INTERNAL', 'audit record returned no entry');
    return written;
  }

  /** Appends several entries as consecutive entries of the chain, all committed or none. */
  recordAll(entries: readonly AuditRecord[]): Promise<AuditEntry[]> {
    let contents: AuditContent[];
    try {
      const now = this.now();
      contents = entries.map((e) => contentOf(e, now));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (!contents.length) return Promise.resolve([]);
    return new Promise<AuditEntry[]>((resolve, reject) => {
      this.queue.push({ contents, resolve, reject });
      this.pump();
    });
  }

  /** Called with every committed batch, in chain order (the anchorer listens). Returns an unsubscribe function. */
  onAppended(fn: (entries: AuditEntry[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves once every record queued so far has been written (or refused). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** The last committed entry's seq and hash (0 and the genesis hash when empty). */
  async head(): Promise<AuditHead> {
    await this.flush();
    return this.headCache ?? (await this.loadHead());
  }

  private async loadHead(): Promise<AuditHead> {
    const r = await this.db.urgent.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const row = r.rows[0];
    this.headCache = row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
    return this.headCache;
  }

  private pump(): void {
    if (this.writing || !this.queue.length) return;
    this.writing = this.writeBatches().finally(() => {
      this.writing = null;
      this.pump();
    });
  }

  private async writeBatches(): Promise<void> {
    while (this.queue.length) {
      const batch: Pending[] = [];
      let rows = 0;
      while (this.queue.length) {
        const next = this.queue[0] as Pending;
        if (batch.length && rows + next.contents.length > this.maxBatch) break;
        batch.push(this.queue.shift() as Pending);
        rows += next.contents.length;
      }
      try {
        const written = await this.insert(batch.flatMap((p) => p.contents));
        let at = 0;
        for (const p of batch) {
          p.resolve(written.slice(at, at + p.contents.length));
          at += p.contents.length;
        }
        for (const fn of this.listeners) {
          try {
            fn(written);
          } catch {
            // a listener's failure is its own
          }
        }
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  /** Chains and inserts the contents after the head, in one statement (chunked in one transaction beyond maxBatch). */
  private async insert(contents: AuditContent[]): Promise<AuditEntry[]> {
    for (let attempt = 0; ; attempt++) {
      let prev = this.headCache ?? (await this.loadHead());
      const entries = contents.map((c) => (prev = chainEntry(c, prev)));
      try {
        if (entries.length <= this.maxBatch) {
          // Urgent: a request (and an alert's delivery) waits for its record, not for other users' queries.
          await this.db.urgent.query(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ${valuesPlaceholders(entries.length, PARAMS_PER_ROW, ROW_CASTS)}`, entries.flatMap(rowParams));
        } else {
          await this.db.urgent.transaction(async (tx) => {
            for (let i = 0; i < entries.length; i += this.maxBatch) {
              const chunk = entries.slice(i, i + this.maxBatch);
              await tx.query(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ${valuesPlaceholders(chunk.length, PARAMS_PER_ROW, ROW_CASTS)}`, chunk.flatMap(rowParams));
            }
          });
        }
        this.headCache = { seq: prev.seq, hash: prev.hash };
        return entries;
      } catch (err) {
        this.headCache = null; // the head is reloaded from the table before the next write
        if (!isUniqueViolation(err) || attempt >= 3) {
          throw new NodeError('INTERNAL', `audit log write failed: ${(err as Error).message}`, { cause: err });
        }
      }
    }
  }

  /** Entries matching the filter, newest first, `first` at most, after the cursor. */
  async query(filter: AuditFilter, first: number, after?: string | null): Promise<AuditPage> {
    if (!Number.isSafeInteger(first) || first < 1 || first > 1000) {
      throw new InputError('INVALID_ARGUMENT', 'first must be between 1 and 1000', { issues: [{ objectIndex: null, objectId: null, property: 'first', message: 'must be between 1 and 1000' }] });
    }
    let afterSeq: number | null = null;
    if (after) {
      afterSeq = decodeAuditCursor(after);
      if (afterSeq === null) throw new InputError('INVALID_ARGUMENT', 'after is not a cursor of the audit log', { issues: [{ objectIndex: null, objectId: null, property: 'after', message: 'not a cursor of the audit log' }] });
    }
    await this.flush();
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => `$${params.push(v)}`;
    if (filter.from) where.push(`at >= ${p(filter.from.toISOString())}::timestamptz`);
    if (filter.to) where.push(`at <= ${p(filter.to.toISOString())}::timestamptz`);
    if (filter.actor) where.push(`actor = ${p(filter.actor)}`);
    if (filter.agency) where.push(`actor_agency = ${p(filter.agency)}`);
    if (filter.action) where.push(`action = ${p(filter.action)}`);
    if (filter.objectId) where.push(`object_ids @> ${p(JSON.stringify([filter.objectId]))}::jsonb`);
    if (afterSeq !== null) where.push(`seq < ${p(afterSeq)}`);
    const r = await this.db.query<DbAuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${p(first + 1)}`, params);
    const entries = r.rows.slice(0, first).map(entryFromRow);
    const last = entries.at(-1);
    return { entries, hasNext: r.rows.length > first, endCursor: last ? encodeAuditCursor(last.seq) : null };
  }

  /**
   * Walks the whole chain: every seq from 1 without gap, every prev_hash equal to the previous hash,
   * every hash equal to the recomputed one; then every ledger anchor of this agency must match the
   * local hash at its to_seq (which catches a rewritten and fully re-hashed chain, and truncation).
   * Reports the first problem found.
   */
  async verify(): Promise<AuditVerification> {
    await this.flush();
    let anchors: AuditAnchor[] | null = null;
    let anchorError: string | null = null;
    if (this.opts.anchors) {
      try {
        anchors = [...(await this.opts.anchors.anchors())].sort((a, b) => a.to_seq - b.to_seq);
      } catch (err) {
        anchorError = (err as Error).message;
      }
    }
    const byToSeq = new Map((anchors ?? []).map((a) => [a.to_seq, a]));
    let problem: { seq: number | null; text: string } | null = null;
    const fail = (seq: number | null, text: string): void => {
      problem ??= { seq, text };
    };
    // The anchors themselves must continue each other from 1 (the contract enforces it; checked anyway).
    let expectedFrom = 1;
    for (const a of anchors ?? []) {
      if (a.from_seq !== expectedFrom) fail(Math.min(a.from_seq, expectedFrom), `the ledger anchors do not continue each other at entry ${expectedFrom} (anchor ${a.from_seq}..${a.to_seq}, tx ${a.tx_id})`);
      expectedFrom = a.to_seq + 1;
    }

    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let entries = 0;
    let anchorsChecked = 0;
    for (;;) {
      const r = await this.db.query<DbAuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq ASC LIMIT ${PAGE}`, [expectedSeq]);
      for (const row of r.rows) {
        const e = entryFromRow(row);
        entries++;
        if (e.seq !== expectedSeq) {
          fail(expectedSeq, `entry ${expectedSeq} is missing: the next stored entry is ${e.seq} (entries deleted or renumbered)`);
        }
        if (e.prevHash !== prevHash) {
          fail(e.seq, `entry ${e.seq} does not follow entry ${e.seq - 1}: its prev_hash is not the hash of the entry before it (entries inserted, deleted or reordered)`);
        }
        let computed: string | null = null;
        try {
          computed = entryHash(e);
        } catch (err) {
          fail(e.seq, `entry ${e.seq} cannot be hashed: ${(err as Error).message}`);
        }
        if (computed !== null && computed !== e.hash) {
          fail(e.seq, `entry ${e.seq} was altered: its content does not match its hash`);
        }
        const anchor = byToSeq.get(e.seq);
        if (anchor) {
          anchorsChecked++;
          if (anchor.head_hash !== e.hash) {
            fail(anchor.from_seq, `entries ${anchor.from_seq}..${anchor.to_seq} differ from what was anchored on the ledger (tx ${anchor.tx_id} at ${anchor.anchored_at}): the log was rewritten`);
          }
        }
        prevHash = e.hash;
        expectedSeq = e.seq + 1;
      }
      if (r.rows.length < PAGE) break;
    }
    const lastAnchor = anchors?.at(-1);
    if (lastAnchor && lastAnchor.to_seq >= expectedSeq) {
      fail(expectedSeq, `entries ${expectedSeq}..${lastAnchor.to_seq} were anchored on the ledger (tx ${lastAnchor.tx_id}) but are missing from the local log (truncated)`);
    }
    if (anchorError !== null) fail(null, `the local chain was checked, but the ledger anchors could not be read: ${anchorError}`);
    const found = problem as { seq: number | null; text: string } | null;
    return {
      ok: found === null,
      entries,
      firstBadSeq: found?.seq ?? null,
      problem: found?.text ?? null,
      anchorsChecked,
      head: { seq: expectedSeq - 1, hash: prevHash },
      lastAnchoredSeq: anchors ? (lastAnchor?.to_seq ?? null) : null,
    };
  }
}
