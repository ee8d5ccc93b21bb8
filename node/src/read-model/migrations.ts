/** The read model's tables. Plain PostgreSQL that PGlite and a PostgreSQL server both run. */
import type { Database } from './database.js';
import { QUERY_INDEXES } from './query-indexes.js';
import { CORRELATION_SCHEMA, ensureCorrelationFunction, VENUE_SCHEMA } from './correlation-tables.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS threat_objects (
  id text PRIMARY KEY,
  type text NOT NULL,
  modified text NOT NULL,
  modified_at timestamptz NOT NULL,
  publisher_msp text NOT NULL,
  created_by_ref text,
  tlp text,
  audience jsonb NOT NULL DEFAULT '[]'::jsonb,
  category text,
  severity text,
  name text,
  search_text text NOT NULL,
  min_lon double precision,
  min_lat double precision,
  max_lon double precision,
  max_lat double precision,
  sighting_of_ref text,
  revoked boolean NOT NULL DEFAULT false,
  stix jsonb NOT NULL,
  tx_id text NOT NULL,
  block_number integer NOT NULL,
  signature_verified boolean NOT NULL
);
ALTER TABLE threat_objects ADD COLUMN IF NOT EXISTS countries jsonb NOT NULL DEFAULT '[]'::jsonb;
CREATE INDEX IF NOT EXISTS threat_objects_newest ON threat_objects (modified_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS threat_objects_sighting_of ON threat_objects (sighting_of_ref);
CREATE TABLE IF NOT EXISTS threat_versions (
  id text NOT NULL,
  modified text NOT NULL,
  stix jsonb NOT NULL,
  tx_id text NOT NULL,
  block_number integer NOT NULL,
  PRIMARY KEY (id, modified)
);
-- When each object (its latest version) and each version reached this node: TAXII's date_added, added_after and the
-- order of its pages; the store gives every version its own time, strictly increasing (modules/threat/added-clock.ts).
-- A read model from before: its versions get distinct times in block order, just before now, and each object its
-- latest version's, so that a client resuming with added_after misses none of them.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'threat_versions' AND column_name = 'added_at') THEN
    ALTER TABLE threat_versions ADD COLUMN added_at timestamptz;
    UPDATE threat_versions v SET added_at = now() - (x.total - x.n + 1) * interval '1 microsecond'
      FROM (SELECT id, modified, row_number() OVER (ORDER BY block_number, id, modified) AS n, count(*) OVER () AS total FROM threat_versions) x
      WHERE x.id = v.id AND x.modified = v.modified;
    ALTER TABLE threat_versions ALTER COLUMN added_at SET DEFAULT now(), ALTER COLUMN added_at SET NOT NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'threat_objects' AND column_name = 'added_at') THEN
    ALTER TABLE threat_objects ADD COLUMN added_at timestamptz;
    UPDATE threat_objects o SET added_at = coalesce((SELECT max(v.added_at) FROM threat_versions v WHERE v.id = o.id), now());
    ALTER TABLE threat_objects ALTER COLUMN added_at SET DEFAULT now(), ALTER COLUMN added_at SET NOT NULL;
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS threat_objects_added ON threat_objects (added_at, id);
CREATE INDEX IF NOT EXISTS threat_versions_added ON threat_versions (added_at, id, modified);
CREATE TABLE IF NOT EXISTS withheld_objects (
  id text PRIMARY KEY,
  facts jsonb NOT NULL,
  decision jsonb NOT NULL,
  block_number integer NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantined_objects (
  object_id text NOT NULL,
  modified text NOT NULL,
  block_number integer NOT NULL,
  tx_id text NOT NULL,
  publisher_msp text NOT NULL,
  announcement text NOT NULL,
  reason text NOT NULL,
  signature_verified boolean NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  quarantined_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tx_id, object_id, modified)
);
CREATE TABLE IF NOT EXISTS ledger_checkpoint (
  listener text PRIMARY KEY,
  block_number integer NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id serial PRIMARY KEY,
  bundle_id text NOT NULL,
  bundle text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'committed', 'rejected')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  tx_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS audit_log (
  seq bigint PRIMARY KEY CHECK (seq >= 1),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_agency text NOT NULL,
  actor_role text NOT NULL,
  action text NOT NULL CHECK (action IN ('collection', 'consultation', 'disclosure', 'alteration', 'erasure', 'authentication')),
  object_ids jsonb NOT NULL,
  purpose text,
  recipients jsonb NOT NULL,
  decision_id text,
  policy_revision text,
  details jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (actor, seq);
CREATE INDEX IF NOT EXISTS audit_log_objects ON audit_log USING gin (object_ids jsonb_path_ops);
-- Logs created before sign-in events were audited: widen the action check once.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'audit_log_action_check' AND pg_get_constraintdef(oid) LIKE '%authentication%') THEN
    ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_action_check;
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
      CHECK (action IN ('collection', 'consultation', 'disclosure', 'alteration', 'erasure', 'authentication'));
  END IF;
END $$;
-- Bearer tokens revoked by logout, by SHA-256, until they expire.
CREATE TABLE IF NOT EXISTS revoked_tokens (
  token_hash text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
-- The purpose a user stated once for a session (auth/session-purposes.ts), by the token's SHA-256, until it expires.
CREATE TABLE IF NOT EXISTS session_purposes (
  token_hash text PRIMARY KEY,
  purpose text NOT NULL,
  stated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
-- Exercises removed from this read model (modules/exercise): their objects are not stored again.
CREATE TABLE IF NOT EXISTS ended_exercises (
  exercise text PRIMARY KEY,
  ended_at timestamptz NOT NULL,
  removed integer NOT NULL
);
CREATE INDEX IF NOT EXISTS threat_objects_exercise ON threat_objects ((stix->>'x_popart_exercise')) WHERE stix ? 'x_popart_exercise';
-- Webhook deliveries waiting for their receiver (modules/webhooks/webhook-store.ts), in the order they were made.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  seq bigserial PRIMARY KEY,
  webhook text NOT NULL,
  delivery text NOT NULL,
  format text NOT NULL,
  content_type text NOT NULL,
  body text NOT NULL,
  object_ids jsonb NOT NULL,
  purpose text,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_next ON webhook_deliveries (webhook, seq);
-- Partner feeds pulled by the node (modules/partner-import): the cursor and the last run of each import.
CREATE TABLE IF NOT EXISTS partner_imports (
  import_id text PRIMARY KEY,
  added_after text,
  last_run_at timestamptz,
  last_success_at timestamptz,
  last_error text,
  imported bigint NOT NULL DEFAULT 0,
  skipped bigint NOT NULL DEFAULT 0,
  refused bigint NOT NULL DEFAULT 0
);
-- TAXII 2.1 status resources of the objects posted to this node (modules/taxii/taxii-status.ts), kept for
-- STATUS_RETENTION_DAYS so that a partner whose post was queued can ask again after the node restarted.
CREATE TABLE IF NOT EXISTS taxii_statuses (
  id text PRIMARY KEY,
  owner text NOT NULL,
  posted_at timestamptz NOT NULL DEFAULT now(),
  status jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS taxii_statuses_posted ON taxii_statuses (posted_at);
`;

/** The indexes the migration creates, by name (read from its statements). */
const MIGRATION_INDEXES = [SCHEMA, QUERY_INDEXES, CORRELATION_SCHEMA, VENUE_SCHEMA]
  .flatMap((sql) => [...sql.matchAll(/CREATE INDEX IF NOT EXISTS (\w+)/g)].map((m) => m[1]!));

/**
 * The indexes that migrate will build over objects already stored (a read model from before a version that adds one),
 * and how many objects: a start that builds them can say why it takes a while (about 9 s per million objects for the
 * area index). Nothing for a new read model or a current one.
 */
export async function indexesToBuild(db: Database): Promise<{ indexes: string[]; objects: number }> {
  const held = await db.query<{ present: boolean }>("SELECT to_regclass('threat_objects') IS NOT NULL AS present");
  if (!held.rows[0]?.present) return { indexes: [], objects: 0 };
  const missing = await db.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL', [MIGRATION_INDEXES]);
  if (missing.rows.length === 0) return { indexes: [], objects: 0 };
  const count = await db.query<{ n: number }>('SELECT count(*)::float8 AS n FROM threat_objects');
  const objects = count.rows[0]?.n ?? 0;
  return objects > 0 ? { indexes: missing.rows.map((r) => r.name), objects } : { indexes: [], objects: 0 };
}

export async function migrate(db: Database): Promise<void> {
  await db.exec(SCHEMA);
  await db.exec(QUERY_INDEXES);
  await db.exec(CORRELATION_SCHEMA);
  await ensureCorrelationFunction(db);
  await db.exec(VENUE_SCHEMA);
}
