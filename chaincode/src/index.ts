/**
 * @popart/chaincode: the ThreatExchange contract, the simulated transaction context it runs in
 * outside a peer, and the error format shared with the node.
 */
import { ThreatExchangeContract } from './threat-exchange-contract.js';

export { ThreatExchangeContract, CONTRACT_NAME } from './threat-exchange-contract.js';
/** What fabric-chaincode-node looks for in the chaincode's main module. */
export const contracts = [ThreatExchangeContract];

export * from './tx-context.js';
export {
  ContractError, parseContractError, formatContractError, CONTRACT_ERROR_CODES,
  type ContractErrorCode, type ParsedContractError, type ObjectFault,
} from './errors.js';
export {
  OBJECTS_EVENT, marshal,
  type ObjectRecord, type IndexEntry, type Receipt, type ReceiptObject, type ObjectStatus,
  type ObjectAnnouncement, type ObjectsEventPayload,
} from './records.js';
export type { AgencyEntry, RegistrationReceipt } from './registry.js';
export type { AuditAnchor, AuditAnchorInput } from './audit-anchors.js';
export { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type ObjectQuery, type ObjectPage, type BBox } from './queries.js';
export type { TxContext, TxStub } from './fabric.js';
export { isPrivateObject, PRIVATE_TLPS } from './private-marking.js';
export { PRIVATE_BUNDLE_FIELD, type PrivateEntry, type PrivateStoreReceipt } from './private-data.js';
export { timestampKey } from './keys.js';
