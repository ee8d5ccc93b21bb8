/**
 * Tokens revoked by logout, kept until they would have expired anyway. Checked in memory on every
 * request; written to the read model's `revoked_tokens` table (when there is a database) so that a
 * restart does not bring a signed-out token back. Tokens are kept by their SHA-256, never in clear.
 */
import { createHash } from 'node:crypto';
import type { Database } from '../read-model/database.js';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class RevokedTokens {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly db: Database | null = null) {}

  /** Loads the revocations that have not expired yet (and drops the others from the table). */
  async load(now = new Date()): Promise<void> {
    if (!this.db) return;
    await this.db.query('DELETE FROM revoked_tokens WHERE expires_at <= $1', [now.toISOString()]);
    const r = await this.db.query<{ token_hash: string; expires_at: string | Date }>('SELECT token_hash, expires_at FROM revoked_tokens');
    for (const row of r.rows) this.revoked.set(row.token_hash, new Date(row.expires_at).getTime());
  }

  async revoke(token: string, expiresAt: Date, now = new Date()): Promise<void> {
    this.prune(now.getTime());
    const hash = tokenHash(token);
    if (this.db) {
      await this.db.query('INSERT INTO revoked_tokens (token_hash, expires_at) VALUES ($1, $2) ON CONFLICT (token_hash) DO NOTHING', [hash, expiresAt.toISOString()]);
    }
    this.revoked.set(hash, expiresAt.getTime());
  }

  has(token: string): boolean {
    return this.revoked.has(tokenHash(token));
  }

  get size(): number {
    return this.revoked.size;
  }

  private prune(now: number): void {
    for (const [hash, exp] of this.revoked) if (exp <= now) this.revoked.delete(hash);
  }
}
