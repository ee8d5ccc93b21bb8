/**
 * The services the query resolvers use (threats, correlations, venues), wired from their parts in one place: the node
 * builds them on its thread (AgencyNode.start) and each query worker builds the same ones on its own thread
 * (server/query-worker.ts), where the parts that hold the node's state — the audit log's hash chain, the correlator's
 * progress, the ledger's registry and the live rows of committed blocks — are reached through the node's thread.
 */
import type { AuditLog } from './audit/index.js';
import type { AgencyDirectory } from './agency/agency-directory.js';
import { CorrelationService, type CorrelationSource } from './correlation/correlation-service.js';
import type { LedgerListener } from './threat/listener.js';
import type { EgressGate } from './threat/egress.js';
import { ThreatService } from './threat/threat-service.js';
import type { ThreatStore } from './threat/threat-store.js';
import { VenueService } from './venue/venue-service.js';
import { VenueStore } from './venue/venue-store.js';
import type { Database } from '../read-model/database.js';

export interface ReadParts<C extends CorrelationSource> {
  db: Database;
  store: ThreatStore;
  gate: EgressGate;
  directory: AgencyDirectory;
  /** Rows of committed blocks, for the live paths (subscriptions). */
  live: Pick<LedgerListener, 'onRows'>;
  /** Where consultations and disclosures are recorded (LED Art. 25), before anything is released. */
  audit: Pick<AuditLog, 'record'>;
  correlator: C;
}

export interface ReadServices<C extends CorrelationSource> {
  threats: ThreatService;
  correlations: CorrelationService<C>;
  venues: VenueService;
}

export function readServices<C extends CorrelationSource>(p: ReadParts<C>): ReadServices<C> {
  const correlations: CorrelationService<C> = new CorrelationService(p.correlator, p.store, p.gate, () => threats);
  const threats = new ThreatService(p.store, p.gate, p.directory, p.live, p.audit, (viewer, rows) => correlations.linkedIds(viewer, rows));
  const venues = new VenueService(new VenueStore(p.db), p.store, p.gate, p.directory, correlations, () => threats);
  return { threats, correlations, venues };
}
