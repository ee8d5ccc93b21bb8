/**
 * What a TAXII caller gets: pages of the read model in added order, each object passed through the egress gate as the
 * caller (the same gate, policy and redactions as GraphQL), and every response that hands out objects written to the
 * audit log (LED Art. 25): a consultation by a user of the node, a disclosure to a partner's API key.
 *
 * Restricted data (TLP:AMBER or stricter, or unmarked) goes out only with a purpose: an API key's configured purpose,
 * or for a user the `X-Popart-Purpose` header (or `purpose` URL parameter); without one the request is refused (403)
 * and nothing is handed out, as GraphQL refuses with PURPOSE_REQUIRED.
 */
import { actorOf, type AuditLog } from '../audit/index.js';
import type { HttpPrincipal } from '../../server/http-auth.js';
import type { AddedCursor, AddedStore } from '../threat/added-store.js';
import { encodeAddedCursor } from '../threat/added-store.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { RESTRICTED } from '../threat/threat-service.js';
import { TaxiiError } from './taxii-http.js';
import { MAX_LIMIT, type TaxiiParams } from './taxii-params.js';


/** Rows read from the store per batch while filling a page (one policy call each): a full page and the one after it. */
const BATCH = MAX_LIMIT + 1;

export interface TaxiiItem { row: ThreatRow; addedAt: string }
export interface TaxiiPage { items: TaxiiItem[]; more: boolean; next: string | null }

export class TaxiiReader {
  constructor(private readonly store: AddedStore, private readonly gate: EgressGate, private readonly audit: AuditLog) {}

  /**
   * Up to `limit` versions the viewer may see, redacted for them, in added order after `next`. Rows the viewer may not
   * see are skipped (never counted, never hinted at); an older version is shown only while the object as it now is
   * stays visible to the viewer.
   */
  async page(principal: HttpPrincipal, params: TaxiiParams): Promise<TaxiiPage> {
    if (params.none) return { items: [], more: false, next: null };
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
    const more = found.length > params.limit;
    const items = found.slice(0, params.limit);
    const last = items.at(-1);
    return { items: items.map(({ row, addedAt }) => ({ row, addedAt })), more, next: more && last ? encodeAddedCursor(last.cursor) : null };
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
