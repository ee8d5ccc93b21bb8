/**
 * The indexes the read model's queries need (docs/read-model.md shows the plan of each query kind). Plain SQL that
 * PGlite (with its pg_trgm and btree_gist extensions, loaded in pglite-worker.ts) and a PostgreSQL server (contrib's
 * pg_trgm and btree_gist, trusted extensions since PostgreSQL 13: the database owner may create them) both run.
 * Additive, but for the area's first index, which the area-and-time index replaces: run after the tables exist.
 */
export const QUERY_INDEXES = `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- Text: a substring of the lower-cased words (search_text LIKE '%…%') through trigrams. New entries wait in a pending
-- list of at most 1 MB (not the default 4 MB), which the insert that fills it merges into the index in one step:
-- filing each object's trigrams at once (fastupdate off) made storing a block 2-2.5x slower (read-scale mix, blocks of
-- 40: 47-57 against 19-29 ms, p99 330 against 196 ms at 100,000 objects), while a list of 1 MB costs a text search
-- under 1 ms and its merge stays in the time of a block (docs/benchmarks.md, bench/read-scale). PGlite runs no
-- autovacuum, so the merge is always the inserting statement's.
CREATE INDEX IF NOT EXISTS threat_objects_text ON threat_objects USING gin (search_text gin_trgm_ops) WITH (fastupdate = on, gin_pending_list_limit = 1024);
ALTER INDEX threat_objects_text SET (fastupdate = on, gin_pending_list_limit = 1024);
-- Area: the row's bounding box against the asked one, in an R-tree (GiST on the built-in box type, no PostGIS), with
-- the row's time beside it (btree_gist), so that the R-tree gives an area's rows nearest a far future first: newest
-- first, reading a page's rows only (ThreatStore.areaStatement). It replaces the R-tree of the box alone.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX IF NOT EXISTS threat_objects_area_time ON threat_objects USING gist (box(point(min_lon, min_lat), point(max_lon, max_lat)), modified_at)
  WHERE min_lon IS NOT NULL;
DROP INDEX IF EXISTS threat_objects_area;
-- Category, type, publisher: each in the order pages are read (newest first, id breaking ties), so a page is the
-- first rows of one index range and the next page starts where the cursor points.
CREATE INDEX IF NOT EXISTS threat_objects_category ON threat_objects (category, modified_at DESC, id DESC) WHERE category IS NOT NULL;
CREATE INDEX IF NOT EXISTS threat_objects_type ON threat_objects (type, modified_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS threat_objects_publisher ON threat_objects (publisher_msp, modified_at DESC, id DESC);
-- The audit log's object index: every consultation adds up to a page of ids; with a pending list, the insert that
-- fills it (4 MB) merges it into the index while every request of the node waits.
ALTER INDEX audit_log_objects SET (fastupdate = off);
`;
