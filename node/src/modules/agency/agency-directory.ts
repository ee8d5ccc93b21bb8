/**
 * The agencies of the network, as registered on the ledger: each agency's STIX identity and the
 * ledger organisation (MSP) behind it. Read from the ledger's registry and cached; refreshed when an
 * unknown organisation shows up.
 */
import type { AgencyEntry, ObjectRecord } from '@popart/chaincode';
import type { StixObject } from '@popart/schemas';
import type { Ledger } from '../../ledger/ledger.js';
import type { AgencySubject, AuthorityLevel } from '../../identity.js';

export interface Agency extends AgencySubject {
  name: string;
  country: string | null;
  identity: StixObject;
}

const levels = new Set(['national', 'partner', 'regional', 'local']);

export function agencyFromIdentity(identity: StixObject, mspId: string): Agency {
  const level = identity.x_popart_authority_level;
  return {
    key: typeof identity.x_popart_agency_key === 'string' ? identity.x_popart_agency_key : mspId.replace(/MSP$/, '').toLowerCase(),
    mspId,
    identityId: identity.id,
    level: typeof level === 'string' && levels.has(level) ? (level as AuthorityLevel) : 'local',
    name: typeof identity.name === 'string' ? identity.name : mspId,
    country: typeof identity.x_popart_country === 'string' ? identity.x_popart_country : null,
    identity,
  };
}

export class AgencyDirectory {
  private byMsp = new Map<string, Agency>();
  private byKey = new Map<string, Agency>();
  private byIdentity = new Map<string, Agency>();
  /** The registry transaction each agency was read at: a new one (a new version of the identity) is read again. */
  private readAt = new Map<string, string>();
  private changes = 0;

  /** The ledger's registry (a query worker reads it through the node's thread: server/query-worker.ts). */
  constructor(private readonly ledger: Pick<Ledger, 'evaluate'>) {}

  async refresh(): Promise<void> {
    const entries = JSON.parse(await this.ledger.evaluate('ListAgencies', [])) as AgencyEntry[];
    const agencies: Agency[] = [];
    for (const entry of entries) {
      const known = this.byMsp.get(entry.msp_id);
      if (known && known.identityId === entry.identity_id && this.readAt.get(entry.msp_id) === entry.tx_id) {
        agencies.push(known);
        continue;
      }
      const record = JSON.parse(await this.ledger.evaluate('ReadObject', [entry.identity_id, ''])) as ObjectRecord;
      agencies.push(agencyFromIdentity(record.object, entry.msp_id));
      this.readAt.set(entry.msp_id, entry.tx_id);
      this.changes++;
    }
    if (agencies.length !== this.byMsp.size) this.changes++;
    this.byMsp = new Map(agencies.map((a) => [a.mspId, a]));
    this.byKey = new Map(agencies.map((a) => [a.key, a]));
    this.byIdentity = new Map(agencies.map((a) => [a.identityId, a]));
  }

  /** Grows each time a refresh finds the registry changed: a copy of the directory elsewhere (a query worker) compares it with its own. */
  get revision(): number {
    return this.changes;
  }

  all(): Agency[] {
    return [...this.byMsp.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Agency key of an organisation known to the registry (the MSP id itself when unknown). */
  keyOf(mspId: string): string {
    return this.byMsp.get(mspId)?.key ?? mspId;
  }

  /** Like keyOf, refreshing the registry first when the organisation is not known yet. */
  async keyOfFresh(mspId: string): Promise<string> {
    return (await this.byMspId(mspId))?.key ?? mspId;
  }

  async byMspId(mspId: string): Promise<Agency | undefined> {
    if (!this.byMsp.has(mspId)) await this.refresh();
    return this.byMsp.get(mspId);
  }

  /**
   * Like byMspId, for a GraphQL field: a known organisation's agency at once, not a promise. A page of fifty objects
   * would otherwise make graphql-js wait on fifty promises, one for each object's fields.
   */
  forField(mspId: string): Agency | Promise<Agency | undefined> {
    return this.byMsp.get(mspId) ?? this.byMspId(mspId);
  }

  byAgencyKey(key: string): Agency | undefined {
    return this.byKey.get(key);
  }

  byIdentityId(id: string): Agency | undefined {
    return this.byIdentity.get(id);
  }
}
