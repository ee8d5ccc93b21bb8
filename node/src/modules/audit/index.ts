/**
 * The node's audit log (LED Art. 25) assembled: the hash-chained log in the read model's database and
 * its anchorer on the ledger. `startAudit` is what AgencyNode.start calls; `stop` before the ledger
 * and the database close.
 */
import type { Ledger } from '../../ledger/ledger.js';
import type { Logger } from '../../log.js';
import type { AgencySubject } from '../../identity.js';
import type { Database } from '../../read-model/database.js';
import { AuditAnchorer, LedgerAuditAnchors } from './audit-anchorer.js';
import { AuditLog } from './audit-log.js';

export { AUDIT_ACTIONS, GENESIS_HASH, actorOf, entryHash, type AuditAction, type AuditActor, type AuditEntry, type AuditHead, type AuditRecord } from './audit-entry.js';
export { AuditLog, decodeAuditCursor, encodeAuditCursor, type AnchorSource, type AuditFilter, type AuditLogOptions, type AuditPage, type AuditVerification } from './audit-log.js';
export { AuditAnchorer, LedgerAuditAnchors, type AnchorLedger, type AuditAnchorerOptions } from './audit-anchorer.js';

export interface AuditOptions {
  /** Anchor once this many entries are unanchored (default 100). */
  anchorEveryEntries?: number;
  /** Anchor whatever is unanchored this often, in ms (default 30 000); also the retry period. */
  anchorIntervalMs?: number;
  /** Anchor right after a disclosure to another agency (default true). */
  anchorOnDisclosure?: boolean;
}

export interface Audit {
  log: AuditLog;
  anchorer: AuditAnchorer;
  /** Stops the anchorer after a last best-effort anchor; call before closing the ledger and the database. */
  stop(): Promise<void>;
}

/** Opens the audit log of `agency` on `db` (migrated) and starts anchoring it on `ledger`. */
export function startAudit(deps: { db: Database; ledger: Ledger; agency: AgencySubject; log: Logger }, opts: AuditOptions = {}): Audit {
  const anchors = new LedgerAuditAnchors(deps.ledger, deps.agency.mspId);
  const log = new AuditLog(deps.db, { anchors });
  const anchorer = new AuditAnchorer(log, anchors, {
    mspId: deps.agency.mspId,
    agencyKey: deps.agency.key,
    log: deps.log,
    ...(opts.anchorEveryEntries === undefined ? {} : { everyEntries: opts.anchorEveryEntries }),
    ...(opts.anchorIntervalMs === undefined ? {} : { intervalMs: opts.anchorIntervalMs }),
    ...(opts.anchorOnDisclosure === undefined ? {} : { anchorOnDisclosure: opts.anchorOnDisclosure }),
  });
  anchorer.start();
  return {
    log,
    anchorer,
    async stop() {
      await anchorer.stop();
      await log.flush();
    },
  };
}
