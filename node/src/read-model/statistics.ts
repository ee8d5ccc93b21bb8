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
   * @param columns the columns the queries filter and sort on (only these are sampled: the STIX content is large and
   *   no query's plan depends on it)
   */
  constructor(private readonly db: Sql, private readonly table: string, private readonly columns: readonly string[]) {}

  /** Counts rows written; analyses the table once it has grown enough since the last time. */
  async wrote(rows: number): Promise<void> {
    this.written += rows;
    if (this.running) return;
    this.analysed ??= await this.rowsAnalysed();
    if (this.written < Math.max(FIRST, this.analysed * GROWTH)) return;
    const size = this.analysed + this.written;
    this.written = 0;
    this.running = this.analyse().finally(() => {
      this.running = null;
    });
    await this.running;
    this.analysed = size;
  }

  /** Analyses now (after a bulk load). */
  async analyse(): Promise<void> {
    await this.db.query(`ANALYZE ${this.table} (${this.columns.join(', ')})`);
  }

  /** The row count of the last ANALYZE (or VACUUM), 0 when never analysed. */
  private async rowsAnalysed(): Promise<number> {
    const r = await this.db.query<{ n: number }>('SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = $1::regclass', [this.table]);
    return r.rows[0]?.n ?? 0;
  }
}
