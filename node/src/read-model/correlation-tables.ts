/**
 * The correlation indexes of the read model (modules/correlation/): each object's observable values indexed by value,
 * each alert's place in a grid of cells and time buckets, the links found, and how far correlation has gone.
 * Additive: tables and indexes created if missing; the function correlating one object (ensureCorrelationFunction).
 */
import { CORRELATE_ONE_BODY, CORRELATE_ONE_FUNCTION, CORRELATE_ONE_SETTINGS, pairKeySql } from '../modules/correlation/correlation-sql.js';
import type { Database } from './database.js';

export const CORRELATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS correlation_observables (
  kind text NOT NULL,
  value text NOT NULL,
  object_id text NOT NULL,
  publisher_msp text NOT NULL,
  PRIMARY KEY (kind, value, object_id)
);
CREATE INDEX IF NOT EXISTS correlation_observables_object ON correlation_observables (object_id);
CREATE TABLE IF NOT EXISTS correlation_places (
  cell text NOT NULL,
  object_id text NOT NULL,
  category text NOT NULL,
  latitude double precision NOT NULL,
  longitude double precision NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  publisher_msp text NOT NULL,
  PRIMARY KEY (cell, object_id)
);
CREATE INDEX IF NOT EXISTS correlation_places_object ON correlation_places (object_id);
CREATE TABLE IF NOT EXISTS correlation_links (
  a_id text NOT NULL,
  b_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('observable', 'proximity')),
  value_kind text NOT NULL,
  value text NOT NULL,
  source text,
  distance_m double precision,
  seconds_apart double precision,
  cross_agency boolean NOT NULL,
  found_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS correlation_links_a ON correlation_links (a_id);
CREATE INDEX IF NOT EXISTS correlation_links_b ON correlation_links (b_id);
-- A link is found again by its pair's key (correlation-sql.ts: storeLinksSql), not by a primary key of its ids and value,
-- which earlier versions had: dropped once the pair's index exists.
CREATE INDEX IF NOT EXISTS correlation_links_pair ON correlation_links ((${pairKeySql('a_id', 'b_id')}));
ALTER TABLE correlation_links DROP CONSTRAINT IF EXISTS correlation_links_pkey;
CREATE TABLE IF NOT EXISTS correlation_checkpoint (
  name text PRIMARY KEY,
  block_number integer NOT NULL
);
CREATE INDEX IF NOT EXISTS threat_objects_block ON threat_objects (block_number, id);
`;

/**
 * Creates the function correlating one object (popart_correlate_one), or replaces it when this version's differs. Left
 * alone when it is the same: replacing it would drop the plans that the running node's sessions keep, and two
 * processes replacing it at once (a node and `popart audit verify` on its database) could fail.
 */
export async function ensureCorrelationFunction(db: Database): Promise<void> {
  const { rows } = await db.query<{ signature: string; prosrc: string; proconfig: string[] | null }>(
    "SELECT oid::regprocedure::text AS signature, prosrc, proconfig FROM pg_proc WHERE proname = 'popart_correlate_one' AND pronamespace = current_schema()::regnamespace");
  const same = rows.length === 1 && rows[0]!.prosrc === CORRELATE_ONE_BODY
    && JSON.stringify(rows[0]!.proconfig ?? []) === JSON.stringify(CORRELATE_ONE_SETTINGS);
  if (same) return;
  // An earlier version with other parameters is another function (an overload): dropped, so that one version is left.
  await db.transaction(async (sql) => {
    for (const r of rows) await sql.query(`DROP FUNCTION IF EXISTS ${r.signature}`);
    await sql.query(CORRELATE_ONE_FUNCTION);
  });
}

/** Venues (modules/venue/): locations carrying the venue extension, found without scanning the objects. */
export const VENUE_SCHEMA = `
CREATE INDEX IF NOT EXISTS threat_objects_locations ON threat_objects (modified_at DESC, id DESC) WHERE type = 'location';
`;
