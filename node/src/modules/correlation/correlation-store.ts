/**
 * The correlation tables of the read model (read-model/correlation-tables.ts): observable values indexed by value,
 * alerts' places indexed by cell, the links found, and the block up to which correlation has run. Every lookup goes
 * through an index; nothing here scans the objects.
 */
import type { Observable } from '@popart/schemas';
import type { Sql } from '../../read-model/database.js';
import { COLUMNS } from '../threat/threat-store.js';
import { rowFromDb, type DbThreatRow, type ThreatRow } from '../threat/threat-row.js';
import type { Place } from './proximity.js';

export type LinkKind = 'observable' | 'proximity';

/** Two objects this node holds that concern the same thing, and why. Stored once, `aId` < `bId`. */
export interface CorrelationLink {
  aId: string;
  bId: string;
  kind: LinkKind;
  /** The observable's kind (remote-id, mac-addr, ip, …); for proximity, the alerts' category. */
  valueKind: string;
  /** The shared value ('' for proximity). */
  value: string;
  /** Where the value was read in the newer object (e.g. pattern, x_popart_remote_id.uas_id). */
  source: string | null;
  distanceM: number | null;
  secondsApart: number | null;
  /** Published by different agencies. */
  crossAgency: boolean;
  foundAt: string;
}

export interface IndexedValue { kind: string; value: string; objectId: string; publisherMsp: string }
export interface IndexedPlace extends Place { objectId: string; publisherMsp: string }

interface DbLink {
  a_id: string; b_id: string; kind: LinkKind; value_kind: string; value: string; source: string | null;
  distance_m: number | null; seconds_apart: number | null; cross_agency: boolean; found_at: string | Date;
}

const LINK_COLUMNS = 'a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency, found_at';

function linkFromDb(r: DbLink): CorrelationLink {
  return {
    aId: r.a_id, bId: r.b_id, kind: r.kind, valueKind: r.value_kind, value: r.value, source: r.source,
    distanceM: r.distance_m, secondsApart: r.seconds_apart, crossAgency: r.cross_agency,
    foundAt: r.found_at instanceof Date ? r.found_at.toISOString() : new Date(r.found_at).toISOString(),
  };
}

export class CorrelationStore {
  constructor(private readonly db: Sql, private readonly name = 'correlation') {}

  /** Forgets what was indexed for the object (its previous version's values and places). */
  async unindex(objectId: string): Promise<void> {
    await this.db.query('DELETE FROM correlation_observables WHERE object_id = $1', [objectId]);
    await this.db.query('DELETE FROM correlation_places WHERE object_id = $1', [objectId]);
  }

  async removeLinksOf(objectId: string): Promise<void> {
    await this.db.query('DELETE FROM correlation_links WHERE a_id = $1', [objectId]);
    await this.db.query('DELETE FROM correlation_links WHERE b_id = $1', [objectId]);
  }

  /**
   * Indexes the object's values and returns the other objects holding any of them, at most `perValue` per value: one
   * statement (the lookup does not see the insert: both run on the same snapshot).
   */
  async indexValues(objectId: string, publisherMsp: string, values: readonly Observable[], perValue: number): Promise<IndexedValue[]> {
    if (values.length === 0) return [];
    const r = await this.db.query<{ kind: string; value: string; object_id: string; publisher_msp: string }>(
      `WITH q AS (SELECT * FROM unnest($1::text[], $2::text[]) AS q(kind, value)),
       ins AS (INSERT INTO correlation_observables (kind, value, object_id, publisher_msp) SELECT kind, value, $3, $4 FROM q ON CONFLICT DO NOTHING)
       SELECT q.kind, q.value, o.object_id, o.publisher_msp FROM q
       CROSS JOIN LATERAL (SELECT object_id, publisher_msp FROM correlation_observables c
         WHERE c.kind = q.kind AND c.value = q.value AND c.object_id <> $3 LIMIT $5) o`,
      [values.map((v) => v.kind), values.map((v) => v.value), objectId, publisherMsp, perValue]);
    return r.rows.map((x) => ({ kind: x.kind, value: x.value, objectId: x.object_id, publisherMsp: x.publisher_msp }));
  }

  /**
   * Indexes the object's place under `keys` and returns the places stored under any of `searchKeys` (one entry per
   * object, at most `limit`): one statement.
   */
  async indexPlace(objectId: string, publisherMsp: string, place: Place, keys: readonly string[], searchKeys: readonly string[], limit: number): Promise<IndexedPlace[]> {
    const r = await this.db.query<{ object_id: string; publisher_msp: string; category: string; latitude: number; longitude: number; starts_at: string | Date; ends_at: string | Date }>(
      `WITH ins AS (INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
         SELECT cell, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8 FROM unnest($1::text[]) AS q(cell) ON CONFLICT DO NOTHING)
       SELECT DISTINCT ON (object_id) object_id, publisher_msp, category, latitude, longitude, starts_at, ends_at
       FROM correlation_places WHERE cell = ANY($9::text[]) AND object_id <> $2 ORDER BY object_id LIMIT $10`,
      [keys, objectId, place.category, place.latitude, place.longitude, new Date(place.starts).toISOString(), new Date(place.ends).toISOString(), publisherMsp,
        searchKeys, limit]);
    return r.rows.map((x) => ({
      objectId: x.object_id, publisherMsp: x.publisher_msp, category: x.category, latitude: x.latitude, longitude: x.longitude,
      starts: new Date(x.starts_at).getTime(), ends: new Date(x.ends_at).getTime(),
    }));
  }

  /** Stores links; returns those that are new (a link found again changes nothing but its distance and time). */
  async addLinks(links: readonly Omit<CorrelationLink, 'foundAt'>[]): Promise<CorrelationLink[]> {
    const out: CorrelationLink[] = [];
    for (let i = 0; i < links.length; i += 500) {
      const chunk = links.slice(i, i + 500);
      const col = <K extends keyof CorrelationLink>(k: K) => chunk.map((l) => l[k as keyof typeof l]);
      const r = await this.db.query<DbLink & { inserted: boolean }>(
        `INSERT INTO correlation_links (a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::bool[])
         ON CONFLICT (a_id, b_id, kind, value_kind, value) DO UPDATE SET distance_m = EXCLUDED.distance_m, seconds_apart = EXCLUDED.seconds_apart
         RETURNING ${LINK_COLUMNS}, (xmax = 0) AS inserted`,
        [col('aId'), col('bId'), col('kind'), col('valueKind'), col('value'), col('source'), col('distanceM'), col('secondsApart'), col('crossAgency')]);
      out.push(...r.rows.filter((x) => x.inserted).map(linkFromDb));
    }
    return out;
  }

  /** The links of these objects, newest first, at most `limit` per object asked. */
  async linksOf(ids: readonly string[], limit = 200): Promise<CorrelationLink[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<DbLink>(
      `SELECT l.* FROM unnest($1::text[]) AS q(id) CROSS JOIN LATERAL (
         (SELECT ${LINK_COLUMNS} FROM correlation_links WHERE a_id = q.id ORDER BY found_at DESC LIMIT $2)
         UNION ALL (SELECT ${LINK_COLUMNS} FROM correlation_links WHERE b_id = q.id ORDER BY found_at DESC LIMIT $2)) l`,
      [ids, limit]);
    return r.rows.map(linkFromDb);
  }

  async checkpoint(): Promise<number> {
    const r = await this.db.query<{ block_number: number }>('SELECT block_number FROM correlation_checkpoint WHERE name = $1', [this.name]);
    return r.rows[0]?.block_number ?? -1;
  }

  async setCheckpoint(block: number): Promise<void> {
    await this.db.query(`INSERT INTO correlation_checkpoint (name, block_number) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET block_number = EXCLUDED.block_number WHERE correlation_checkpoint.block_number < EXCLUDED.block_number`, [this.name, block]);
  }

  /** Stored objects of blocks after `block` (for catching up after a restart), in block order, after the cursor. */
  async rowsAfter(block: number, after: { block: number; id: string } | null, limit: number): Promise<ThreatRow[]> {
    const r = after
      ? await this.db.query<DbThreatRow>(`SELECT ${COLUMNS} FROM threat_objects WHERE (block_number, id) > ($1, $2) ORDER BY block_number, id LIMIT $3`, [after.block, after.id, limit])
      : await this.db.query<DbThreatRow>(`SELECT ${COLUMNS} FROM threat_objects WHERE block_number > $1 ORDER BY block_number, id LIMIT $2`, [block, limit]);
    return r.rows.map(rowFromDb);
  }
}
