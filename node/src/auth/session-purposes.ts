/**
 * The purpose a signed-in user stated once for their session (or the operation they work on: a case number), as police
 * systems ask an officer for a case number when they sign in. Every consultation that states no purpose of its own is
 * made, and audited, under it. Kept by the token's SHA-256 until the token expires or its user signs out, in memory and
 * in the read model's `session_purposes` table (when there is a database), so a restart keeps it.
 */
import type { Database } from '../read-model/database.js';
import { tokenHash } from './revoked-tokens.js';

export interface StatedPurpose {
  purpose: string;
  statedAt: Date;
}

/** Longest purpose kept (characters): a sentence or a case reference, not a document. */
export const MAX_PURPOSE_LENGTH = 500;

export class SessionPurposes {
  private readonly stated = new Map<string, StatedPurpose & { expiresAt: number }>();

  constructor(private readonly db: Database | null = null) {}

  /** Loads the purposes of sessions that have not expired yet (and drops the others from the table). */
  async load(now = new Date()): Promise<void> {
    if (!this.db) return;
    await this.db.query('DELETE FROM session_purposes WHERE expires_at <= $1', [now.toISOString()]);
    const r = await this.db.query<{ token_hash: string; purpose: string; stated_at: string | Date; expires_at: string | Date }>(
      'SELECT token_hash, purpose, stated_at, expires_at FROM session_purposes');
    for (const row of r.rows) {
      this.stated.set(row.token_hash, { purpose: row.purpose, statedAt: new Date(row.stated_at), expiresAt: new Date(row.expires_at).getTime() });
    }
  }

  async state(token: string, purpose: string, expiresAt: Date, now = new Date()): Promise<StatedPurpose> {
    this.prune(now.getTime());
    const hash = tokenHash(token);
    if (this.db) {
      await this.db.query(
        `INSERT INTO session_purposes (token_hash, purpose, stated_at, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (token_hash) DO UPDATE SET purpose = EXCLUDED.purpose, stated_at = EXCLUDED.stated_at`,
        [hash, purpose, now.toISOString(), expiresAt.toISOString()]);
    }
    const entry = { purpose, statedAt: now, expiresAt: expiresAt.getTime() };
    this.stated.set(hash, entry);
    return { purpose, statedAt: now };
  }

  async clear(token: string): Promise<void> {
    const hash = tokenHash(token);
    if (this.db) await this.db.query('DELETE FROM session_purposes WHERE token_hash = $1', [hash]);
    this.stated.delete(hash);
  }

  of(token: string, now = Date.now()): StatedPurpose | undefined {
    const entry = this.stated.get(tokenHash(token));
    return entry && entry.expiresAt > now ? { purpose: entry.purpose, statedAt: entry.statedAt } : undefined;
  }

  private prune(now: number): void {
    for (const [hash, entry] of this.stated) if (entry.expiresAt <= now) this.stated.delete(hash);
  }
}
