/**
 * The correlation indexes of the read model (modules/correlation/): each object's observable values indexed by value,
 * each alert's place in a grid of cells and time buckets, the links found, and how far correlation has gone.
 * Additive: tables and indexes created if missing, and the function correlating one object (created or replaced).
 */
import { CORRELATE_ONE_FUNCTION } from '../modules/correlation/correlation-sql.js';

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
  found_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (a_id, b_id, kind, value_kind, value)
);
CREATE INDEX IF NOT EXISTS correlation_links_b ON correlation_links (b_id);
CREATE TABLE IF NOT EXISTS correlation_checkpoint (
  name text PRIMARY KEY,
  block_number integer NOT NULL
);
CREATE INDEX IF NOT EXISTS threat_objects_block ON threat_objects (block_number, id);
${CORRELATE_ONE_FUNCTION}`;
/** Venues (modules/venue/): locations carrying the venue extension, found without scanning the objects. */
export const VENUE_SCHEMA = `
CREATE INDEX IF NOT EXISTS threat_objects_locations ON threat_objects (modified_at DESC, id DESC) WHERE type = 'location';
`;
