/**
 * TAXII POST objects and the status resource (TAXII 2.1 sections 5.5 and 4.3). An envelope's objects are published as
 * one bundle through the same path as GraphQL `publishBundle` (PublishService: the same validation, the ledger's
 * checks, the outbox when the ledger is unreachable, the audit records), so a partner meets the same errors:
 *
 *   - not JSON: 400; not an envelope, or objects that are not valid STIX 2.1: 422 listing every problem (object index,
 *     id, property, why) and nothing stored;
 *   - more objects or bytes than a bundle may hold: 413 naming `objects`;
 *   - refused by the ledger (another agency's identity, a stale version, ...): 202 with a status whose every object
 *     failed with the reason (a bundle is never half-published);
 *   - committed: 202, status complete, each object a success (created, updated or unchanged);
 *   - queued in the outbox (ledger unreachable): 202, status pending; GET status/{id}/ reports each object a success
 *     once its version is in the read model.
 *
 * Statuses are kept in the read model (table taxii_statuses) for STATUS_RETENTION_DAYS, so a partner whose post was
 * queued can ask again after the node restarted, and are shown only to whoever posted them.
 */
import { randomUUID } from 'node:crypto';
import { CONTENT_LIMITS } from '@popart/schemas';
import { NodeError } from '../../errors.js';
import type { Sql } from '../../read-model/database.js';
import type { HttpPrincipal } from '../../server/http-auth.js';
import type { PublishService } from '../publish/publish-service.js';
import { TaxiiError } from './taxii-http.js';

/** How long a status resource is kept after its post. */
export const STATUS_RETENTION_DAYS = 30;

/** Codes of the ledger's refusals of a valid bundle: reported per object in the status, not as an HTTP error. */
const LEDGER_REFUSALS = new Set(['SPOOFED_CREATOR', 'STALE_VERSION', 'VERSION_CONFLICT', 'NOT_CREATOR', 'UNKNOWN_AGENCY']);

interface StatusDetail { id: string; version: string; message?: string }

export interface TaxiiStatus {
  id: string;
  status: 'complete' | 'pending';
  request_timestamp: string;
  total_count: number;
  success_count: number;
  successes: StatusDetail[];
  failure_count: number;
  failures: StatusDetail[];
  pending_count: number;
  pendings: StatusDetail[];
}

const invalid = (property: string, why: string, details: Record<string, unknown> = {}): TaxiiError =>
  new TaxiiError(422, 'Unprocessable content', `${property}: ${why}`, { property, ...details });

function versionOf(o: Record<string, unknown>): string {
  return String(o.modified ?? o.created ?? '');
}

function statusOf(id: string, at: string, successes: StatusDetail[], failures: StatusDetail[], pendings: StatusDetail[]): TaxiiStatus {
  return {
    id, status: pendings.length ? 'pending' : 'complete', request_timestamp: at,
    total_count: successes.length + failures.length + pendings.length,
    success_count: successes.length, successes, failure_count: failures.length, failures, pending_count: pendings.length, pendings,
  };
}

export class TaxiiStatuses {
  constructor(
    private readonly db: Sql,
    private readonly publisher: Pick<PublishService, 'publish'>,
    /** Whether this version of the object is in the read model (a queued post has been committed). */
    private readonly stored: (id: string, version: string) => Promise<boolean>,
  ) {}

  /** Publishes the objects of a TAXII envelope as the principal's agency; the status to answer with (202). */
  async post(principal: HttpPrincipal, body: string): Promise<TaxiiStatus> {
    const at = new Date().toISOString();
    let envelope: unknown;
    try {
      envelope = JSON.parse(body);
    } catch (err) {
      throw new TaxiiError(400, 'Bad request', `the body is not valid JSON: ${(err as Error).message}`, { property: 'body' });
    }
    if (!envelope || typeof envelope !== 'object' || Array.isArray(envelope)) throw invalid('body', 'must be a TAXII envelope: { "objects": [ ... ] }');
    const objects = (envelope as { objects?: unknown }).objects;
    if (!Array.isArray(objects) || objects.length === 0) throw invalid('objects', 'must be a non-empty array of STIX 2.1 objects');
    if (objects.length > CONTENT_LIMITS.maxBundleObjects) {
      throw new TaxiiError(413, 'Content too large', `objects: at most ${CONTENT_LIMITS.maxBundleObjects} objects per post (got ${objects.length}): post them in several envelopes`,
        { property: 'objects', limit: CONTENT_LIMITS.maxBundleObjects });
    }
    const bytes = Buffer.byteLength(JSON.stringify(objects));
    if (bytes > CONTENT_LIMITS.maxBundleBytes) {
      throw new TaxiiError(413, 'Content too large', `objects: at most ${CONTENT_LIMITS.maxBundleBytes} bytes per post (got ${bytes}): post them in several envelopes`,
        { property: 'objects', limit: CONTENT_LIMITS.maxBundleBytes });
    }
    const listed = objects.map((o) => (o && typeof o === 'object' ? o as Record<string, unknown> : {}));
    const detail = (o: Record<string, unknown>, message?: string): StatusDetail => ({ id: String(o.id ?? ''), version: versionOf(o), ...(message ? { message } : {}) });
    let status: TaxiiStatus;
    try {
      const r = await this.publisher.publish(principal.viewer, { type: 'bundle', id: `bundle--${randomUUID()}`, objects });
      const byId = new Map(r.objects.map((o) => [o.id, o]));
      if (r.status === 'QUEUED') {
        status = statusOf(randomUUID(), at, [], [], listed.map((o) => detail(o, `queued in the outbox (${r.objects.length} objects): the ledger is unreachable`)));
      } else {
        status = statusOf(randomUUID(), at, listed.map((o) => detail(o, `${byId.get(String(o.id))?.status ?? 'stored'} in transaction ${r.transactionId} (block ${r.blockNumber})`)), [], []);
      }
    } catch (err) {
      if (!(err instanceof NodeError)) throw err;
      if (err.code === 'FORBIDDEN') throw new TaxiiError(403, 'Forbidden', err.message);
      if (err.code === 'MALFORMED_JSON' || err.code === 'INVALID_BUNDLE' || err.code === 'INVALID_ARGUMENT') {
        const first = err.issues[0];
        throw invalid(first?.property ? `objects[${first.objectIndex ?? '?'}].${first.property}` : 'objects', err.message, { code: err.code, issues: err.issues });
      }
      if (!LEDGER_REFUSALS.has(err.code)) throw err;
      // The ledger refused the bundle: nothing of it is stored. Each object fails with its own problem, or the bundle's.
      const failures = listed.map((o, i) => {
        const own = err.issues.find((x) => x.objectIndex === i || (x.objectId !== null && x.objectId === o.id));
        return detail(o, `${err.code}: ${own ? `${own.property}: ${own.message}` : err.message} (nothing of this post was stored)`);
      });
      status = statusOf(randomUUID(), at, [], failures, []);
    }
    await this.db.query(`DELETE FROM taxii_statuses WHERE posted_at < now() - make_interval(days => $1)`, [STATUS_RETENTION_DAYS]);
    await this.db.query('INSERT INTO taxii_statuses (id, owner, status) VALUES ($1, $2, $3::jsonb)', [status.id, principal.viewer.username, JSON.stringify(status)]);
    return status;
  }

  /** The status of a post by this principal, its pending objects checked again; undefined for anyone else's. */
  async get(principal: HttpPrincipal, id: string): Promise<TaxiiStatus | undefined> {
    const { rows } = await this.db.query<{ status: TaxiiStatus }>(
      `SELECT status FROM taxii_statuses WHERE id = $1 AND owner = $2 AND posted_at >= now() - make_interval(days => $3)`, [id, principal.viewer.username, STATUS_RETENTION_DAYS]);
    const s = rows[0]?.status;
    if (!s || !s.pendings.length) return s;
    const done: StatusDetail[] = [];
    const still: StatusDetail[] = [];
    for (const p of s.pendings) ((await this.stored(p.id, p.version)) ? done : still).push(p);
    if (!done.length) return s;
    const now = statusOf(s.id, s.request_timestamp, [...s.successes, ...done.map((d) => ({ ...d, message: 'committed from the outbox' }))], s.failures, still);
    await this.db.query('UPDATE taxii_statuses SET status = $2::jsonb WHERE id = $1', [id, JSON.stringify(now)]);
    return now;
  }
}
