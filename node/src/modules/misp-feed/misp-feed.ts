/**
 * The MISP feed of one reader: every object of the read model passes the egress gate as that reader (the same policy
 * and redactions as GraphQL), and each alert or report they may see becomes a MISP event holding the related objects
 * they may see too (misp-event.ts). What a response hands out is an audited disclosure (LED Art. 25) to the reader (a
 * partner's API key, or the user of the node whose credentials the MISP instance sends); restricted data (TLP:AMBER or
 * stricter, or unmarked) only under a stated purpose.
 */
import { actorOf, type AuditLog } from '../audit/index.js';
import type { HttpPrincipal } from '../../server/http-auth.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import type { ThreatStore } from '../threat/threat-store.js';
import { RESTRICTED } from '../threat/threat-service.js';
import { isEventSubject, mispEvent, uuidOf, type MispEvent, type MispOrg } from './misp-event.js';

/** Rows read from the store per batch (one policy call each). */
const BATCH = 500;
/** The most objects a feed is built from (the newest first); older ones are left out of the feed. */
export const MAX_FEED_OBJECTS = 20_000;

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

export class MispFeed {
  constructor(
    private readonly store: ThreatStore,
    private readonly gate: EgressGate,
    private readonly directory: AgencyDirectory,
    private readonly audit: AuditLog,
    private readonly maxObjects = MAX_FEED_OBJECTS,
  ) {}

  /** The objects this viewer may see (newest first, at most maxObjects read), released and redacted for them. */
  private async visible(principal: HttpPrincipal): Promise<Map<string, ThreatRow>> {
    const out = new Map<string, ThreatRow>();
    let cursor: { modified: string; id: string } | null = null;
    for (let read = 0; read < this.maxObjects;) {
      const rows = await this.store.search({}, cursor, Math.min(BATCH, this.maxObjects - read));
      read += rows.length;
      for (const r of await this.gate.releaseAll(principal.viewer, rows)) out.set(r.id, r);
      const last = rows.at(-1);
      if (!last || rows.length < BATCH) break;
      cursor = { modified: last.modified, id: last.id };
    }
    return out;
  }

  /** Who created the subject, as MISP's creator organisation: its registered agency, else the publishing agency. */
  private async orgc(row: ThreatRow): Promise<MispOrg> {
    const agency = (row.createdByRef ? this.directory.byIdentityId(row.createdByRef) : undefined) ?? (await this.directory.byMspId(row.publisherMsp));
    return agency ? { name: agency.name, uuid: uuidOf(agency.identityId) } : { name: row.publisherMsp, uuid: uuidOf(row.createdByRef ?? row.id) };
  }

  /** Every event this reader may see (alerts and reports), newest first. Nothing is audited here: see `handOut`. */
  async events(principal: HttpPrincipal): Promise<FeedEvent[]> {
    const visible = await this.visible(principal);
    const out: FeedEvent[] = [];
    for (const subject of visible.values()) {
      if (!isEventSubject(subject.stix)) continue;
      const related = relatedRows(subject, visible);
      out.push({ event: mispEvent(subject, related.map((r) => r.stix), await this.orgc(subject)), rows: [subject, ...related] });
    }
    return out;
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
