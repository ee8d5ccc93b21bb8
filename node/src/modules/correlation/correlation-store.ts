/**
 * The correlation tables of the read model (read-model/correlation-tables.ts): observable values indexed by value,
 * alerts' places indexed by cell, the links found, and the block up to which correlation has run. Every lookup goes
 * through an index; nothing here scans the objects.
 */
import type { Observable } from '@popart/schemas';
import type { Database } from '../../read-model/database.js';
import { COLUMNS } from '../threat/threat-store.js';
import { rowFromDb, type DbThreatRow, type ThreatRow } from '../threat/threat-row.js';
import { CORRELATE_MANY, CORRELATE_MANY_SETTINGS, CORRELATE_ONE_CALL, LINK_COLUMNS } from './correlation-sql.js';
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

/** An object as the correlator indexes it: its values, and (alerts) its place under the grid's keys. */
export interface ObjectToCorrelate {
  id: string;
  publisherMsp: string;
  values: readonly Observable[];
  place: Place | null;
  /** The keys the place is stored under, and those to look up for places near it (proximity.ts). */
  keys: readonly string[];
  searchKeys: readonly string[];
  /**
   * Links of it may be stored already whatever the correlation tables say: a later version, whose earlier version's
   * values and places were forgotten (`unindex`) but whose links were kept. A first version may be linked already only
   * if it was correlated before (after a restart), and then its values or places are stored: the batch statement looks
   * its links up only then.
   */
  mayBeLinked: boolean;
}

export interface CorrelationLimits { maxLinksPerValue: number; maxNearby: number; distanceM: number; windowS: number; maxProximityLinks: number }

interface DbLink {
  a_id: string; b_id: string; kind: LinkKind; value_kind: string; value: string; source: string | null;
  distance_m: number | null; seconds_apart: number | null; cross_agency: boolean; found_at: string | Date;
}

function linkFromDb(r: DbLink): CorrelationLink {
  return {
    aId: r.a_id, bId: r.b_id, kind: r.kind, valueKind: r.value_kind, value: r.value, source: r.source,
    distanceM: r.distance_m, secondsApart: r.seconds_apart, crossAgency: r.cross_agency,
    foundAt: r.found_at instanceof Date ? r.found_at.toISOString() : new Date(r.found_at).toISOString(),
  };
}

export class CorrelationStore {
  constructor(private readonly db: Database, private readonly name = 'correlation') {}

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
   * Correlates one object in one statement: indexes its values and place, finds the objects sharing a value (at most
   * `perValue` per value) and the alerts of its category near it in space and time (at most `maxNearby` looked at,
   * then the great-circle distance between centres and the gap between active periods checked against the limits, and
   * of those within both the `maxProximityLinks` nearest kept), stores the links and returns those that are new (a link found again changes nothing but its distance and time).
   * The lookups do not see the object's own inserts (one snapshot); objects of one batch see each other, as each
   * object is a statement of its own. The statement (correlation-sql.ts: CORRELATE_ONE) runs as a PL/pgSQL function
   * that the migration creates, so that it is planned once per database session, not for every object.
   */
  async correlateOne(object: ObjectToCorrelate, limits: CorrelationLimits): Promise<CorrelationLink[]> {
    const { place } = object;
    const r = await this.db.query<DbLink & { inserted: boolean }>(
      CORRELATE_ONE_CALL,
      [object.id, object.publisherMsp, object.values.map((v) => v.kind), object.values.map((v) => v.value), object.values.map((v) => v.source),
        limits.maxLinksPerValue, place?.category ?? null, place?.latitude ?? null, place?.longitude ?? null,
        place ? new Date(place.starts).toISOString() : null, place ? new Date(place.ends).toISOString() : null,
        object.keys, object.searchKeys, limits.maxNearby, limits.distanceM, limits.windowS, limits.maxProximityLinks]);
    return r.rows.filter((x) => x.inserted).map(linkFromDb);
  }

  /**
   * Correlates a batch of objects in one statement, as if each were correlated in turn with correlateOne (object n
   * sees what the read model held before the batch and the objects before it in the batch): PostgreSQL plans one
   * statement for the batch instead of one per object, where planning took most of an object's time. Each lookup still
   * goes through an index: the value index per value, the place index per searched cell (its first `maxNearby` by
   * id, the same ones correlateOne looks at). Pairs inside the batch are matched in memory on the batch's own values
   * and cells, at most `maxLinksPerValue` earlier objects per value, and the `maxNearby` first by id overall.
   * A link found twice (an object correlated again after a restart) is stored once: the links of an object that was
   * correlated before (its values or places are stored) or that may be linked already (`mayBeLinked`) are looked up
   * before they are added; those of an object correlated for the first time cannot be stored yet, and are not.
   */
  async correlateMany(objects: readonly ObjectToCorrelate[], limits: CorrelationLimits): Promise<CorrelationLink[]> {
    if (objects.length === 0) return [];
    const vN: number[] = []; const vKind: string[] = []; const vValue: string[] = []; const vSource: string[] = [];
    const kN: number[] = []; const kCell: string[] = []; const sN: number[] = []; const sCell: string[] = [];
    objects.forEach((o, i) => {
      const n = i + 1;
      for (const v of o.values) { vN.push(n); vKind.push(v.kind); vValue.push(v.value); vSource.push(v.source); }
      if (!o.place) return;
      for (const k of o.keys) { kN.push(n); kCell.push(k); }
      for (const k of o.searchKeys) { sN.push(n); sCell.push(k); }
    });
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    const params = [objects.map((o) => o.id), objects.map((o) => o.publisherMsp), objects.map((o) => o.place?.category ?? null),
      objects.map((o) => o.place?.latitude ?? null), objects.map((o) => o.place?.longitude ?? null),
      objects.map((o) => iso(o.place?.starts)), objects.map((o) => iso(o.place?.ends)),
      vN, vKind, vValue, vSource, kN, kCell, sN, sCell, limits.maxLinksPerValue, limits.maxNearby, limits.distanceM, limits.windowS, limits.maxProximityLinks,
      objects.map((o) => o.mayBeLinked)];
    // With its planner setting (CORRELATE_MANY_SETTINGS), which applies to it alone.
    const r = await this.db.queryWith<DbLink & { inserted: boolean }>(CORRELATE_MANY_SETTINGS, CORRELATE_MANY, params);
    return r.rows.filter((x) => x.inserted).map(linkFromDb);
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
