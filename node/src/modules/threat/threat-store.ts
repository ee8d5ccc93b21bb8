/**
 * The read model of one node: the objects this agency holds, their versions, and the listener's
 * checkpoint, written together in one transaction per block so nothing is missed or duplicated.
 */
import { exerciseOf, type StixObject } from '@popart/schemas';
import { valuesPlaceholders, type Database, type Sql } from '../../read-model/database.js';
import { createLogger, type Logger } from '../../log.js';
import { TableStatistics } from '../../read-model/statistics.js';
import { AddedClock } from './added-clock.js';
import { rowFromDb, searchText, type DbThreatRow, type ThreatRow } from './threat-row.js';

export interface ThreatQuery {
  types?: string[];
  categories?: string[];
  severities?: string[];
  publisherMsps?: string[];
  from?: Date;
  to?: Date;
  /** [minLon, minLat, maxLon, maxLat]: objects whose area intersects it. */
  bbox?: [number, number, number, number];
  text?: string;
  /** Only objects that carry the public-space alert extension. */
  alertsOnly?: boolean;
  includeRevoked?: boolean;
  /** Only objects a consultation may return without a purpose (`open`: TLP:CLEAR, GREEN), or only the others. */
  marking?: 'open' | 'restricted';
  /**
   * Only the objects of this exercise (training; `x_popart_exercise`, or the label "exercise" for the unnamed one).
   * Without it, exercise objects are left out: they never appear among real data (the policy hides them too).
   */
  exercise?: string;
  /** Only objects with at least one correlation link (who may see the other object is decided at egress). */
  correlated?: boolean;
}

/** SQL: whether a row is an exercise object (schemas' exerciseOf, on the stored JSON). */
const IS_EXERCISE = `(stix ? 'x_popart_exercise' OR coalesce(stix->'labels' @> '["exercise"]'::jsonb, false))`;
/** SQL: the exercise a row belongs to (null for a real object). */
const EXERCISE_IS = `coalesce(stix->>'x_popart_exercise', CASE WHEN ${IS_EXERCISE} THEN 'exercise' END)`;

/** The far future the area-and-time index measures from: the nearest to it are the newest (areaStatement). */
const FAR_FUTURE = '9999-12-31T23:59:59Z';

/** The markings under which no purpose is needed (the complement of threat-service's RESTRICTED). */
const OPEN_TLPS = ['clear', 'green'];

export interface Cursor { modified: string; id: string }

/** Objects that describe the exchange itself rather than a threat: listed only when asked for by type. */
export const REFERENCE_TYPES = ['identity', 'marking-definition', 'extension-definition'];

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.modified, c.id])).toString('base64url');
}

export function decodeCursor(s: string): Cursor | null {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) {
      return { modified: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  return null;
}

export const COLUMNS = `id, type, modified, publisher_msp, created_by_ref, tlp, audience, category, severity, name,
  min_lon, min_lat, max_lon, max_lat, sighting_of_ref, revoked, stix, tx_id, block_number, signature_verified, countries`;

const UPSERT_COLUMNS = `${COLUMNS}, modified_at, search_text, added_at`;

/**
 * An object's id, version, category and references, without its content (ThreatStore.outlines). `category` is the
 * alert extension's, set only when the extension validates (rowFromObject), as in a whole row.
 */
export interface ObjectOutline {
  id: string;
  type: string;
  modified: string;
  revoked: boolean;
  category: string | null;
  /** Only `type`, `id` and the references (`source_ref`, `target_ref`, `sighting_of_ref`, `object_refs`) it has. */
  stix: StixObject;
}

/** The references of an outline, as they are in the object (one the object does not have is left out). */
const OUTLINE_REFS = ['source_ref', 'target_ref', 'sighting_of_ref', 'object_refs'] as const;
const OUTLINE_COLUMNS = `id, type, modified, revoked, category, ${OUTLINE_REFS.map((m) => `stix->'${m}' AS ${m}`).join(', ')}`;

type OutlineDbRow = Omit<ObjectOutline, 'stix'> & Record<(typeof OUTLINE_REFS)[number], unknown>;

function outlineFromDb(db: OutlineDbRow): ObjectOutline {
  const stix: Record<string, unknown> = { type: db.type, id: db.id };
  for (const m of OUTLINE_REFS) if (db[m] !== null && db[m] !== undefined) stix[m] = db[m];
  return { id: db.id, type: db.type, modified: db.modified, revoked: db.revoked, category: db.category, stix: stix as StixObject };
}
const PER_ROW = 24;
const CASTS: Record<number, string> = { 6: '::jsonb', 16: '::jsonb', 20: '::jsonb', 21: '::timestamptz', 23: '::timestamptz' };

function rowValues(row: ThreatRow, addedAt: string): unknown[] {
  const b = row.bbox;
  return [row.id, row.type, row.modified, row.publisherMsp, row.createdByRef, row.tlp, JSON.stringify(row.audience),
    row.category, row.severity, row.name, b?.[0] ?? null, b?.[1] ?? null, b?.[2] ?? null, b?.[3] ?? null,
    row.sightingOfRef, row.revoked, JSON.stringify(row.stix), row.txId, row.blockNumber, row.signatureVerified,
    JSON.stringify(row.countries), row.modified, searchText(row.stix), addedAt];
}

/** Latest version per id among the rows (a block may carry several versions of one object). */
export function latestPerId(rows: readonly ThreatRow[]): ThreatRow[] {
  const latest = new Map<string, ThreatRow>();
  for (const row of rows) {
    const seen = latest.get(row.id);
    if (!seen || Date.parse(seen.modified) <= Date.parse(row.modified)) latest.set(row.id, row);
  }
  return [...latest.values()];
}

const UPSERT_OBJECTS_TAIL = `ON CONFLICT (id) DO UPDATE SET
  type = EXCLUDED.type, modified = EXCLUDED.modified, modified_at = EXCLUDED.modified_at,
  publisher_msp = EXCLUDED.publisher_msp, created_by_ref = EXCLUDED.created_by_ref, tlp = EXCLUDED.tlp,
  audience = EXCLUDED.audience, category = EXCLUDED.category, severity = EXCLUDED.severity, name = EXCLUDED.name,
  min_lon = EXCLUDED.min_lon, min_lat = EXCLUDED.min_lat, max_lon = EXCLUDED.max_lon, max_lat = EXCLUDED.max_lat,
  sighting_of_ref = EXCLUDED.sighting_of_ref, revoked = EXCLUDED.revoked, stix = EXCLUDED.stix,
  tx_id = EXCLUDED.tx_id, block_number = EXCLUDED.block_number, signature_verified = EXCLUDED.signature_verified,
  countries = EXCLUDED.countries,
  search_text = EXCLUDED.search_text,
  added_at = CASE WHEN threat_objects.modified_at < EXCLUDED.modified_at THEN EXCLUDED.added_at ELSE threat_objects.added_at END
WHERE threat_objects.modified_at <= EXCLUDED.modified_at`;

/** Rows per statement: one block of the demo fits, and the parameter count stays far below PostgreSQL's limit. */
const CHUNK = 250;

/**
 * One statement that stores a chunk of rows (latest per id, and every version) and, optionally, moves
 * the checkpoint forward. Data-modifying CTEs make it atomic without BEGIN/COMMIT round trips, which
 * matters for PGlite, whose cost is per statement.
 */
function blockStatement(rows: readonly ThreatRow[], checkpoint: { listener: string; block: number } | null, clock: AddedClock): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const ctes: string[] = [];
  if (rows.length) {
    // Each version its own added time, in ledger order; an object's row gets its latest version's.
    const added = new Map(rows.map((row) => [row, clock.next()]));
    const latest = latestPerId(rows);
    params.push(...latest.flatMap((row) => rowValues(row, added.get(row) as string)));
    ctes.push(`objects AS (INSERT INTO threat_objects (${UPSERT_COLUMNS}) VALUES ${valuesPlaceholders(latest.length, PER_ROW, CASTS)}
      ${UPSERT_OBJECTS_TAIL} RETURNING 1)`);
    const offset = params.length;
    params.push(...rows.flatMap((row) => [row.id, row.modified, JSON.stringify(row.stix), row.txId, row.blockNumber, added.get(row)]));
    const versionValues = valuesPlaceholders(rows.length, 6, { 2: '::jsonb', 5: '::timestamptz' }, offset);
    ctes.push(`versions AS (INSERT INTO threat_versions (id, modified, stix, tx_id, block_number, added_at) VALUES ${versionValues}
      ON CONFLICT (id, modified) DO NOTHING RETURNING 1)`);
  }
  const main = checkpoint
    ? `INSERT INTO ledger_checkpoint (listener, block_number) VALUES ($${params.push(checkpoint.listener)}, $${params.push(checkpoint.block)})
       ON CONFLICT (listener) DO UPDATE SET block_number = EXCLUDED.block_number
       WHERE ledger_checkpoint.block_number < EXCLUDED.block_number RETURNING block_number`
    : 'SELECT 1 AS block_number';
  return { text: `${ctes.length ? `WITH ${ctes.join(',\n')} ` : ''}${main}`, params };
}

/** An object on the ledger not released to this agency: its facts and the release decision (never its content). */
export interface Withheld { id: string; facts: unknown; decision: unknown; blockNumber: number }

/**
 * Rows an area search with a text reads newest first, through the other filters, before it leaves the plan to the
 * planner (search; an area without a text has areaStatement). Reading them costs a few milliseconds; an area holding
 * one object in forty still fills a page of 50 from them.
 */
export const BBOX_RECENT_ROWS = 2000;
/**
 * When those do not hold the page, ten times as many are read before the R-tree: objects come in bundles from one
 * place, so the newest 2,000 rows often hold too few of a busy area by chance, and the R-tree then sorts every
 * object in it (45,000 at each of the bench's sites at a million objects: about a second).
 */
export const BBOX_WIDER = 10;

export class ThreatStore {
  /** See BBOX_RECENT_ROWS (tests set it lower to take both paths on little data). */
  bboxRecentRows = BBOX_RECENT_ROWS;

  /** Gives each stored version its added time (TAXII's date_added). */
  private readonly added = new AddedClock();

  /** Exercises removed from this read model (modules/exercise): their objects are never stored again. */
  private readonly ended = new Set<string>();

  /** The planner's view of threat_objects, kept current as it grows. */
  readonly statistics: TableStatistics;

  /** Where the listener writes: ahead of users' queries, so that an alert is stored (and delivered) without waiting for them. */
  private readonly writer: Database;

  constructor(private readonly db: Database, private readonly listener = 'ledger', log: Logger = createLogger('read-model', 'warn')) {
    this.writer = db.urgent;
    // ANALYZE runs beside the writer, at the queries' priority, and the writer never waits for it.
    this.statistics = new TableStatistics(db, 'threat_objects', ['type', 'modified_at', 'publisher_msp', 'category', 'severity',
      'search_text', 'min_lon', 'min_lat', 'max_lon', 'max_lat', 'revoked', 'sighting_of_ref'],
    (err) => log.warn('the planner\'s statistics of the objects were not updated; the next growth of a tenth tries again', {
      error: err instanceof Error ? err.message : String(err),
    }));
  }

  /** Loads the exercises removed earlier (table ended_exercises). */
  async loadEndedExercises(): Promise<void> {
    const r = await this.db.query<{ exercise: string }>('SELECT exercise FROM ended_exercises');
    for (const row of r.rows) this.ended.add(row.exercise);
  }

  /** From now on, objects of this exercise that arrive (late, or replayed) are not stored. */
  endExercise(exercise: string): void {
    this.ended.add(exercise);
  }

  /**
   * Removes every object (and every version) of the exercise from the read model, and stores none of it again; real
   * objects are not touched (only rows whose stored STIX carries the exercise's mark match). Returns the ids removed.
   */
  async purgeExercise(exercise: string, now = new Date()): Promise<string[]> {
    const ids = await this.db.transaction(async (tx) => {
      const r = await tx.query<{ id: string }>(`DELETE FROM threat_objects WHERE ${EXERCISE_IS} = $1 RETURNING id`, [exercise]);
      const removed = r.rows.map((row) => row.id);
      await tx.query('DELETE FROM threat_versions WHERE id = ANY($1::text[])', [removed]);
      await tx.query(`INSERT INTO ended_exercises (exercise, ended_at, removed) VALUES ($1, $2, $3)
        ON CONFLICT (exercise) DO UPDATE SET ended_at = EXCLUDED.ended_at, removed = ended_exercises.removed + EXCLUDED.removed`,
      [exercise, now.toISOString(), removed.length]);
      return removed;
    });
    this.ended.add(exercise);
    return ids;
  }

  /** The rows minus those of ended exercises. */
  private kept<T extends ThreatRow>(rows: readonly T[]): T[] {
    if (this.ended.size === 0) return [...rows];
    return rows.filter((row) => {
      const exercise = exerciseOf(row.stix);
      return exercise === null || !this.ended.has(exercise);
    });
  }

  /** Last block fully applied, or -1 when none. */
  async checkpoint(): Promise<number> {
    const r = await this.writer.query<{ block_number: number }>('SELECT block_number FROM ledger_checkpoint WHERE listener = $1', [this.listener]);
    return r.rows[0]?.block_number ?? -1;
  }

  /**
   * Stores the rows of one block and moves the checkpoint to it, atomically. A block at or below the
   * checkpoint changes nothing (the writes are idempotent and the checkpoint never moves back);
   * returns whether the checkpoint moved.
   */
  async applyBlock(blockNumber: number, all: ThreatRow[]): Promise<boolean> {
    const rows = this.kept(all);
    const moved = await this.writeBlock(blockNumber, rows);
    if (rows.length) this.statistics.wrote(rows.length);
    return moved;
  }

  private async writeBlock(blockNumber: number, rows: ThreatRow[]): Promise<boolean> {
    const checkpoint = { listener: this.listener, block: blockNumber };
    if (rows.length <= CHUNK) {
      const st = blockStatement(rows, checkpoint, this.added);
      return (await this.writer.query(st.text, st.params)).rows.length === 1;
    }
    return this.writer.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const st = blockStatement(rows.slice(i, i + CHUNK), i + CHUNK >= rows.length ? checkpoint : null, this.added);
        const r = await tx.query(st.text, st.params);
        if (i + CHUNK >= rows.length) return r.rows.length === 1;
      }
      return false;
    });
  }

  /** Stores rows without moving the checkpoint (idempotent, like applyBlock's writes). */
  async storeRows(all: readonly ThreatRow[]): Promise<void> {
    const rows = this.kept(all);
    for (let i = 0; i < rows.length; i += CHUNK) {
      const st = blockStatement(rows.slice(i, i + CHUNK), null, this.added);
      await this.writer.query(st.text, st.params);
    }
    if (rows.length) this.statistics.wrote(rows.length);
  }

  /** Moves the checkpoint to the block, running `also` in the same transaction. */
  async checkpointWith(blockNumber: number, also: (sql: Sql) => Promise<void>): Promise<void> {
    await this.writer.transaction(async (tx) => {
      await also(tx);
      const st = blockStatement([], { listener: this.listener, block: blockNumber }, this.added);
      await tx.query(st.text, st.params);
    });
  }

  /** Whether the database answers at all (tells a bad row from a database that is down). */
  async ping(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Remembers that objects exist on the ledger but were not released to this agency: their facts (markings, publisher,
   * area) and the release decision, never their content. Used to explain. One statement for a block's objects; an id
   * given twice (two versions in one block) keeps its last entry.
   */
  async recordWithheldMany(entries: readonly Withheld[]): Promise<void> {
    const last = [...new Map(entries.map((e) => [e.id, e])).values()];
    if (last.length === 0) return;
    await this.writer.query(
      `INSERT INTO withheld_objects (id, facts, decision, block_number)
       SELECT * FROM unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::int[])
       ON CONFLICT (id) DO UPDATE SET facts = EXCLUDED.facts, decision = EXCLUDED.decision, block_number = EXCLUDED.block_number`,
      [last.map((e) => e.id), last.map((e) => JSON.stringify(e.facts)), last.map((e) => JSON.stringify(e.decision)), last.map((e) => e.blockNumber)]);
  }

  async withheld(id: string): Promise<{ facts: unknown; decision: unknown } | undefined> {
    const r = await this.db.query<{ facts: unknown; decision: unknown }>('SELECT facts, decision FROM withheld_objects WHERE id = $1', [id]);
    return r.rows[0];
  }

  async get(id: string): Promise<ThreatRow | undefined> {
    const r = await this.db.query<DbThreatRow>(`SELECT ${COLUMNS} FROM threat_objects WHERE id = $1`, [id]);
    return r.rows[0] ? rowFromDb(r.rows[0]) : undefined;
  }

  /** The rows of these ids that the read model holds (any order; unknown ids are left out). */
  async getMany(ids: readonly string[]): Promise<ThreatRow[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<DbThreatRow>(`SELECT ${COLUMNS} FROM threat_objects WHERE id = ANY($1::text[])`, [ids]);
    return r.rows.map(rowFromDb);
  }

  async versions(id: string): Promise<{ modified: string; stix: ThreatRow['stix']; txId: string; blockNumber: number }[]> {
    const r = await this.db.query<{ modified: string; stix: ThreatRow['stix']; tx_id: string; block_number: number }>(
      'SELECT modified, stix, tx_id, block_number FROM threat_versions WHERE id = $1 ORDER BY modified ASC', [id]);
    return r.rows.map((v) => ({ modified: v.modified, stix: v.stix, txId: v.tx_id, blockNumber: v.block_number }));
  }

  async sightingsOf(id: string): Promise<ThreatRow[]> {
    const r = await this.db.query<DbThreatRow>(
      `SELECT ${COLUMNS} FROM threat_objects WHERE sighting_of_ref = $1 ORDER BY modified_at ASC, id ASC`, [id]);
    return r.rows.map(rowFromDb);
  }

  /** Newest first, after the cursor, at most `limit` rows. */
  async search(q: ThreatQuery, after: Cursor | null, limit: number): Promise<ThreatRow[]> {
    if (q.bbox && !q.text) {
      // An area: its rows newest first from the area-and-time index (areaStatement), the page's rows only.
      const st = this.areaStatement(q, after, limit);
      const r = await this.db.queryWith<DbThreatRow>(st.settings, st.text, st.params);
      return r.rows.map(rowFromDb);
    }
    if (q.bbox) {
      // An area and a text: the trigram index (bitmap scans only) may be the way, so the planner chooses. It has no
      // statistics for boxes, and would take the R-tree, then sort what lies in the area: at a stadium of a
      // million-object read model, 30,000 rows for a page of 50 (333 ms). The newest rows through the other filters,
      // the area checked on each, answer the page when they hold it whole: then its rows are the newest that match
      // (any newer match would be among those rows). Else ten times as many; else the planner's plan.
      for (const rows of [this.bboxRecentRows, this.bboxRecentRows * BBOX_WIDER]) {
        const recent = this.searchStatement(q, after, limit, rows);
        const r = await this.db.query<DbThreatRow>(recent.text, recent.params);
        if (r.rows.length === limit) return r.rows.map(rowFromDb);
      }
    }
    const st = this.searchStatement(q, after, limit);
    const r = await this.db.query<DbThreatRow>(st.text, st.params);
    return r.rows.map(rowFromDb);
  }

  /**
   * The rows {@link search} gives for `q`, with only what says which objects an object points at and whether it is an
   * alert or a report (the MISP feed's index, misp-feed-index.ts): its `stix` holds the type, id and references, no
   * other content. Reading them costs a fraction of reading whole rows (a million
   * rows: the whole objects' JSON is most of what a row holds).
   */
  async outlines(q: ThreatQuery, after: Cursor | null, limit: number): Promise<ObjectOutline[]> {
    const st = this.searchStatement(q, after, limit, undefined, OUTLINE_COLUMNS);
    const r = await this.db.query<OutlineDbRow>(st.text, st.params);
    return r.rows.map(outlineFromDb);
  }

  /**
   * The statement of {@link search} for an area without a text (also for EXPLAIN: bench/read-scale, docs/read-model.md),
   * run with `settings` (Database.queryWith). The area-and-time index (`threat_objects_area_time`)
   * gives the area's rows nearest a far future first, i.e. newest first: the first `limit` that pass every filter
   * bound the page from below in time (`bound`), and the page is the newest of the rows from that time on, in page
   * order (rows of the bound's time that it left out are read then, so ties are broken by id as everywhere). Both
   * reads stop after about a page, however many objects the area holds. Without bitmap scans: with them the planner
   * (which has no statistics for boxes) would read every row in the area and sort them, as the R-tree alone did.
   */
  areaStatement(q: ThreatQuery, after: Cursor | null, limit: number): { text: string; params: unknown[]; settings: string[] } {
    const { where, inArea, params, p } = this.conditions(q, after, 'index');
    // After a cursor, the time alone too: the area-and-time index tests it (the pair decides).
    const matching = [...where, ...inArea, ...(after ? [`modified_at <= ${p(after.modified)}::timestamptz`] : [])].join(' AND ');
    const n = p(limit);
    return {
      text: `WITH bound AS MATERIALIZED (SELECT modified_at FROM threat_objects WHERE ${matching}
          ORDER BY modified_at <-> '${FAR_FUTURE}'::timestamptz LIMIT ${n})
        SELECT ${COLUMNS} FROM threat_objects WHERE ${matching} AND modified_at >= (SELECT min(modified_at) FROM bound)
        ORDER BY modified_at DESC, id DESC LIMIT ${n}`,
      params,
      settings: ['enable_bitmapscan = off'],
    };
  }

  /**
   * The statement of {@link search} (also for EXPLAIN: bench/read-scale, docs/read-model.md), but for an area without
   * a text (areaStatement). With `recentRows` and an area: the newest `recentRows` rows of the other filters, the area
   * checked on those only.
   */
  searchStatement(q: ThreatQuery, after: Cursor | null, limit: number, recentRows?: number, columns = COLUMNS): { text: string; params: unknown[] } {
    const { where, inArea, params, p } = this.conditions(q, after, recentRows === undefined ? 'index' : 'exact');
    const filtered = (list: string[]): string => (list.length ? `WHERE ${list.join(' AND ')}` : '');
    if (recentRows !== undefined && inArea.length) {
      const inner = `SELECT * FROM threat_objects ${filtered(where)} ORDER BY modified_at DESC, id DESC LIMIT ${p(recentRows)}`;
      return { text: `SELECT ${columns} FROM (${inner}) recent ${filtered(inArea)} ORDER BY modified_at DESC, id DESC LIMIT ${p(limit)}`, params };
    }
    const sql = `SELECT ${columns} FROM threat_objects ${filtered([...where, ...inArea])}
      ORDER BY modified_at DESC, id DESC LIMIT ${p(limit)}`;
    return { text: sql, params };
  }

  /**
   * The conditions of a search (`where`, and the area's exact comparisons apart in `inArea`), with their parameters
   * (`p` adds one). With `area: 'index'` the area index's box test is in `where` too (it tolerates 10⁻⁶ degrees, so
   * the exact comparisons decide, as they did before the index).
   */
  private conditions(q: ThreatQuery, after: Cursor | null, area: 'index' | 'exact'):
  { where: string[]; inArea: string[]; params: unknown[]; p: (v: unknown) => string } {
    const where: string[] = [];
    const inArea: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (!q.includeRevoked) where.push('revoked = false');
    if (q.types?.length) where.push(`type = ANY(${p(q.types)}::text[])`);
    else where.push(`type <> ALL(${p(REFERENCE_TYPES)}::text[])`);
    if (q.categories?.length) where.push(`category = ANY(${p(q.categories)}::text[])`);
    if (q.severities?.length) where.push(`severity = ANY(${p(q.severities)}::text[])`);
    if (q.publisherMsps?.length) where.push(`publisher_msp = ANY(${p(q.publisherMsps)}::text[])`);
    if (q.alertsOnly) where.push('category IS NOT NULL');
    if (q.exercise === undefined) where.push(`NOT ${IS_EXERCISE}`);
    else where.push(`${EXERCISE_IS} = ${p(q.exercise)}`);
    if (q.marking === 'open') where.push(`tlp = ANY(${p(OPEN_TLPS)}::text[])`);
    if (q.marking === 'restricted') where.push(`(tlp IS NULL OR tlp <> ALL(${p(OPEN_TLPS)}::text[]))`);
    if (q.correlated) {
      where.push('(EXISTS (SELECT 1 FROM correlation_links l WHERE l.a_id = threat_objects.id) OR EXISTS (SELECT 1 FROM correlation_links l WHERE l.b_id = threat_objects.id))');
    }
    if (q.from) where.push(`modified_at >= ${p(q.from.toISOString())}::timestamptz`);
    if (q.to) where.push(`modified_at <= ${p(q.to.toISOString())}::timestamptz`);
    if (q.bbox) {
      const [minLon, minLat, maxLon, maxLat] = q.bbox;
      const [x0, y0, x1, y1] = [p(minLon), p(minLat), p(maxLon), p(maxLat)];
      if (area === 'index') {
        where.push(`min_lon IS NOT NULL AND box(point(min_lon, min_lat), point(max_lon, max_lat)) && box(point(${x0}, ${y0}), point(${x1}, ${y1}))`);
      }
      inArea.push(`min_lon <= ${x1} AND max_lon >= ${x0} AND min_lat <= ${y1} AND max_lat >= ${y0}`);
    }
    if (q.text) where.push(`search_text LIKE ${p('%' + q.text.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%')}`);
    if (after) where.push(`(modified_at, id) < (${p(after.modified)}::timestamptz, ${p(after.id)})`);
    return { where, inArea, params, p };
  }
}
