/**
 * The ThreatExchange contract: agencies register their STIX identity, publish STIX bundles, record
 * sightings and revoke what they published; everyone reads.
 *
 * Deterministic: the only clock is the transaction timestamp, there is no randomness and no I/O
 * besides the world state, and every write goes through `marshal` (canonical JSON). The public
 * methods are exactly the transactions; all logic lives in module functions. Every transaction takes
 * and returns strings (JSON documents), so it is called the same way on a peer and in the embedded
 * ledger. Errors are `ContractError`s, whose message carries code and details (see errors.ts).
 */
import { Contract, Info, Returns, Transaction, TxContext } from './fabric.js';
import { canonicalJson } from '@popart/schemas';
import { getHistory, getSightings, queryObjects, readObject } from './queries.js';
import { publishBundle, recordSighting, revokeObject } from './publish.js';
import { agencyById, listAgencies, registerAgency } from './registry.js';
import { anchorAuditLog, listAuditAnchors } from './audit-anchors.js';
import { ContractError } from './errors.js';
import { publishBundleWithPrivate, storePrivateObjects, withPrivateContent } from './private-data.js';

export const CONTRACT_NAME = 'ThreatExchange';

@Info({ title: 'ThreatExchange', description: 'POP-ART threat exchange: STIX 2.1 objects shared between agencies' })
export class ThreatExchangeContract extends Contract {
  constructor() {
    super(CONTRACT_NAME);
  }

  /** Registers (or updates) the caller organisation's STIX identity. Returns a RegistrationReceipt. */
  @Transaction()
  @Returns('string')
  async RegisterAgency(ctx: TxContext, identityJson: string): Promise<string> {
    return canonicalJson(await registerAgency(ctx, identityJson));
  }

  /** Every registered agency (AgencyEntry[]), ordered by MSP id. */
  @Transaction(false)
  @Returns('string')
  async ListAgencies(ctx: TxContext): Promise<string> {
    return canonicalJson(await listAgencies(ctx.stub));
  }

  /** The AgencyEntry of a registered identity id. */
  @Transaction(false)
  @Returns('string')
  async GetAgency(ctx: TxContext, identityId: string): Promise<string> {
    const entry = await agencyById(ctx.stub, identityId);
    if (!entry) throw new ContractError('NOT_FOUND', `${identityId} is not a registered agency identity`, { objectId: identityId, property: 'id' });
    return canonicalJson(entry);
  }

  /** Publishes a STIX 2.1 bundle, all objects or none. Returns a Receipt. */
  @Transaction()
  @Returns('string')
  async PublishBundle(ctx: TxContext, bundleJson: string): Promise<string> {
    return canonicalJson(await publishBundle(ctx, bundleJson));
  }

  /**
   * Private data, step 1: the private objects (TLP:RED, AMBER+STRICT, AMBER) as transient data "bundle", written
   * into private data collections only. Returns { txId, objects, entries } (see private-data.ts).
   */
  @Transaction()
  @Returns('string')
  async StorePrivateObjects(ctx: TxContext): Promise<string> {
    return canonicalJson(await storePrivateObjects(ctx));
  }

  /**
   * Private data, step 2: public objects ('' for none) and the entries StorePrivateObjects returned (JSON array),
   * checked against the hashes on the channel, recorded without content and announced. Returns a Receipt.
   */
  @Transaction()
  @Returns('string')
  async PublishBundleWithPrivate(ctx: TxContext, bundleJson: string, privateJson: string): Promise<string> {
    return canonicalJson(await publishBundleWithPrivate(ctx, bundleJson, privateJson));
  }

  /** Records the caller's sighting of an object on the ledger. Returns a Receipt. */
  @Transaction()
  @Returns('string')
  async RecordSighting(ctx: TxContext, sightingJson: string): Promise<string> {
    return canonicalJson(await recordSighting(ctx, sightingJson));
  }

  /** Revokes an object the caller published. Returns a Receipt. */
  @Transaction()
  @Returns('string')
  async RevokeObject(ctx: TxContext, id: string): Promise<string> {
    return canonicalJson(await revokeObject(ctx, id));
  }

  /**
   * The ObjectRecord of the latest version, or of the version with that modified. On a peer both
   * arguments are always sent: pass '' for the latest. For private data, the content from the caller's own
   * collection (NOT_AVAILABLE when its organisation holds none).
   */
  @Transaction(false)
  @Returns('string')
  async ReadObject(ctx: TxContext, id: string, modified?: string): Promise<string> {
    return canonicalJson(await withPrivateContent(ctx, await readObject(ctx.stub, id, modified)));
  }

  /** Every version (ObjectRecord[]) of an object, oldest first. */
  @Transaction(false)
  @Returns('string')
  async GetHistory(ctx: TxContext, id: string): Promise<string> {
    return canonicalJson(await getHistory(ctx.stub, id));
  }

  /** Latest versions (ObjectRecord[]) of the sightings of an object. */
  @Transaction(false)
  @Returns('string')
  async GetSightings(ctx: TxContext, id: string): Promise<string> {
    return canonicalJson(await getSightings(ctx.stub, id));
  }

  /** A page of latest versions: query { type?, from?, to?, bbox?, limit?, bookmark? } → ObjectPage. */
  @Transaction(false)
  @Returns('string')
  async QueryObjects(ctx: TxContext, queryJson: string): Promise<string> {
    return canonicalJson(await queryObjects(ctx.stub, queryJson));
  }

  /** Anchors a segment of the caller's audit log: { agency_msp, from_seq, to_seq, head_hash } → AuditAnchor. */
  @Transaction()
  @Returns('string')
  async AnchorAuditLog(ctx: TxContext, anchorJson: string): Promise<string> {
    return canonicalJson(await anchorAuditLog(ctx, anchorJson));
  }

  /** Every audit log anchor (AuditAnchor[]) of an organisation, in sequence order. */
  @Transaction(false)
  @Returns('string')
  async ListAuditAnchors(ctx: TxContext, mspId: string): Promise<string> {
    return canonicalJson(await listAuditAnchors(ctx.stub, mspId));
  }
}
