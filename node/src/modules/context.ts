/** What every resolver gets: the signed-in user (if any) and the node's services. */
import type { Sessions } from '../auth/sessions.js';
import type { HttpAuthenticator } from '../server/http-auth.js';
import type { LedgerListener } from './threat/listener.js';
import type { Viewer } from '../identity.js';
import type { AgencyDirectory } from './agency/agency-directory.js';
import type { CorrelationService, CorrelationSource } from './correlation/correlation-service.js';
import type { VenueService } from './venue/venue-service.js';
import type { AuditService } from './audit/audit-service.js';
import type { DetectionService } from './detection/detection-service.js';
import type { ExerciseService } from './exercise/exercise-service.js';
import type { PublishService } from './publish/publish-service.js';
import type { ThreatService } from './threat/threat-service.js';

export interface Services {
  sessions: Sessions;
  /** Authentication of the HTTP interfaces beside GraphQL (TAXII, feeds): Basic, bearer tokens, partner API keys. */
  httpAuth: HttpAuthenticator;
  threats: ThreatService;
  /** Links between objects across agencies, as each user may see them. */
  correlations: CorrelationService<CorrelationSource>;
  /** Venues and their risk picture, as each user may see them. */
  venues: VenueService;
  publisher: PublishService;
  agencies: AgencyDirectory;
  ledgerKind: 'embedded' | 'fabric';
  /** The agency's audit log (LED Art. 25). */
  audit: AuditService;
  /** The detection sources the node runs (config section detection). */
  detection: DetectionService;
  /** Exercises (training): their reports and removal. */
  exercises: ExerciseService;
  /** The ledger listener: replication lag and the quarantine. */
  replication: Pick<LedgerListener, 'status' | 'quarantined' | 'retryQuarantined'>;
}

export interface RequestContext {
  viewer: Viewer | undefined;
  services: Services;
  /** How the request came: over HTTP, or over a WebSocket connection (login is refused there). */
  transport?: 'http' | 'ws';
  /** The client's address (login attempts are counted per address). */
  clientAddress?: string;
  /** The bearer token the request came with (logout revokes it). */
  token?: string;
  /**
   * The HTTP exchange the operation came in (the same object in every copy Apollo makes of the context): what a query
   * worker answered is kept for it (server/http-server.ts).
   */
  exchange?: object;
}
