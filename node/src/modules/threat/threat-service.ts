/**
 * Threats as users see them: searching, single reads, sightings, history and live alerts.
 * Every object returned here has passed the egress gate for the requesting user.
 */
import { randomUUID } from 'node:crypto';
import { alertViews, isStixId, isTlpMarkingId, type Bundle, type StixObject } from '@popart/schemas';
import { actorOf, type AuditLog } from '../audit/index.js';
import { InputError } from '../../errors.js';
import {
  argError, asking, MAX_PAGE, parseDate, purposeOf, RESTRICTED,
  type Explanation, type LeftOut, type NestedRead, type ThreatConnection, type ThreatFilterInput, type WithoutPurpose,
} from './threat-request.js';
import type { LedgerListener } from './listener.js';
import { liveRows } from './live-rows.js';
import type { EgressGate } from './egress.js';
import { closeOver, type Closure } from './closure.js';
import type { Viewer } from '../../identity.js';
import type { ThreatRow } from './threat-row.js';
import { decodeCursor, encodeCursor, type ThreatQuery, type ThreatStore } from './threat-store.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';

/** Whether a STIX object points at `id`: a sighting of it, a relationship from or to it, or a report or note on it. */
function refersTo(stix: Record<string, unknown>, id: string): boolean {
  if (stix.sighting_of_ref === id || stix.source_ref === id || stix.target_ref === id) return true;
  return Array.isArray(stix.object_refs) && stix.object_refs.includes(id);
}

export class ThreatService {
  /**
   * The purpose each row handed out was consulted under: its nested fields (sightings, responses) are part of the same
   * consultation and inherit it. Keyed by the row object returned (released rows are fresh copies), so it is per request.
   */
  private readonly purposes = new WeakMap<ThreatRow, string | null>();
  /** The exercise each row handed out was asked for under: its nested fields are read in the same exercise. */
  private readonly exercises = new WeakMap<ThreatRow, string>();

  constructor(
    private readonly store: ThreatStore,
    private readonly gate: EgressGate,
    private readonly directory: AgencyDirectory,
    /** The rows of committed blocks (the live paths); a query worker has none: server/query-worker.ts. */
    private readonly listener: Pick<LedgerListener, 'onRows'>,
    private readonly audit: Pick<AuditLog, 'record'>,
    /** The ids among rows released to this user that are linked to an object the user may see (the `correlated` filter). */
    private readonly correlated: (viewer: Viewer, rows: ThreatRow[]) => Promise<Set<string>> = async () => new Set(),
  ) {}

  /**
   * Logs a consultation (LED Art. 25) of the objects returned. Restricted objects may only be
   * returned with a stated purpose; without one the request is refused and nothing is returned.
   */
  private async consulted(viewer: Viewer, rows: readonly ThreatRow[], purpose: string | null | undefined, resource: string): Promise<void> {
    const why = purposeOf(viewer, purpose);
    if (!why && rows.some((r) => RESTRICTED.has(r.tlp))) {
      throw new InputError('PURPOSE_REQUIRED', `${resource} returns restricted (TLP:AMBER or stricter) data: state the purpose of this consultation`, {
        issues: [{ objectIndex: null, objectId: null, property: 'purpose', message: 'required when restricted data is returned' }],
      });
    }
    if (rows.length === 0) return;
    await this.audit.record({
      actor: actorOf(viewer), action: 'consultation', objectIds: rows.map((r) => r.id), purpose: why,
      policyRevision: this.gate.revision, details: { resource, ...(viewer.exercise ? { exercise: viewer.exercise } : {}) },
    });
  }

  /** Remembers the purpose the rows were consulted under, for their nested fields. */
  private handedOut(viewer: Viewer, rows: ThreatRow[], purpose: string | null | undefined): ThreatRow[] {
    const why = purposeOf(viewer, purpose);
    for (const row of rows) {
      this.purposes.set(row, why);
      if (viewer.exercise) this.exercises.set(row, viewer.exercise);
    }
    return rows;
  }

  /** The viewer as the row was handed out to them: in the exercise it was asked for under, if any. */
  private asHandedOut(viewer: Viewer, row: ThreatRow): Viewer {
    const exercise = this.exercises.get(row);
    return exercise ? { ...viewer, exercise } : viewer;
  }

  toQuery(filter: ThreatFilterInput | null | undefined): ThreatQuery {
    const q: ThreatQuery = {};
    if (!filter) return q;
    if (filter.types?.length) q.types = filter.types;
    if (filter.categories?.length) q.categories = filter.categories;
    if (filter.severities?.length) q.severities = filter.severities;
    if (filter.agencies?.length) {
      q.publisherMsps = filter.agencies.map((key) => {
        const agency = this.directory.byAgencyKey(key);
        if (!agency) throw argError('filter.agencies', `unknown agency "${key}" (known: ${this.directory.all().map((a) => a.key).join(', ')})`);
        return agency.mspId;
      });
    }
    const from = parseDate(filter.from, 'filter.from');
    const to = parseDate(filter.to, 'filter.to');
    if (from) q.from = from;
    if (to) q.to = to;
    if (from && to && from > to) throw argError('filter.to', 'must not be before filter.from');
    if (filter.bbox) {
      const b = filter.bbox;
      if (b.length !== 4) throw argError('filter.bbox', 'must be [minLon, minLat, maxLon, maxLat]');
      const [minLon, minLat, maxLon, maxLat] = b as [number, number, number, number];
      if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90 || minLon > maxLon || minLat > maxLat) {
        throw argError('filter.bbox', 'must be [minLon, minLat, maxLon, maxLat] within -180..180 and -90..90, min ≤ max');
      }
      q.bbox = [minLon, minLat, maxLon, maxLat];
    }
    if (filter.text?.trim()) q.text = filter.text.trim();
    if (filter.exercise !== null && filter.exercise !== undefined) q.exercise = filter.exercise;
    if (filter.correlated) q.correlated = true;
    return q;
  }

  /**
   * A page of the threats this user may see. Restricted results need a purpose (stated here or for the session); without
   * one, `withoutPurpose` says whether the request is refused (PURPOSE_REQUIRED) or pages only through the results that
   * need none, the page then saying so in `leftOut` (what `countLeftOut` counts).
   */
  async list(viewer: Viewer, filter: ThreatFilterInput | null | undefined, first = 50, after?: string | null, purpose?: string | null,
    withoutPurpose: WithoutPurpose = 'refuse'): Promise<ThreatConnection & { leftOut: LeftOut | null }> {
    viewer = asking(viewer, filter?.exercise, 'filter.exercise');
    const leaveOut = withoutPurpose === 'leave-out' && !purposeOf(viewer, purpose);
    const page = await this.page(viewer, filter, first, after, leaveOut ? { marking: 'open' } : {});
    await this.consulted(viewer, page.edges.map((e) => e.node), purpose, 'threats');
    this.handedOut(viewer, page.edges.map((e) => e.node), purpose);
    return { ...page, leftOut: leaveOut ? { viewer, query: { ...this.toQuery(filter), marking: 'restricted' } } : null };
  }

  /**
   * How many results a page left out for want of a purpose that this user would see with one: the restricted rows of
   * the filter that the egress gate lets them see, counted up to `cap` (then `more`: at least that many). Nothing of
   * them is returned, not even ids; the count tells only how many objects this user may already consult by stating
   * why, and so is not a consultation (docs: "The first view").
   */
  async countLeftOut(leftOut: LeftOut, cap = 1000): Promise<{ count: number; more: boolean }> {
    let count = 0;
    let cursor: { modified: string; id: string } | null = null;
    for (;;) {
      const rows = await this.store.search(leftOut.query, cursor, MAX_PAGE);
      const released = await this.gate.releaseEach(leftOut.viewer, rows, { reasons: false });
      count += released.filter((r) => r.visible).length;
      if (count >= cap) return { count: cap, more: true };
      const last = rows.at(-1);
      if (rows.length < MAX_PAGE || !last) return { count, more: false };
      cursor = { modified: last.modified, id: last.id };
    }
  }

  private async page(viewer: Viewer, filter: ThreatFilterInput | null | undefined, first: number, after?: string | null,
    also: Partial<ThreatQuery> = {}): Promise<ThreatConnection> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw argError('first', `must be an integer from 1 to ${MAX_PAGE}`);
    let cursor = null;
    if (after) {
      cursor = decodeCursor(after);
      if (!cursor) throw argError('after', 'is not a cursor returned by this API');
    }
    const query = { ...this.toQuery(filter), ...also };
    const edges: ThreatConnection['edges'] = [];
    // Fetch in batches until the page is full of rows this user may see, or nothing is left.
    // Each batch goes to the policy in one call.
    const batch = Math.min(MAX_PAGE, first + 1);
    let hasMore = true;
    while (edges.length <= first && hasMore) {
      const rows = await this.store.search(query, cursor, batch);
      hasMore = rows.length === batch;
      const released = await this.gate.releaseEach(viewer, rows, { reasons: false });
      const linked = query.correlated ? await this.correlated(viewer, released.flatMap((r) => (r.visible ? [r.row] : []))) : null;
      for (const [i, row] of rows.entries()) {
        cursor = { modified: row.modified, id: row.id };
        const r = released[i];
        if (r?.visible && (!linked || linked.has(row.id))) edges.push({ cursor: encodeCursor(cursor), node: r.row });
        if (edges.length > first) break;
      }
    }
    const hasNextPage = edges.length > first;
    const page = edges.slice(0, first);
    return { edges: page, pageInfo: { hasNextPage, endCursor: page.at(-1)?.cursor ?? null } };
  }

  /**
   * A STIX bundle of the threats this user may see (newest first, at most `limit`), as partner tools import it
   * ({@link bundleOf}).
   */
  async exportBundle(viewer: Viewer, filter: ThreatFilterInput | null | undefined, limit = 500, purpose?: string | null): Promise<Bundle> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw argError('limit', 'must be an integer from 1 to 5000');
    viewer = asking(viewer, filter?.exercise, 'filter.exercise');
    const rows: ThreatRow[] = [];
    let after: string | null = null;
    while (rows.length < limit) {
      const page: ThreatConnection = await this.page(viewer, filter, Math.min(MAX_PAGE, limit - rows.length), after);
      rows.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return this.bundleOf(viewer, rows, purpose, 'exportBundle');
  }

  /**
   * What `objects` refer to that this user may see (closure.ts): stored objects fetched and released by the egress
   * gate, and the public reference definitions. For every path that gives out bundles; the caller audits the rows.
   */
  closure(viewer: Viewer, objects: readonly StixObject[]): Promise<Closure> {
    return closeOver(objects, async (ids) => this.gate.releaseAll(viewer, await this.store.getMany(ids)));
  }

  /**
   * A bundle of rows already released to this user, whole for partner tools: each alert's standard objects (report,
   * location, note: alert-view.ts in schemas) and the closure of everything. One consultation record lists every stored
   * object given out, the referenced ones too; restricted ones need a purpose (PURPOSE_REQUIRED, nothing returned).
   */
  async bundleOf(viewer: Viewer, rows: readonly ThreatRow[], purpose: string | null | undefined, resource: string): Promise<Bundle> {
    // Stored copies of TLP marking definitions are left to the closure, which adds the published ones.
    const objects = rows.map((r) => r.stix).filter((o) => !(o.type === 'marking-definition' && isTlpMarkingId(o.id)));
    const views = alertViews(objects);
    const closure = await this.closure(viewer, [...objects, ...views]);
    await this.consulted(viewer, [...rows, ...closure.rows], purpose, resource);
    return { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [...closure.reference, ...closure.rows.map((r) => r.stix), ...objects, ...views] };
  }

  /**
   * The object a user publishes something about (a sighting of it), when they may see it, with the identity of the
   * agency that published it: for the marking of what refers to it. No consultation: nothing of it is returned.
   */
  async subjectOf(viewer: Viewer, id: string): Promise<{ row: ThreatRow; publisherIdentity: string | undefined } | null> {
    const row = await this.store.get(id);
    if (!row) return null;
    const released = await this.gate.release(viewer, row);
    if (!released.visible) return null;
    return { row: released.row, publisherIdentity: (await this.directory.byMspId(row.publisherMsp))?.identityId };
  }

  async get(viewer: Viewer, id: string, purpose?: string | null): Promise<ThreatRow | null> {
    const row = await this.store.get(id);
    if (!row) return null;
    const released = await this.gate.release(viewer, row);
    if (!released.visible) return null;
    await this.consulted(viewer, [released.row], purpose, 'threat');
    this.handedOut(viewer, [released.row], purpose);
    return released.row;
  }

  /**
   * Why this user sees an object, sees it redacted, or does not see it — from the policy's
   * decision and the object's markings, never from its content.
   */
  async explain(viewer: Viewer, id: string): Promise<Explanation> {
    const row = await this.store.get(id);
    if (row) {
      const r = await this.gate.release(viewer, row);
      const d = r.decision;
      return {
        id, known: true, visible: r.visible, rule: d.rule, reasons: d.reasons,
        redacted: r.visible ? [...d.remove, ...d.coarsen.map((c) => `${c.path} (rounded to ${c.decimals} decimals)`)] : [],
        tlp: row.tlp, publisher: this.directory.keyOf(row.publisherMsp), policyRevision: this.gate.revision,
      };
    }
    const withheld = await this.store.withheld(id);
    if (withheld) {
      const facts = withheld.facts as { tlp: string | null; publisher: string };
      const decision = withheld.decision as { rule: string; reasons: string[] };
      return {
        id, known: true, visible: false, rule: decision.rule,
        reasons: [`not released to your agency: ${decision.reasons.join('; ')}`],
        redacted: [], tlp: facts.tlp, publisher: facts.publisher, policyRevision: this.gate.revision,
      };
    }
    return {
      id, known: false, visible: false, rule: 'none', reasons: ['no object with this id has reached your agency\'s node'],
      redacted: [], tlp: null, publisher: null, policyRevision: this.gate.revision,
    };
  }

  /**
   * Sightings of an object returned earlier (`parent`) that the user may see: a consultation like any other. Restricted
   * ones need a purpose, stated on the field or inherited from the parent's consultation (PURPOSE_REQUIRED otherwise),
   * and what is returned is written to the audit log.
   */
  async sightingsOf(asked: Viewer, parent: ThreatRow, read: NestedRead): Promise<ThreatRow[]> {
    const viewer = this.asHandedOut(asked, parent);
    return this.nested(viewer, parent, await this.gate.releaseAll(viewer, await this.store.sightingsOf(parent.id)), read);
  }

  /**
   * Rows already released to this user, read as a nested field of `parent`: a consultation under the purpose stated on
   * the field or the parent's (PURPOSE_REQUIRED for restricted rows without one), written to the audit log.
   */
  async nested(viewer: Viewer, parent: ThreatRow, released: ThreatRow[], read: NestedRead): Promise<ThreatRow[]> {
    const rows = read.pick ? released.filter(read.pick) : released;
    const why = read.purpose?.trim() || this.purposes.get(parent) || viewer.purpose || null;
    await this.consulted(viewer, rows, why, read.resource);
    return this.handedOut(viewer, rows, why);
  }

  /** Rows already released to this user, handed out by another path (a subscription): a consultation like any other. */
  async consult(viewer: Viewer, rows: ThreatRow[], purpose: string | null | undefined, resource: string): Promise<ThreatRow[]> {
    await this.consulted(viewer, rows, purpose, resource);
    return this.handedOut(viewer, rows, purpose);
  }

  async history(viewer: Viewer, row: ThreatRow): Promise<{ modified: string; txId: string; blockNumber: number }[]> {
    if (!(await this.gate.release(this.asHandedOut(viewer, row), row)).visible) return [];
    return (await this.store.versions(row.id)).map((v) => ({ modified: v.modified, txId: v.txId, blockNumber: v.blockNumber }));
  }

  /**
   * New alerts as they are committed, each passed through the gate for this viewer; operators and
   * supervisors get only the alerts the routing policy sends them (territory, severity).
   */
  alerts(viewer: Viewer, maxBuffered = 1000): AsyncIterableIterator<ThreatRow> {
    return liveRows(this.listener, {
      pick: (rows) => rows.filter((row) => row.category !== null),
      release: (rows) => this.gate.releaseAlerts(viewer, rows),
      logged: (rows) => this.audit.record({
        actor: actorOf(viewer), action: 'disclosure', objectIds: rows.map((r) => r.id), purpose: 'operational alert delivery',
        recipients: [viewer.username], policyRevision: this.gate.revision,
        details: { resource: 'alerts', ...(viewer.exercise ? { exercise: viewer.exercise } : {}) },
      }),
      what: 'alerts', maxBuffered,
    });
  }

  /**
   * Objects committed from now on that refer to `id` (sightings of it, operators' responses to it, relationships from
   * or to it), each passed through the gate for this viewer: what a portal showing the object needs to refresh it,
   * instead of asking again every few seconds. Each delivery is a consultation in the audit log; restricted objects
   * (TLP:AMBER or stricter) come only to a subscription that states its purpose.
   */
  related(viewer: Viewer, id: string, purpose?: string | null, maxBuffered = 1000): AsyncIterableIterator<ThreatRow> {
    if (!isStixId(id)) throw argError('id', `"${id}" is not a STIX identifier (type--uuid)`);
    const why = purposeOf(viewer, purpose);
    return liveRows(this.listener, {
      pick: (rows) => rows.filter((row) => refersTo(row.stix, id) && (why !== null || !RESTRICTED.has(row.tlp))),
      release: (rows) => this.gate.releaseAll(viewer, rows),
      logged: async (rows) => {
        await this.consulted(viewer, rows, why, 'related');
        this.handedOut(viewer, rows, why);
      },
      what: 'objects', maxBuffered,
    });
  }
}
