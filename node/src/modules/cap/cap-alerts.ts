/**
 * Alerts as CAP 1.2 messages for one reader: every alert passes the egress gate as that reader (redactions applied
 * before the message is written), and what is handed out is an audited disclosure (LED Art. 25). Restricted alerts
 * (TLP:AMBER or stricter, or unmarked) are handed out only under a stated purpose.
 */
import type { StixObject } from '@popart/schemas';
import { actorOf, type AuditLog } from '../audit/index.js';
import { InputError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import type { ThreatStore } from '../threat/threat-store.js';
import { RESTRICTED } from '../threat/threat-request.js';
import { capMessage, type CapMessage } from './cap-message.js';

export interface CapOptions {
  /** This node runs exercises: every message is an Exercise (config cap.exercise). */
  exercise: boolean;
  /** Language of the alerts' text (config cap.language). */
  language: string;
}

/** The largest feed page. */
export const MAX_FEED_ENTRIES = 500;

export class CapAlerts {
  constructor(
    private readonly store: ThreatStore,
    private readonly gate: EgressGate,
    private readonly directory: AgencyDirectory,
    private readonly audit: AuditLog,
    private readonly options: CapOptions,
  ) {}

  /** The message of an alert row already released to its reader (its stix redacted for them). */
  async messageOf(row: ThreatRow, web?: (id: string) => string): Promise<CapMessage> {
    const agency = await this.directory.byMspId(row.publisherMsp);
    const versions = (await this.store.versions(row.id)).map((v) => v.modified);
    return capMessage(row.stix as StixObject, {
      sender: agency?.identityId ?? row.createdByRef ?? row.publisherMsp,
      senderName: agency?.name ?? row.publisherMsp,
      exercise: this.options.exercise,
      language: this.options.language,
      versions,
      ...(web ? { web: web(row.id) } : {}),
    });
  }

  /**
   * The newest alerts (cancelled ones included) this reader may see, at most `limit`, released and redacted for them;
   * refused with PURPOSE_REQUIRED (naming `purpose`) when restricted alerts are among them and no purpose is given.
   */
  async latest(viewer: Viewer, limit: number, purpose: string | null, resource: string, recipient = viewer.username): Promise<ThreatRow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FEED_ENTRIES) {
      throw new InputError('INVALID_ARGUMENT', `limit: must be an integer from 1 to ${MAX_FEED_ENTRIES}`, {
        issues: [{ objectIndex: null, objectId: null, property: 'limit', message: `must be an integer from 1 to ${MAX_FEED_ENTRIES}` }],
      });
    }
    const out: ThreatRow[] = [];
    let cursor: { modified: string; id: string } | null = null;
    for (;;) {
      // An exercise's alerts only when the reader asked for that exercise (?exercise=): never among real ones.
      const rows = await this.store.search({ alertsOnly: true, includeRevoked: true, ...(viewer.exercise ? { exercise: viewer.exercise } : {}) }, cursor, Math.min(200, limit + 1));
      for (const r of await this.gate.releaseAll(viewer, rows)) if (out.length < limit) out.push(r);
      const last = rows.at(-1);
      if (out.length >= limit || !last || rows.length < Math.min(200, limit + 1)) break;
      cursor = { modified: last.modified, id: last.id };
    }
    await this.disclosed(viewer, out, purpose, resource, recipient);
    return out;
  }

  /** One alert for this reader, or null when it does not exist, is not an alert, or is not visible to them. */
  async one(viewer: Viewer, id: string, purpose: string | null, resource: string, recipient = viewer.username): Promise<ThreatRow | null> {
    const row = await this.store.get(id);
    if (!row || row.category === null) return null;
    const released = await this.gate.release(viewer, row);
    if (!released.visible) return null;
    await this.disclosed(viewer, [released.row], purpose, resource, recipient);
    return released.row;
  }

  /** Refuses restricted rows without a purpose, and writes the disclosure of the rows to the audit log. */
  async disclosed(viewer: Viewer, rows: readonly ThreatRow[], purpose: string | null, resource: string, recipient = viewer.username, details: Record<string, unknown> = {}): Promise<void> {
    const why = purpose?.trim() || null;
    if (!why && rows.some((r) => RESTRICTED.has(r.tlp))) {
      throw new InputError('PURPOSE_REQUIRED', `purpose: ${resource} returns restricted (TLP:AMBER or stricter) alerts: state the purpose of this consultation`, {
        issues: [{ objectIndex: null, objectId: null, property: 'purpose', message: 'required when restricted data is returned' }],
      });
    }
    if (rows.length === 0) return;
    await this.audit.record({
      actor: actorOf(viewer), action: 'disclosure', objectIds: rows.map((r) => r.id), purpose: why, recipients: [recipient],
      policyRevision: this.gate.revision, details: { resource, ...details },
    });
  }
}
