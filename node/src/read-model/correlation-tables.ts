/**
 * The correlation indexes of the read model (modules/correlation/): each object's observable values indexed by value,
 * each alert's place in a grid of cells and time buckets, the links found, and how far correlation has gone.
 * Additive: tables and indexes only, created if missing.
 */
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
-- Correlating one object (modules/correlation/correlation-store.ts: correlateOne) in one statement. A PL/pgSQL function,
-- so that the statement is planned once per session rather than for each object (planning took 2 ms of its 3).
-- $1 id, $2 publisher, $3-$5 values' kinds, values and sources, $6 links per value, $7-$11 category, latitude,
-- longitude, start and end of the place, $12 its cells, $13 the cells to look in, $14 places looked at, $15 metres,
-- $16 seconds. The distance is the haversine on the mean Earth radius (6,371,008.8 m, as @popart/detection's).
CREATE OR REPLACE FUNCTION popart_correlate_one(text, text, text[], text[], text[], integer, text, double precision,
  double precision, timestamptz, timestamptz, text[], text[], integer, double precision, double precision)
RETURNS TABLE (a_id text, b_id text, kind text, value_kind text, value text, source text, distance_m double precision,
  seconds_apart double precision, cross_agency boolean, found_at timestamptz, inserted boolean)
LANGUAGE plpgsql AS $correlate$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH v AS (SELECT * FROM unnest($3::text[], $4::text[], $5::text[]) AS v(kind, value, source)),
    vi AS (INSERT INTO correlation_observables (kind, value, object_id, publisher_msp) SELECT kind, value, $1::text, $2::text FROM v ON CONFLICT DO NOTHING),
    pi AS (INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
      SELECT cell, $1::text, $7::text, $8::float8, $9::float8, $10::timestamptz, $11::timestamptz, $2::text FROM unnest($12::text[]) AS k(cell) ON CONFLICT DO NOTHING),
    shared AS (SELECT v.kind, v.value, v.source, o.object_id, o.publisher_msp FROM v CROSS JOIN LATERAL
      (SELECT object_id, publisher_msp FROM correlation_observables c WHERE c.kind = v.kind AND c.value = v.value AND c.object_id <> $1::text LIMIT $6::int) o),
    nearby AS (SELECT DISTINCT ON (object_id) object_id, publisher_msp, category, latitude, longitude, starts_at, ends_at FROM correlation_places
      WHERE cell = ANY($13::text[]) AND object_id <> $1::text ORDER BY object_id LIMIT $14::int),
    measured AS (SELECT object_id, publisher_msp,
        2 * 6371008.8 * asin(least(1, sqrt(sin(radians(latitude - $8::float8) / 2) ^ 2
          + cos(radians($8::float8)) * cos(radians(latitude)) * sin(radians(longitude - $9::float8) / 2) ^ 2))) AS d,
        greatest(0, extract(epoch FROM $10::timestamptz - ends_at), extract(epoch FROM starts_at - $11::timestamptz))::float8 AS gap
      FROM nearby WHERE category = $7::text),
    found AS (
      SELECT least($1::text COLLATE "C", object_id COLLATE "C") AS a_id, greatest($1::text COLLATE "C", object_id COLLATE "C") AS b_id, 'observable' AS kind,
        kind AS value_kind, value, source, NULL::float8 AS distance_m, NULL::float8 AS seconds_apart, publisher_msp <> $2::text AS cross_agency FROM shared
      UNION ALL
      SELECT least($1::text COLLATE "C", object_id COLLATE "C"), greatest($1::text COLLATE "C", object_id COLLATE "C"), 'proximity', $7::text, '', NULL, round(d), round(gap),
        publisher_msp <> $2::text FROM measured WHERE d <= $15::float8 AND gap <= $16::float8)
    INSERT INTO correlation_links (a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency) SELECT * FROM found
    ON CONFLICT (a_id, b_id, kind, value_kind, value) DO UPDATE SET distance_m = EXCLUDED.distance_m, seconds_apart = EXCLUDED.seconds_apart
    RETURNING a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency, found_at, (xmax = 0) AS inserted;
END
$correlate$;
`;
/** Venues (modules/venue/): locations carrying the venue extension, found without scanning the objects. */
export const VENUE_SCHEMA = `
CREATE INDEX IF NOT EXISTS threat_objects_locations ON threat_objects (modified_at DESC, id DESC) WHERE type = 'location';
`;
