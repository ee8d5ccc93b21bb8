/**
 * The read model in the order objects reached this node (`added_at`): what feeds for partner systems page through
 * (TAXII's date_added, added_after and `next`). A page is a keyset range on (added_at, id, modified), served by an index,
 * so paging a large collection costs the same on the last page as on the first, and a page boundary never moves when
 * new objects arrive (they are added after everything already there).
 *
 * Rows come back with the object's latest row beside an older version, so that the egress gate can judge both: an old
 * version is handed out only if the object as it is now is visible too (a version cannot escape a later tightening).
 */
import { areaOfObject, type StixObject } from '@popart/schemas';
import type { Database } from '../../read-model/database.js';
import { rowFromDb, rowFromObject, type DbThreatRow, type ThreatRow } from './threat-row.js';
import { COLUMNS } from './threat-store.js';

/** Which versions of each object: TAXII match[version] (default: the last). */
export interface VersionMatch { all: boolean; first: boolean; last: boolean; at: string[] }

export interface AddedQuery {
  types?: readonly string[];
  /** Only objects that carry the public-space alert extension. */
  alertsOnly?: boolean;
  ids?: readonly string[];
  /** RFC 3339: only versions added after it. */
  addedAfter?: string;
  versions: VersionMatch;
}

/** A position in added order (opaque to clients as `next`). */
export interface AddedCursor { addedAt: string; id: string; modified: string }

export interface AddedRow {
  /** The version (for the latest version, the object's row itself). */
  row: ThreatRow;
  /** The object's latest row when `row` is an older version, else null. */
  latest: ThreatRow | null;
  /** When this version reached the node, RFC 3339 with microseconds. */
  addedAt: string;
}

export const LAST_ONLY: VersionMatch = Object.freeze({ all: false, first: false, last: true, at: [] as string[] }) as VersionMatch;

export function encodeAddedCursor(c: AddedCursor): string {
  return Buffer.from(JSON.stringify([c.addedAt, c.id, c.modified])).toString('base64url');
}

export function decodeAddedCursor(text: string): AddedCursor | null {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string') && !Number.isNaN(Date.parse(v[0] as string))) {
      return { addedAt: v[0] as string, id: v[1] as string, modified: v[2] as string };
    }
  } catch {
    // not a cursor
  }
  return null;
}

/** added_at as RFC 3339 text with microseconds (the driver's Date would keep only milliseconds). */
const ADDED = (table: string): string => `to_char(${table}.added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS added`;
const O_COLUMNS = COLUMNS.split(',').map((c) => `o.${c.trim()}`).join(', ');

type VersionDbRow = DbThreatRow & { added: string; v_modified: string; v_stix: StixObject; v_tx_id: string; v_block_number: number };

export class AddedStore {
  constructor(private readonly db: Database) {}

  /** At most `limit` versions matching the query, in added order, after the cursor. */
  async page(q: AddedQuery, after: AddedCursor | null, limit: number): Promise<AddedRow[]> {
    const v = q.versions;
    return !v.all && !v.first && v.last && v.at.length === 0 ? this.latest(q, after, limit) : this.versions(q, after, limit);
  }

  private filters(q: AddedQuery, p: (v: unknown) => string, table: string): string[] {
    const where: string[] = [];
    if (q.types?.length) where.push(`o.type = ANY(${p(q.types)}::text[])`);
    if (q.alertsOnly) where.push('o.category IS NOT NULL');
    if (q.ids?.length) where.push(`o.id = ANY(${p(q.ids)}::text[])`);
    if (q.addedAfter) where.push(`${table}.added_at > ${p(q.addedAfter)}::timestamptz`);
    return where;
  }

  /** The latest version of each object: the objects table alone. */
  private async latest(q: AddedQuery, after: AddedCursor | null, limit: number): Promise<AddedRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown): string => `$${params.push(v)}`;
    const where = this.filters(q, p, 'o');
    if (after) where.push(`(o.added_at, o.id) > (${p(after.addedAt)}::timestamptz, ${p(after.id)})`);
    const r = await this.db.query<DbThreatRow & { added: string }>(
      `SELECT ${O_COLUMNS}, ${ADDED('o')} FROM threat_objects o ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY o.added_at, o.id LIMIT ${p(limit)}`, params);
    return r.rows.map((db) => ({ row: rowFromDb(db), latest: null, addedAt: db.added }));
  }

  /** Versions (first, last, at given times, or all) with their object's latest row. */
  private async versions(q: AddedQuery, after: AddedCursor | null, limit: number): Promise<AddedRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown): string => `$${params.push(v)}`;
    const where = this.filters(q, p, 'v');
    const m = q.versions;
    if (!m.all) {
      const which: string[] = [];
      if (m.last) which.push('v.modified = o.modified');
      if (m.first) which.push('NOT EXISTS (SELECT 1 FROM threat_versions w WHERE w.id = v.id AND w.modified::timestamptz < v.modified::timestamptz)');
      if (m.at.length) which.push(`v.modified::timestamptz = ANY(${p(m.at)}::timestamptz[])`);
      where.push(`(${which.join(' OR ')})`);
    }
    if (after) where.push(`(v.added_at, v.id, v.modified) > (${p(after.addedAt)}::timestamptz, ${p(after.id)}, ${p(after.modified)})`);
    const r = await this.db.query<VersionDbRow>(
      `SELECT ${O_COLUMNS}, ${ADDED('v')}, v.modified AS v_modified, v.stix AS v_stix, v.tx_id AS v_tx_id, v.block_number AS v_block_number
       FROM threat_versions v JOIN threat_objects o ON o.id = v.id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY v.added_at, v.id, v.modified LIMIT ${p(limit)}`, params);
    return r.rows.map((db) => {
      const latest = rowFromDb(db);
      if (db.v_modified === latest.modified) return { row: latest, latest: null, addedAt: db.added };
      // An older version: judged on its own markings and audience, placed where it says or, without a place of its
      // own, where the ledger placed the object.
      const row = rowFromObject(db.v_stix, {
        publisherMsp: latest.publisherMsp, txId: db.v_tx_id, blockNumber: db.v_block_number, signatureVerified: latest.signatureVerified,
        ...(areaOfObject(db.v_stix) ? {} : { bbox: latest.bbox }), countries: latest.countries,
      });
      return { row, latest, addedAt: db.added };
    });
  }
}
