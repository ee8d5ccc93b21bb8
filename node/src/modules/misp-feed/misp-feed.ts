/**
 * The MISP feed of one reader: each alert or report they may see becomes a MISP event holding the related objects they
 * may see too (misp-event.ts), every object judged by the egress gate as that reader (the same policy and redactions as
 * GraphQL); the creator organisation (`Orgc`) is the creator's identity from the closure, as the reader may see it.
 * Which objects make which event comes from the feed's index (misp-feed-index.ts): an event file reads and judges that
 * event's objects only, and a reader's manifest is built once and then brought up to date with the events the read
 * model changed since (each judged again), for at most FEED_CACHE_MS and one policy revision. What a response hands out is an audited disclosure (LED Art. 25) to the reader (a
 * partner's API key, or the user of the node whose credentials the MISP instance sends); restricted data (TLP:AMBER or
 * stricter, or unmarked) only under a stated purpose.
 */
import type { StixObject } from '@popart/schemas';
import { actorOf, type AuditLog } from '../audit/index.js';
import type { Viewer } from '../../identity.js';
import type { HttpPrincipal } from '../../server/http-auth.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';
import type { Closure } from '../threat/closure.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import type { ThreatStore } from '../threat/threat-store.js';
import { RESTRICTED } from '../threat/threat-request.js';
import { isEventSubject, mispEvent, uuidOf, type MispEvent, type MispOrg } from './misp-event.js';
import type { MispFeedIndex } from './misp-feed-index.js';

/** An event with the rows it was made from (the subject first): what handing it out discloses. */
export interface FeedEvent { event: MispEvent; rows: ThreatRow[] }

/** A refusal sent with its HTTP status (the HTTP server maps `status`). */
export function feedError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}

/** Whether `obj` points at `id` as a relationship end, a sighting, or a note's or report's object. */
function pointsAt(stix: Record<string, unknown>, id: string): boolean {
  if (stix.source_ref === id || stix.target_ref === id || stix.sighting_of_ref === id) return true;
  return stix.type === 'note' && Array.isArray(stix.object_refs) && stix.object_refs.includes(id);
}

/**
 * The rows related to a subject among the visible ones: a report's objects; what a relationship links it to (the
 * relationship with it); its sightings and notes. Each appears once, the subject never.
 */
export function relatedRows(subject: ThreatRow, visible: ReadonlyMap<string, ThreatRow>): ThreatRow[] {
  const out = new Map<string, ThreatRow>();
  const add = (row: ThreatRow | undefined): void => {
    if (row && row.id !== subject.id && !isEventSubject(row.stix)) out.set(row.id, row);
  };
  const refs = subject.stix.object_refs;
  if (subject.type === 'report' && Array.isArray(refs)) for (const ref of refs) if (typeof ref === 'string') add(visible.get(ref));
  for (const row of visible.values()) {
    if (!pointsAt(row.stix, subject.id)) continue;
    if (row.type === 'relationship') {
      out.set(row.id, row);
      add(visible.get(row.stix.source_ref === subject.id ? String(row.stix.target_ref) : String(row.stix.source_ref)));
    } else add(row);
  }
  return [...out.values()];
}

/** What misp-feed.ts needs of ThreatService.closure: what objects refer to that the viewer may see. */
export type ClosureOf = (viewer: Viewer, objects: readonly StixObject[]) => Promise<Closure>;

/** Subjects built per batch (one store read, one gate call, one closure call each). */
const BUILD_BATCH = 200;
/** How long a reader's judged events are reused for unchanged objects under the same policy revision. */
export const FEED_CACHE_MS = 5 * 60_000;
/** Readers whose feeds are kept (the least recently used is dropped): each holds at most `maxEvents` built events. */
const MAX_READERS = 16;
/**
 * Events a manifest (and hashes.csv) lists: the newest, by their latest change. A reader's every event was built and
 * kept in memory: at a million objects (half a million alerts) one manifest request ran the node out of heap
 * (docs/benchmarks.md, eighth session). An older event's file is still served by its uuid.
 */
export const MAX_FEED_EVENTS = 5000;

/** One reader's events, each judged and built for them at an index version (null: not visible to them). */
interface ReaderFeed { revision: string; at: number; built: number; events: Map<string, { version: number; event: FeedEvent | null }> }

export class MispFeed {
  private readonly readers = new Map<string, ReaderFeed>();

  constructor(
    private readonly store: ThreatStore,
    private readonly gate: EgressGate,
    private readonly directory: AgencyDirectory,
    private readonly audit: AuditLog,
    private readonly index: MispFeedIndex,
    private readonly closure: ClosureOf,
    private readonly now: () => number = Date.now,
    private readonly maxEvents = MAX_FEED_EVENTS,
  ) {}

  /** Who created the subject, as MISP's creator organisation: its identity as the reader may see it, else the registered agency, else the publisher. */
  private async orgc(row: ThreatRow, creators: ReadonlyMap<string, StixObject>): Promise<MispOrg> {
    const identity = row.createdByRef ? creators.get(row.createdByRef) : undefined;
    if (identity && typeof identity.name === 'string') return { name: identity.name, uuid: uuidOf(identity.id) };
    const agency = (row.createdByRef ? this.directory.byIdentityId(row.createdByRef) : undefined) ?? (await this.directory.byMspId(row.publisherMsp));
    return agency ? { name: agency.name, uuid: uuidOf(agency.identityId) } : { name: row.publisherMsp, uuid: uuidOf(row.createdByRef ?? row.id) };
  }

  /**
   * The events of these subjects as the reader may see them (null for a subject they may not see or that is gone):
   * per batch, the subjects and their related objects read from the store in one query and judged by the gate in one
   * call, and the creators' identities from the closure.
   */
  private async build(principal: HttpPrincipal, subjectIds: readonly string[]): Promise<Map<string, FeedEvent | null>> {
    const out = new Map<string, FeedEvent | null>();
    for (let i = 0; i < subjectIds.length; i += BUILD_BATCH) {
      const batch = subjectIds.slice(i, i + BUILD_BATCH);
      const related = new Map(batch.map((id) => [id, this.index.relatedIds(id)]));
      const rows = await this.store.getMany([...new Set([...batch, ...[...related.values()].flat()])]);
      const visible = new Map((await this.gate.releaseAll(principal.viewer, rows)).map((r) => [r.id, r]));
      const subjects = batch.flatMap((id) => {
        const row = visible.get(id);
        return row && isEventSubject(row.stix) && !row.revoked ? [row] : [];
      });
      const stubs = subjects.flatMap((r) => (r.createdByRef ? [{ type: r.type, id: r.id, created_by_ref: r.createdByRef } as StixObject] : []));
      const creators = new Map((await this.closure(principal.viewer, stubs)).rows.map((r) => [r.id, r.stix]));
      for (const id of batch) out.set(id, null);
      for (const subject of subjects) {
        const mine = new Map((related.get(subject.id) ?? []).flatMap((id) => (visible.has(id) ? [[id, visible.get(id) as ThreatRow] as const] : [])));
        const rel = relatedRows(subject, mine);
        out.set(subject.id, { event: mispEvent(subject, rel.map((r) => r.stix), await this.orgc(subject, creators)), rows: [subject, ...rel] });
      }
    }
    return out;
  }

  /** The reader's feed, if it may still be used: same policy revision, not older than FEED_CACHE_MS. */
  private feedOf(principal: HttpPrincipal): { key: string; feed: ReaderFeed | undefined } {
    const key = JSON.stringify([principal.viewer, principal.partner ?? null]);
    const feed = this.readers.get(key);
    if (!feed || feed.revision !== this.gate.revision || this.now() - feed.at > FEED_CACHE_MS) return { key, feed: undefined };
    this.readers.delete(key);
    this.readers.set(key, feed);
    return { key, feed };
  }

  private keep(key: string, feed: ReaderFeed): void {
    this.readers.delete(key);
    this.readers.set(key, feed);
    while (this.readers.size > MAX_READERS) this.readers.delete(this.readers.keys().next().value as string);
  }

  /**
   * The events this reader may see among the newest `maxEvents` (alerts and reports), newest first. The first request
   * of a reader judges and builds each of them; later ones only those the read model changed since
   * (MispFeedIndex.changedSince) and those that came into the newest since. Nothing is audited here: see `handOut`.
   */
  async events(principal: HttpPrincipal): Promise<FeedEvent[]> {
    await this.index.ready();
    const version = this.index.version;
    const newest = this.index.newestSubjects(this.maxEvents);
    const wanted = new Set(newest);
    const { key, feed: kept } = this.feedOf(principal);
    const changed = kept ? this.index.changedSince(kept.built) : null;
    const feed: ReaderFeed = kept && changed ? kept : { revision: this.gate.revision, at: this.now(), built: 0, events: new Map() };
    const todo = kept && changed
      ? [...new Set([...changed.filter((id) => wanted.has(id)), ...newest.filter((id) => !feed.events.has(id))])]
      : newest;
    // (an event the reader may not see is kept as null, so that it is not judged again until it changes)
    for (const [id, event] of await this.build(principal, todo)) feed.events.set(id, { version, event });
    for (const id of feed.events.keys()) if (!wanted.has(id)) feed.events.delete(id);
    feed.built = version;
    this.keep(key, feed);
    return newest.flatMap((id) => feed.events.get(id)?.event ?? []);
  }

  /** One event by its uuid, as the reader may see it (null: no such event, or not visible to them). */
  async event(principal: HttpPrincipal, eventUuid: string): Promise<FeedEvent | null> {
    await this.index.ready();
    const subject = this.index.subjectOf(eventUuid);
    if (!subject) return null;
    const version = this.index.version;
    const { key, feed } = this.feedOf(principal);
    const known = feed?.events.get(subject);
    if (known && known.version >= this.index.lastChange(subject)) return known.event;
    const event = (await this.build(principal, [subject])).get(subject) ?? null;
    if (feed) {
      feed.events.set(subject, { version, event });
      this.keep(key, feed);
    }
    return event;
  }

  /**
   * Refuses (403, naming the X-Popart-Purpose header) when restricted rows are among those about to be handed out and
   * no purpose is known (an API key's own, else the stated one); then records their disclosure.
   */
  async handOut(principal: HttpPrincipal, rows: readonly ThreatRow[], stated: string | null, resource: string): Promise<void> {
    const purpose = principal.purpose ?? (stated?.trim() || null);
    if (!purpose && rows.some((r) => RESTRICTED.has(r.tlp))) {
      throw feedError(403, `purpose: ${resource} holds restricted data (TLP:AMBER or stricter, or unmarked): state the purpose of this ` +
        'consultation (LED Art. 25) in the X-Popart-Purpose header (a header of the feed in MISP) or the purpose URL parameter');
    }
    if (rows.length === 0) return;
    await this.audit.record({
      actor: actorOf(principal.viewer), action: 'disclosure', objectIds: [...new Set(rows.map((r) => r.id))], purpose,
      recipients: [principal.partner ?? principal.viewer.username], policyRevision: this.gate.revision,
      details: { channel: 'misp-feed', resource, auth: principal.method },
    });
  }
}
