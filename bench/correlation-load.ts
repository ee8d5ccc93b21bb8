/**
 * The bench's loader (bench/correlation only, never the node's path): fills a read model with many objects fast, so
 * that a run at 1,000,000 objects is possible on a small machine. The node stores objects as the listener applies
 * blocks, each insert updating every index (the trigram index alone makes that slow at this size); here the read
 * model's and the correlator's secondary indexes are dropped, the rows go in through the store's multi-row INSERT
 * (ThreatStore.storeRows) and one multi-row INSERT per chunk into the correlator's index tables (what the correlator
 * would have indexed for each object), then the migration creates the indexes again in one pass each, and ANALYZE.
 * Links between the loaded objects are not made (the bench measures what a new object meets).
 */
import { DEFAULT_CORRELATION, migrate, placeOf, ProximityGrid, type Database, type ThreatRow, type ThreatStore } from '@popart/node';
import { observablesOf } from '@popart/schemas';
import { progress } from './bench-kit.js';

const TABLES = ['threat_objects', 'threat_versions', 'correlation_observables', 'correlation_places', 'correlation_links'];
const CHUNK = 5000;

/** Drops the indexes of the loaded tables that no constraint needs (primary keys stay); the migration recreates them. */
async function dropSecondaryIndexes(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE tablename = ANY($1::text[])
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`, [TABLES]);
  for (const { name } of rows) await db.exec(`DROP INDEX IF EXISTS "${name}"`);
  return rows.map((r) => r.name);
}

/** Indexes the rows' values and places as the correlator would (correlator.ts), in two statements. */
async function indexForCorrelation(db: Database, rows: readonly ThreatRow[], grid: ProximityGrid): Promise<void> {
  const v: [string[], string[], string[], string[]] = [[], [], [], []];
  const p: [string[], string[], string[], number[], number[], string[], string[], string[]] = [[], [], [], [], [], [], [], []];
  for (const r of rows) {
    for (const o of new Map(observablesOf(r.stix).map((x) => [`${x.kind} ${x.value}`, x])).values()) {
      v[0].push(o.kind); v[1].push(o.value); v[2].push(r.id); v[3].push(r.publisherMsp);
    }
    const place = placeOf(r);
    if (!place) continue;
    for (const cell of grid.keysOf(place)) {
      p[0].push(cell); p[1].push(r.id); p[2].push(place.category); p[3].push(place.latitude); p[4].push(place.longitude);
      p[5].push(new Date(place.starts).toISOString()); p[6].push(new Date(place.ends).toISOString()); p[7].push(r.publisherMsp);
    }
  }
  if (v[0].length) {
    await db.query(`INSERT INTO correlation_observables (kind, value, object_id, publisher_msp)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`, v);
  }
  if (p[0].length) {
    await db.query(`INSERT INTO correlation_places (cell, object_id, category, latitude, longitude, starts_at, ends_at, publisher_msp)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::timestamptz[], $7::timestamptz[], $8::text[])
      ON CONFLICT DO NOTHING`, p);
  }
}

/**
 * Loads `count` objects (`rowAt(i)`) into a migrated read model: indexes dropped, rows in, indexes rebuilt. Prints
 * progress; returns how long each phase took (ms).
 */
export async function loadReadModel(db: Database, store: ThreatStore, count: number, rowAt: (i: number) => ThreatRow, label: string):
  Promise<{ loadMs: number; indexMs: number }> {
  const grid = new ProximityGrid(DEFAULT_CORRELATION);
  const t0 = performance.now();
  await dropSecondaryIndexes(db);
  for (let i = 0; i < count; i += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, count - i) }, (_, j) => rowAt(i + j));
    await store.storeRows(rows);
    await indexForCorrelation(db, rows, grid);
    progress(label, Math.min(count, i + CHUNK), count);
  }
  const t1 = performance.now();
  process.stderr.write(`${label}: rebuilding the indexes…\n`);
  await migrate(db);
  await db.exec('ANALYZE');
  return { loadMs: t1 - t0, indexMs: performance.now() - t1 };
}
