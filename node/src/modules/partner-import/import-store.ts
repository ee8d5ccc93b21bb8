/** Where each partner import stands, kept in the read model (table partner_imports): its cursor and its last run. */
import type { Database } from '../../read-model/database.js';

export interface ImportState {
  /** The last X-TAXII-Date-Added-Last seen: the next pull asks for objects added after it. */
  addedAfter: string | null;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  imported: number;
  skipped: number;
  refused: number;
}

export class ImportStore {
  constructor(private readonly db: Database) {}

  async get(importId: string): Promise<ImportState> {
    const r = await this.db.query<{ added_after: string | null; last_run_at: Date | null; last_success_at: Date | null; last_error: string | null; imported: number; skipped: number; refused: number }>(
      'SELECT added_after, last_run_at, last_success_at, last_error, imported, skipped, refused FROM partner_imports WHERE import_id = $1', [importId]);
    const row = r.rows[0];
    if (!row) return { addedAfter: null, lastRunAt: null, lastSuccessAt: null, lastError: null, imported: 0, skipped: 0, refused: 0 };
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      addedAfter: row.added_after, lastRunAt: iso(row.last_run_at), lastSuccessAt: iso(row.last_success_at), lastError: row.last_error,
      imported: Number(row.imported), skipped: Number(row.skipped), refused: Number(row.refused),
    };
  }

  /** A page done: the cursor moves on (when the partner gave one) and the counts grow. */
  async pageDone(importId: string, addedAfter: string | undefined, counts: { imported: number; skipped: number; refused: number }): Promise<void> {
    await this.db.query(
      `INSERT INTO partner_imports (import_id, added_after, imported, skipped, refused) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (import_id) DO UPDATE SET added_after = COALESCE($2, partner_imports.added_after),
         imported = partner_imports.imported + $3, skipped = partner_imports.skipped + $4, refused = partner_imports.refused + $5`,
      [importId, addedAfter ?? null, counts.imported, counts.skipped, counts.refused]);
  }

  async runDone(importId: string, error: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO partner_imports (import_id, last_run_at, last_success_at, last_error) VALUES ($1, now(), CASE WHEN $2::text IS NULL THEN now() END, $2)
       ON CONFLICT (import_id) DO UPDATE SET last_run_at = now(), last_error = $2,
         last_success_at = CASE WHEN $2::text IS NULL THEN now() ELSE partner_imports.last_success_at END`,
      [importId, error]);
  }
}
