/**
 * Objects committed on the ledger that this node's read model could not take: set aside with the reason,
 * the block and the transaction, so the listener goes on with the next object instead of retrying one
 * forever. A supervisor lists them and retries them once the cause is fixed (see LedgerListener.retry).
 *
 * Everything stored here is made storable first: a reason or an id may itself hold the characters
 * that made the object unstorable.
 */
import type { Database, Sql } from '../../read-model/database.js';

export interface QuarantineEntry {
  objectId: string;
  /** The version (`modified`), '' when unknown. */
  modified: string;
  blockNumber: number;
  txId: string;
  publisherMsp: string;
  /** The object's announcement from the objects event, as JSON text (what is needed to fetch it again). */
  announcement: string;
  /** Whether the transaction's signature was verified against the publisher's key when it was received. */
  signatureVerified: boolean;
  reason: string;
}

export interface QuarantinedObject extends QuarantineEntry {
  attempts: number;
  quarantinedAt: string;
  lastAttemptAt: string;
}

/** Text PostgreSQL stores: U+0000 and unpaired surrogates become U+FFFD; at most `max` characters. */
export function storableText(s: string, max = 2000): string {
  const clean = s.replaceAll(String.fromCharCode(0), '\ufffd').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function cleaned(e: QuarantineEntry): unknown[] {
  return [storableText(e.objectId, 300), storableText(e.modified, 64), e.blockNumber, storableText(e.txId, 200),
    storableText(e.publisherMsp, 200), storableText(e.announcement, 64_000), storableText(e.reason), e.signatureVerified];
}

const COLUMNS = 'object_id, modified, block_number, tx_id, publisher_msp, announcement, reason, signature_verified, attempts, quarantined_at, last_attempt_at';

interface DbRow {
  object_id: string; modified: string; block_number: number; tx_id: string; publisher_msp: string; announcement: string;
  reason: string; signature_verified: boolean; attempts: number; quarantined_at: Date | string; last_attempt_at: Date | string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

export class QuarantineStore {
  constructor(private readonly db: Database) {}

  /** Adds (or, for an object already there, counts another failed attempt of) each entry. */
  async add(entries: readonly QuarantineEntry[], sql: Sql = this.db): Promise<void> {
    for (const e of entries) {
      await sql.query(
        `INSERT INTO quarantined_objects (object_id, modified, block_number, tx_id, publisher_msp, announcement, reason, signature_verified)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tx_id, object_id, modified) DO UPDATE SET reason = EXCLUDED.reason,
           attempts = quarantined_objects.attempts + 1, last_attempt_at = now()`, cleaned(e));
    }
  }

  async list(limit = 500): Promise<QuarantinedObject[]> {
    const r = await this.db.query<DbRow>(`SELECT ${COLUMNS} FROM quarantined_objects ORDER BY block_number, tx_id, object_id LIMIT $1`, [limit]);
    return r.rows.map((row) => ({
      objectId: row.object_id, modified: row.modified, blockNumber: row.block_number, txId: row.tx_id, publisherMsp: row.publisher_msp,
      announcement: row.announcement, reason: row.reason, signatureVerified: row.signature_verified, attempts: row.attempts, quarantinedAt: iso(row.quarantined_at), lastAttemptAt: iso(row.last_attempt_at),
    }));
  }

  async count(): Promise<number> {
    const r = await this.db.query<{ n: number | string }>('SELECT count(*) AS n FROM quarantined_objects');
    return Number(r.rows[0]?.n ?? 0);
  }

  async remove(e: Pick<QuarantineEntry, 'txId' | 'objectId' | 'modified'>): Promise<void> {
    await this.db.query('DELETE FROM quarantined_objects WHERE tx_id = $1 AND object_id = $2 AND modified = $3', [e.txId, e.objectId, e.modified]);
  }
}
