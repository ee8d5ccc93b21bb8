/**
 * The SQL of correlation, shared by the store (correlation-store.ts) and the migration that creates the function
 * correlating one object (read-model/correlation-tables.ts). No imports: the read model's schema builds on it.
 */

/** Mean Earth radius (metres), as @popart/detection's great-circle distance uses it. */
const EARTH_RADIUS_M = 6_371_008.8;

/** SQL: the great-circle distance (metres, haversine) between two points given as SQL expressions. */
export const distanceSql = (lat1: string, lon1: string, lat2: string, lon2: string): string =>
  `2 * ${EARTH_RADIUS_M} * asin(least(1, sqrt(sin(radians(${lat2} - ${lat1}) / 2) ^ 2
     + cos(radians(${lat1})) * cos(radians(${lat2})) * sin(radians(${lon2} - ${lon1}) / 2) ^ 2)))`;

/** SQL: the seconds between two active periods (0 when they overlap), the new one first. */
export const gapSql = (starts: string, ends: string, otherStarts: string, otherEnds: string): string =>
  `greatest(0, extract(epoch FROM ${starts} - ${otherEnds}), extract(epoch FROM ${otherStarts} - ${ends}))::float8`;

export const LINK_COLUMNS = 'a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency, found_at';

/** SQL: stores the links a statement found (CTE `from`); one found again keeps its row, with its new distance and time. */
export const storeLinksSql = (from: string): string =>
  `INSERT INTO correlation_links (a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency) SELECT * FROM ${from}
       ON CONFLICT (a_id, b_id, kind, value_kind, value) DO UPDATE SET distance_m = EXCLUDED.distance_m, seconds_apart = EXCLUDED.seconds_apart
       RETURNING ${LINK_COLUMNS}, (xmax = 0) AS inserted`;

/** The parameters of CORRELATE_ONE, in order, with their SQL types. */
export const CORRELATE_ONE_PARAMETERS = [
  ['id', 'text'], ['publisher', 'text'], ['value kinds', 'text[]'], ['values', 'text[]'], ['value sources', 'text[]'],
  ['links per value', 'integer'], ['category', 'text'], ['latitude', 'double precision'], ['longitude', 'double precision'],
  ['starts', 'timestamptz'], ['ends', 'timestamptz'], ['cells', 'text[]'], ['cells to search', 'text[]'],
  ['places looked at', 'integer'], ['metres', 'double precision'], ['seconds', 'double precision'], ['proximity links', 'integer'],
] as const;

/** The SQL types of CORRELATE_ONE's parameters, as the function's signature lists them. */
export const CORRELATE_ONE_TYPES = CORRELATE_ONE_PARAMETERS.map(([, type]) => type).join(', ');

/**
 * Correlating one object in one statement ($1 … $17 as CORRELATE_ONE_PARAMETERS): indexes its values and place, finds
 * the objects sharing a value (at most $6 per value) and the alerts of its category near it (the first $14 by id in
 * the cells searched, then the distance and the gap checked, and of those within both limits the $17 nearest: by
 * distance, then time apart, then id), and stores the links.
 *
 * Its plan is made once and kept (the function below), so every lookup is written so that a plan made without the
 * parameters' values is still an index lookup: each value and each cell is looked up on its own (equality on the
 * primary key's prefix, in key order, limited), never `cell = ANY(…) ORDER BY object_id LIMIT n`, which a plan made
 * without the cells may answer by walking all places in id order (slow when alerts crowd at a few sites).
 */
export const CORRELATE_ONE = `WITH v AS (SELECT * FROM unnest($3::text[], $4::text[], $5::text[]) AS v(kind, value, source)),
       vi AS (INSERT INTO correlation_observables (kind, value, object_id, publisher_msp) SELECT kind, value, $1::text, $2::text FROM v ON CONFLICT DO NOTHING),
       pi AS (INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
         SELECT cell, $1::text, $7::text, $8::float8, $9::float8, $10::timestamptz, $11::timestamptz, $2::text FROM unnest($12::text[]) AS k(cell) ON CONFLICT DO NOTHING),
       shared AS (SELECT v.kind, v.value, v.source, o.object_id, o.publisher_msp FROM v CROSS JOIN LATERAL
         (SELECT object_id, publisher_msp FROM correlation_observables c WHERE c.kind = v.kind AND c.value = v.value AND c.object_id <> $1::text LIMIT $6::int) o),
       nearby AS (SELECT DISTINCT ON (h.object_id) h.* FROM unnest($13::text[]) AS s(cell) CROSS JOIN LATERAL
         (SELECT object_id, publisher_msp, category, latitude, longitude, starts_at, ends_at FROM correlation_places p
           WHERE p.cell = s.cell AND p.object_id <> $1::text ORDER BY p.object_id LIMIT $14::int) h
         ORDER BY h.object_id LIMIT $14::int),
       measured AS (SELECT object_id, publisher_msp,
           ${distanceSql('$8::float8', '$9::float8', 'latitude', 'longitude')} AS d,
           ${gapSql('$10::timestamptz', '$11::timestamptz', 'starts_at', 'ends_at')} AS gap
         FROM nearby WHERE category = $7::text),
       found AS (
         SELECT least($1::text COLLATE "C", object_id COLLATE "C") AS a_id, greatest($1::text COLLATE "C", object_id COLLATE "C") AS b_id, 'observable' AS kind,
           kind AS value_kind, value, source, NULL::float8 AS distance_m, NULL::float8 AS seconds_apart, publisher_msp <> $2::text AS cross_agency FROM shared
         UNION ALL
         SELECT least($1::text COLLATE "C", object_id COLLATE "C"), greatest($1::text COLLATE "C", object_id COLLATE "C"), 'proximity', $7::text, '', NULL, round(d), round(gap),
           publisher_msp <> $2::text FROM (SELECT * FROM measured WHERE d <= $15::float8 AND gap <= $16::float8 ORDER BY d, gap, object_id LIMIT $17::int) closest)
       ${storeLinksSql('found')}`;

/** The body of popart_correlate_one (what pg_proc.prosrc holds), and the settings it runs with (pg_proc.proconfig). */
export const CORRELATE_ONE_BODY = `
#variable_conflict use_column
BEGIN
  RETURN QUERY ${CORRELATE_ONE};
END
`;
export const CORRELATE_ONE_SETTINGS = ['plan_cache_mode=force_generic_plan'];

/**
 * CORRELATE_ONE as a PL/pgSQL function, whose statement PostgreSQL plans once per session and keeps: planning the
 * statement took 2 ms of its 3.5. The plan is always the generic one (plan_cache_mode), the plan CORRELATE_ONE is
 * written for, rather than whichever the planner's first five calls lead it to (test: correlation-plan.test.ts).
 */
export const CORRELATE_ONE_FUNCTION = `
CREATE OR REPLACE FUNCTION popart_correlate_one(${CORRELATE_ONE_TYPES})
RETURNS TABLE (a_id text, b_id text, kind text, value_kind text, value text, source text, distance_m double precision,
  seconds_apart double precision, cross_agency boolean, found_at timestamptz, inserted boolean)
LANGUAGE plpgsql ${CORRELATE_ONE_SETTINGS.map((x) => `SET ${x.replace('=', ' = ')}`).join(' ')} AS $correlate$${CORRELATE_ONE_BODY}$correlate$;
`;

/** The call of the function, its parameters typed (written once, not for every object). */
export const CORRELATE_ONE_CALL = `SELECT * FROM popart_correlate_one(${CORRELATE_ONE_PARAMETERS.map(([, type], i) => `$${i + 1}::${type}`).join(', ')})`;
