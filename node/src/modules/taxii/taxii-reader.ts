/**
 * What a TAXII caller gets: pages of the read model in added order, each object passed through the egress gate as the
 * caller (the same gate, policy and redactions as GraphQL), and every response that hands out objects written to the
 * audit log (LED Art. 25): a consultation by a user of the node, a disclosure to a partner's API key.
 *
 * Restricted data (TLP:AMBER or stricter, or unmarked) goes out only with a purpose: an API key's configured purpose,
 * or for a user the `X-Popart-Purpose` header (or `purpose` URL parameter); without one the request is refused (403)
 * and nothing is handed out, as GraphQL refuses with PURPOSE_REQUIRED.
 */
import type { StixObject } from '@popart/schemas';
import { actorOf, type AuditLog } from '../audit/index.js';
import type { Viewer } from '../../identity.js';
import type { HttpPrincipal } from '../../server/http-auth.js';
import type { AddedCursor, AddedStore } from '../threat/added-store.js';
import { encodeAddedCursor } from '../threat/added-store.js';
import type { Closure } from '../threat/closure.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { RESTRICTED } from '../threat/threat-request.js';
import { narrowViews, packPage, viewsOf, type Companion } from './taxii-companions.js';
import { TaxiiError } from './taxii-http.js';
import { MAX_LIMIT, type TaxiiParams } from './taxii-params.js';


/** Rows read from the store per batch while filling a page (one policy call each): a full page and the one after it. */
const BATCH = MAX_LIMIT + 1;

export interface TaxiiItem { row: ThreatRow; addedAt: string }
export interface TaxiiPage {
  items: TaxiiItem[];
  /** What the items refer to and the alerts' standard objects (taxii-companions.ts); empty unless asked for. */
  companions: Companion[];
  more: boolean;
  next: string | null;
}

/** What objects refer to that the viewer may see (ThreatService.closure). */
export type ClosureOf = (viewer: Viewer, objects: readonly StixObject[]) => Promise<Closure>;

export class TaxiiReader {
  constructor(private readonly store: AddedStore, private readonly gate: EgressGate, private readonly audit: AuditLog, private readonly closure: ClosureOf) {}

  /**
   * Up to `limit` versions the viewer may see, redacted for them, in added order after `next`. Rows the viewer may not
   * see are skipped (never counted, never hinted at); an older version is shown only while the object as it now is
   * stays visible to the viewer. With `companions`, the page also carries what its objects need to be imported whole,
   * within the same `limit` (taxii-companions.ts).
   */
  async page(principal: HttpPrincipal, params: TaxiiParams, companions = false): Promise<TaxiiPage> {
    if (params.none) return { items: [], companions: [], more: false, next: null };
    const found: (TaxiiItem & { cursor: AddedCursor })[] = [];
    let cursor = params.next;
    const batch = Math.min(BATCH, params.limit + 1);
    for (;;) {
      const rows = await this.store.page(params.query, cursor, batch);
      const judged = rows.flatMap((r) => (r.latest ? [r.row, r.latest] : [r.row]));
      const released = await this.gate.releaseEach(principal.viewer, judged, { reasons: false });
      let k = 0;
      for (const r of rows) {
        const version = released[k++];
        const now = r.latest ? released[k++] : version;
        cursor = { addedAt: r.addedAt, id: r.row.id, modified: r.row.modified };
        if (version?.visible && now?.visible) found.push({ row: version.row, addedAt: r.addedAt, cursor });
        if (found.length > params.limit) break;
      }
      if (found.length > params.limit || rows.length < batch) break;
    }
    let kept = Math.min(found.length, params.limit);
    let added: Companion[] = [];
    if (companions && kept > 0) {
      const candidates = found.slice(0, kept);
      const objects = candidates.map((c) => c.row.stix);
      const views = viewsOf(objects);
      const closure = await this.closure(principal.viewer, [...objects, ...[...views.values()].flat()]);
      ({ kept, companions: added } = packPage(candidates, closure, views, params.limit, params.match));
      if (kept < candidates.length) added = narrowViews(added, objects.slice(0, kept));
    }
    const more = found.length > kept;
    const items = found.slice(0, kept);
    const last = items.at(-1);
    return { items: items.map(({ row, addedAt }) => ({ row, addedAt })), companions: added, more, next: more && last ? encodeAddedCursor(last.cursor) : null };
  }

  /**
   * Records that the rows were handed out (consultation by a user, disclosure to a partner), after checking the purpose
   * that restricted rows need. Nothing is recorded for an empty response.
   */
  async handedOut(principal: HttpPrincipal, rows: readonly ThreatRow[], statedPurpose: string | null, details: Record<string, unknown>): Promise<void> {
    const purpose = principal.purpose ?? (statedPurpose?.trim() || null);
    if (!purpose && rows.some((r) => RESTRICTED.has(r.tlp))) {
      throw new TaxiiError(403, 'Purpose required', 'this response holds restricted data (TLP:AMBER or stricter, or unmarked): state the purpose ' +
        `of this consultation (LED Art. 25) in the X-Popart-Purpose header (or the purpose URL parameter)`, { header: 'X-Popart-Purpose' });
    }
    if (rows.length === 0) return;
    const viewer = principal.viewer;
    await this.audit.record({
      actor: actorOf(viewer), action: principal.partner ? 'disclosure' : 'consultation', objectIds: [...new Set(rows.map((r) => r.id))], purpose,
      ...(principal.partner ? { recipients: [principal.partner] } : {}),
      policyRevision: this.gate.revision, details: { channel: 'taxii', auth: principal.method, ...details },
    });
  }
}
