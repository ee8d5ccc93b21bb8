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

/**
 * SQL: the seconds between two active periods (0 when they overlap), the new one first. In double precision all the
 * way: `extract(epoch …)` returns numeric, whose arithmetic was a tenth of a block's correlation. The difference of
 * two timestamps is exact (an interval in microseconds) before it becomes seconds, so a gap of exactly the window is
 * still within it.
 */
export const gapSql = (starts: string, ends: string, otherStarts: string, otherEnds: string): string =>
  `greatest(0, date_part('epoch', ${starts} - ${otherEnds}), date_part('epoch', ${otherStarts} - ${ends}))`;

/** The columns a statement's found links give, in order (all but found_at, which the table sets). */
const STORED_COLUMNS = 'a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency';
export const LINK_COLUMNS = `${STORED_COLUMNS}, found_at`;

/**
 * SQL: the key of a link's pair in the index correlation_links_pair, from the two ids (SQL expressions). An id never
 * holds a space (type--uuid), so the text hashed names one pair. Two pairs may share a key: a lookup compares the ids too.
 */
export const pairKeySql = (a: string, b: string): string => `hashtextextended(${a} || ' ' || ${b}, 0)`;

/** SQL: link row `l` is link `f` (the same pair, kind and value), looked up through the pair's key. */
const sameLinkSql = (l: string, f: string): string =>
  `${pairKeySql(`${l}.a_id`, `${l}.b_id`)} = ${pairKeySql(`${f}.a_id`, `${f}.b_id`)}
         AND ${['a_id', 'b_id', 'kind', 'value_kind', 'value'].map((c) => `${l}.${c} = ${f}.${c} COLLATE "C"`).join(' AND ')}`;

/**
 * SQL: stores the links a statement found (CTE `from`, each link once), ending the statement's WITH list; one found again
 * keeps its row, with its new distance and time. Returns each link with whether it is new. With `lookUpWhen` (a boolean
 * column of `from`), a link is looked up only where it is true: where it is false the link cannot be stored yet.
 *
 * The links have no unique index. A primary key of the two ids, the kind and the value was larger than the objects'
 * table (about 200 bytes a link, in random order: each link wrote a page of an index that outgrew memory). Each link is
 * looked up by its pair's key (8 bytes) instead, in a lateral subquery: one index lookup per link, with sequential scans
 * off (the statements' settings), also in a plan kept from when the table was small. One found is updated by its
 * row's address. The links' only writer is their read model's correlator, one statement at a time, so a link is
 * looked up and then added without a race (two nodes writing one database would store some links twice).
 */
export const storeLinksSql = (from: string, lookUpWhen?: string): string =>
  `, looked AS (SELECT f.*, l.at FROM ${from} f LEFT JOIN LATERAL
         (SELECT l.ctid AS at FROM correlation_links l WHERE ${lookUpWhen ? `f.${lookUpWhen} AND ` : ''}${sameLinkSql('l', 'f')} LIMIT 1) l ON true),
     again AS (UPDATE correlation_links l SET distance_m = k.distance_m, seconds_apart = k.seconds_apart FROM looked k WHERE l.ctid = k.at
       RETURNING ${LINK_COLUMNS.split(', ').map((c) => `l.${c}`).join(', ')}, false AS inserted),
     added AS (INSERT INTO correlation_links (${STORED_COLUMNS}) SELECT ${STORED_COLUMNS} FROM looked WHERE at IS NULL
       RETURNING ${LINK_COLUMNS}, true AS inserted)
   SELECT * FROM again UNION ALL SELECT * FROM added`;

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

/**
 * Correlating a batch of objects in one statement, as if each were correlated in turn with CORRELATE_ONE (see
 * CorrelationStore.correlateMany): $1 … $7 the objects (id, publisher, category, latitude, longitude, starts, ends),
 * $8 … $11 their values (object's number, kind, value, source), $12 … $13 the keys their places are stored under,
 * $14 … $15 the keys searched, then the limits (links per value, places looked at, metres, seconds, proximity links),
 * and $21 whether each object may have links stored whatever the tables say (ObjectToCorrelate.mayBeLinked).
 *
 * Only the links of an object `seen` before (its values or places stored: correlated before, after a restart) or that
 * may be linked already are looked up before they are added (storeLinksSql). An object correlated for the first time
 * has no link yet: links are only ever found through the values and places a correlation stores, and its own are stored
 * by this statement. At 100,000 objects, 5 blocks made 2,580 links: their lookups took 0.005–0.006 ms each with the
 * pairs' index in the buffers, 0.016 ms right after a restart, and the statement's median went from 355 to 302 ms
 * (docs/benchmarks.md); the lookups grow with the links' table.
 */
export const CORRELATE_MANY = `WITH o AS (SELECT id, msp, category, lat, lon, starts, ends, n::int,
       known OR EXISTS (SELECT 1 FROM correlation_places p WHERE p.object_id = o.id) OR EXISTS (SELECT 1 FROM correlation_observables c WHERE c.object_id = o.id) AS seen
     FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::timestamptz[], $7::timestamptz[], $21::boolean[])
       WITH ORDINALITY AS o(id, msp, category, lat, lon, starts, ends, known, n)),
   v AS (SELECT v.n, v.kind, v.value, v.source, o.id, o.msp FROM unnest($8::int[], $9::text[], $10::text[], $11::text[]) AS v(n, kind, value, source)
     JOIN o ON o.n = v.n),
   k AS (SELECT * FROM unnest($12::int[], $13::text[]) AS k(n, cell)),
   s AS (SELECT s.n, s.cell, o.id FROM unnest($14::int[], $15::text[]) AS s(n, cell) JOIN o ON o.n = s.n),
   vi AS (INSERT INTO correlation_observables (kind, value, object_id, publisher_msp) SELECT kind, value, id, msp FROM v ON CONFLICT DO NOTHING),
   pi AS (INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
     SELECT k.cell, o.id, o.category, o.lat, o.lon, o.starts, o.ends, o.msp FROM k JOIN o ON o.n = k.n ON CONFLICT DO NOTHING),
   shared AS (
     SELECT v.n, v.kind, v.value, v.source, h.object_id, h.publisher_msp FROM v CROSS JOIN LATERAL
       (SELECT object_id, publisher_msp FROM correlation_observables c WHERE c.kind = v.kind AND c.value = v.value AND c.object_id <> v.id LIMIT $16::int) h
     UNION ALL
     SELECT n, kind, value, source, object_id, publisher_msp FROM (
       SELECT later.n, later.kind, later.value, later.source, earlier.id AS object_id, earlier.msp AS publisher_msp,
         row_number() OVER (PARTITION BY later.n, later.kind, later.value ORDER BY earlier.n) AS r
       FROM v later JOIN v earlier ON earlier.kind = later.kind AND earlier.value = later.value AND earlier.n < later.n AND earlier.id <> later.id) w
     WHERE r <= $16::int),
   candidates AS (
     SELECT s.n, h.object_id, h.publisher_msp, h.category, h.latitude, h.longitude, h.starts_at, h.ends_at FROM s CROSS JOIN LATERAL
       (SELECT object_id, publisher_msp, category, latitude, longitude, starts_at, ends_at FROM correlation_places p
         WHERE p.cell = s.cell AND p.object_id <> s.id ORDER BY object_id LIMIT $17::int) h
     UNION ALL
     SELECT s.n, e.id, e.msp, e.category, e.lat, e.lon, e.starts, e.ends FROM s JOIN k ON k.cell = s.cell AND k.n < s.n JOIN o e ON e.n = k.n
       WHERE e.id <> s.id),
   nearby AS (SELECT *, row_number() OVER (PARTITION BY n ORDER BY object_id) AS r FROM (SELECT DISTINCT ON (n, object_id) * FROM candidates ORDER BY n, object_id) c),
   measured AS (SELECT o.n, o.id, o.msp, o.category, o.seen, nb.object_id, nb.publisher_msp,
       ${distanceSql('o.lat', 'o.lon', 'nb.latitude', 'nb.longitude')} AS d,
       ${gapSql('o.starts', 'o.ends', 'nb.starts_at', 'nb.ends_at')} AS gap
     FROM nearby nb JOIN o ON o.n = nb.n WHERE nb.r <= $17::int AND nb.category = o.category),
   closest AS (SELECT *, row_number() OVER (PARTITION BY n ORDER BY d, gap, object_id) AS k FROM measured WHERE d <= $18::float8 AND gap <= $19::float8),
   found AS (
     SELECT least(o.id COLLATE "C", sh.object_id COLLATE "C") AS a_id, greatest(o.id COLLATE "C", sh.object_id COLLATE "C") AS b_id, 'observable' AS kind,
       sh.kind AS value_kind, sh.value, sh.source, NULL::float8 AS distance_m, NULL::float8 AS seconds_apart, sh.publisher_msp <> o.msp AS cross_agency, o.n, o.seen
       FROM shared sh JOIN o ON o.n = sh.n
     UNION ALL
     SELECT least(id COLLATE "C", object_id COLLATE "C"), greatest(id COLLATE "C", object_id COLLATE "C"), 'proximity', category, '', NULL, round(d), round(gap),
       publisher_msp <> msp, n, seen FROM closest WHERE k <= $20::int),
   once AS (SELECT DISTINCT ON (a_id, b_id, kind, value_kind, value) a_id, b_id, kind, value_kind, value, source, distance_m, seconds_apart, cross_agency, seen
     FROM found ORDER BY a_id, b_id, kind, value_kind, value, n DESC)
   ${storeLinksSql('once', 'seen')}`;

/**
 * The planner settings CORRELATE_MANY runs with (Database.queryWith: SET LOCAL, in a transaction of its own). Without bitmap scans each
 * searched cell is read in the primary key's order and stops at its limit; a bitmap scan of a cell (the plan chosen
 * when the statistics say a cell holds a few places) then sorts each cell's places again: 1,620 times for a block of
 * 60 alerts, and the statement took 15 % longer (docs/benchmarks.md). Without sequential scans each link found is
 * looked up in its pair's index, also while the links' table is small (a new read model), where the planner would
 * read the whole table for each link, and update a link by a scan of the table (test: correlation-plan.test.ts).
 */
export const CORRELATE_MANY_SETTINGS = ['enable_bitmapscan = off', 'enable_seqscan = off'];

/** The body of popart_correlate_one (what pg_proc.prosrc holds), and the settings it runs with (pg_proc.proconfig). */
export const CORRELATE_ONE_BODY = `
#variable_conflict use_column
BEGIN
  RETURN QUERY ${CORRELATE_ONE};
END
`;
export const CORRELATE_ONE_SETTINGS = ['plan_cache_mode=force_generic_plan', 'enable_seqscan=off'];

/**
 * CORRELATE_ONE as a PL/pgSQL function, whose statement PostgreSQL plans once per session and keeps: planning the
 * statement took 2 ms of its 3.5. The plan is always the generic one (plan_cache_mode), the plan CORRELATE_ONE is
 * written for, rather than whichever the planner's first five calls lead it to (test: correlation-plan.test.ts).
 * Sequential scans are off: a plan made while the links' table is small (a new read model) reads it whole for each
 * link found, and would go on doing so as the table grows, for as long as the session lasts.
 */
export const CORRELATE_ONE_FUNCTION = `
CREATE OR REPLACE FUNCTION popart_correlate_one(${CORRELATE_ONE_TYPES})
RETURNS TABLE (a_id text, b_id text, kind text, value_kind text, value text, source text, distance_m double precision,
  seconds_apart double precision, cross_agency boolean, found_at timestamptz, inserted boolean)
LANGUAGE plpgsql ${CORRELATE_ONE_SETTINGS.map((x) => `SET ${x.replace('=', ' = ')}`).join(' ')} AS $correlate$${CORRELATE_ONE_BODY}$correlate$;
`;

/** The call of the function, its parameters typed (written once, not for every object). */
export const CORRELATE_ONE_CALL = `SELECT * FROM popart_correlate_one(${CORRELATE_ONE_PARAMETERS.map(([, type], i) => `$${i + 1}::${type}`).join(', ')})`;
