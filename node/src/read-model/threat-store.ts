/**
 * The read model of one node: the objects this agency holds, their versions, and the listener's
 * checkpoint, written together in one transaction per block so nothing is missed or duplicated.
 */
import type { Database, Sql } from './database.js';
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
}

export interface Cursor { modified: string; id: string }

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

const COLUMNS = `id, type, modified, publisher_msp, created_by_ref, tlp, audience, category, severity, name,
  min_lon, min_lat, max_lon, max_lat, sighting_of_ref, revoked, stix, tx_id, block_number, signature_verified`;

async function upsert(tx: Sql, row: ThreatRow): Promise<void> {
  const b = row.bbox;
  await tx.query(
    `INSERT INTO threat_objects (${COLUMNS}, modified_at, search_text)
     VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17::jsonb,$18,$19,$20,$21,$22)
     ON CONFLICT (id) DO UPDATE SET
       type = EXCLUDED.type, modified = EXCLUDED.modified, modified_at = EXCLUDED.modified_at,
       publisher_msp = EXCLUDED.publisher_msp, created_by_ref = EXCLUDED.created_by_ref, tlp = EXCLUDED.tlp,
       audience = EXCLUDED.audience, category = EXCLUDED.category, severity = EXCLUDED.severity, name = EXCLUDED.name,
       min_lon = EXCLUDED.min_lon, min_lat = EXCLUDED.min_lat, max_lon = EXCLUDED.max_lon, max_lat = EXCLUDED.max_lat,
       sighting_of_ref = EXCLUDED.sighting_of_ref, revoked = EXCLUDED.revoked, stix = EXCLUDED.stix,
       tx_id = EXCLUDED.tx_id, block_number = EXCLUDED.block_number, signature_verified = EXCLUDED.signature_verified,
       search_text = EXCLUDED.search_text
     WHERE threat_objects.modified_at <= EXCLUDED.modified_at`,
    [row.id, row.type, row.modified, row.publisherMsp, row.createdByRef, row.tlp, JSON.stringify(row.audience),
      row.category, row.severity, row.name, b?.[0] ?? null, b?.[1] ?? null, b?.[2] ?? null, b?.[3] ?? null,
      row.sightingOfRef, row.revoked, JSON.stringify(row.stix), row.txId, row.blockNumber, row.signatureVerified,
      row.modified, searchText(row.stix)],
  );
  await tx.query(
    `INSERT INTO threat_versions (id, modified, stix, tx_id, block_number) VALUES ($1,$2,$3::jsonb,$4,$5)
     ON CONFLICT (id, modified) DO NOTHING`,
    [row.id, row.modified, JSON.stringify(row.stix), row.txId, row.blockNumber],
  );
}

export class ThreatStore {
  constructor(private readonly db: Database, private readonly listener = 'ledger') {}

  /** Last block fully applied, or -1 when none. */
  async checkpoint(): Promise<number> {
    const r = await this.db.query<{ block_number: number }>('SELECT block_number FROM ledger_checkpoint WHERE listener = $1', [this.listener]);
    return r.rows[0]?.block_number ?? -1;
  }

  /** Stores the rows of one block and moves the checkpoint to it, atomically. Blocks at or below the checkpoint are ignored. */
  async applyBlock(blockNumber: number, rows: ThreatRow[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const cp = await tx.query<{ block_number: number }>('SELECT block_number FROM ledger_checkpoint WHERE listener = $1', [this.listener]);
      if ((cp.rows[0]?.block_number ?? -1) >= blockNumber) return false;
      for (const row of rows) await upsert(tx, row);
      await tx.query(
        `INSERT INTO ledger_checkpoint (listener, block_number) VALUES ($1, $2)
         ON CONFLICT (listener) DO UPDATE SET block_number = EXCLUDED.block_number`,
        [this.listener, blockNumber],
      );
      return true;
    });
  }

  async get(id: string): Promise<ThreatRow | undefined> {
    const r = await this.db.query<DbThreatRow>(`SELECT ${COLUMNS} FROM threat_objects WHERE id = $1`, [id]);
    return r.rows[0] ? rowFromDb(r.rows[0]) : undefined;
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
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (!q.includeRevoked) where.push('revoked = false');
    if (q.types?.length) where.push(`type = ANY(${p(q.types)}::text[])`);
    if (q.categories?.length) where.push(`category = ANY(${p(q.categories)}::text[])`);
    if (q.severities?.length) where.push(`severity = ANY(${p(q.severities)}::text[])`);
    if (q.publisherMsps?.length) where.push(`publisher_msp = ANY(${p(q.publisherMsps)}::text[])`);
    if (q.alertsOnly) where.push('category IS NOT NULL');
    if (q.from) where.push(`modified_at >= ${p(q.from.toISOString())}::timestamptz`);
    if (q.to) where.push(`modified_at <= ${p(q.to.toISOString())}::timestamptz`);
    if (q.bbox) {
      const [minLon, minLat, maxLon, maxLat] = q.bbox;
      where.push(`min_lon <= ${p(maxLon)} AND max_lon >= ${p(minLon)} AND min_lat <= ${p(maxLat)} AND max_lat >= ${p(minLat)}`);
    }
    if (q.text) where.push(`search_text LIKE ${p('%' + q.text.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%')}`);
    if (after) where.push(`(modified_at, id) < (${p(after.modified)}::timestamptz, ${p(after.id)})`);
    const sql = `SELECT ${COLUMNS} FROM threat_objects ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY modified_at DESC, id DESC LIMIT ${p(limit)}`;
    const r = await this.db.query<DbThreatRow>(sql, params);
    return r.rows.map(rowFromDb);
  }
}
