/**
 * Keeps the planner's statistics of a growing table current. PGlite runs no autovacuum, so without this its planner
 * would judge a table of a million rows by the statistics of an empty one and, e.g., scan where an index would find
 * a few rows. On a PostgreSQL server autovacuum does the same; doing it here too keeps both on the same plans.
 */
import type { Sql } from './database.js';

/** Rows written before the first ANALYZE, and the growth (a tenth of what was analysed) that calls for the next. */
const FIRST = 500;
const GROWTH = 0.1;

export class TableStatistics {
  private analysed: number | null = null;
  private written = 0;
  private running: Promise<void> | null = null;

  /**
   * @param db where ANALYZE runs: not the writer's connection, so that the writer goes on while it runs
   * @param columns the columns the queries filter and sort on (only these are sampled: the STIX content is large and
   *   no query's plan depends on it)
   * @param failed told when an ANALYZE fails (the next growth tries again)
   */
  constructor(private readonly db: Sql, private readonly table: string, private readonly columns: readonly string[],
    private readonly failed: (err: unknown) => void) {}

  /**
   * Counts rows written; once the table has grown enough since the last time, analyses it in the background. The
   * writer does not wait: an ANALYZE reads a sample of up to 30,000 rows (a quarter of a second at 100,000 objects), and
   * the block's alerts are announced after the block is stored. A failed ANALYZE changes nothing the writer did.
   */
  wrote(rows: number): void {
    this.written += rows;
    if (this.running) return;
    this.running = this.analyseIfGrown().catch(this.failed).finally(() => {
      this.running = null;
    });
  }

  /** Resolves when no ANALYZE started by wrote() is running (before closing the database). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Analyses now (after a bulk load). */
  async analyse(): Promise<void> {
    await this.db.query(`ANALYZE ${this.table} (${this.columns.join(', ')})`);
  }

  private async analyseIfGrown(): Promise<void> {
    this.analysed ??= await this.rowsAnalysed();
    if (this.written < Math.max(FIRST, this.analysed * GROWTH)) return;
    const size = this.analysed + this.written;
    this.written = 0;
    await this.analyse();
    this.analysed = size;
  }

  /** The row count of the last ANALYZE (or VACUUM), 0 when never analysed. */
  private async rowsAnalysed(): Promise<number> {
    const r = await this.db.query<{ n: number }>('SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = $1::regclass', [this.table]);
    return r.rows[0]?.n ?? 0;
  }
}
