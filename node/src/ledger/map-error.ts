/** Maps errors from a ledger (contract errors, endorsement, availability) to the node's errors, once. */
import { parseContractError } from '@popart/chaincode';
import { InputError, LedgerUnavailable, NodeError, type InputIssue, type NodeErrorCode } from '../errors.js';

const contractCodes = new Set<NodeErrorCode>([
  'MALFORMED_JSON', 'INVALID_BUNDLE', 'UNKNOWN_AGENCY', 'SPOOFED_CREATOR', 'STALE_VERSION',
  'VERSION_CONFLICT', 'NOT_CREATOR', 'NOT_FOUND', 'INVALID_ARGUMENT', 'REGISTERED_IDENTITY',
]);

function issuesFromDetails(details: unknown): InputIssue[] {
  if (Array.isArray(details)) return details.filter(isIssue);
  if (details && typeof details === 'object') {
    const d = details as Record<string, unknown>;
    if (Array.isArray(d.issues)) return d.issues.filter(isIssue);
    if (typeof d.property === 'string' || typeof d.objectId === 'string') {
      return [{
        objectIndex: typeof d.objectIndex === 'number' ? d.objectIndex : null,
        objectId: typeof d.objectId === 'string' ? d.objectId : null,
        property: typeof d.property === 'string' ? d.property : '',
        message: typeof d.message === 'string' ? d.message : '',
      }];
    }
  }
  return [];
}

function isIssue(v: unknown): v is InputIssue {
  return !!v && typeof v === 'object' && typeof (v as InputIssue).property === 'string' && typeof (v as InputIssue).message === 'string';
}

export function mapLedgerError(err: unknown): NodeError {
  if (err instanceof NodeError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const parsed = parseContractError(e.message);
  if (parsed && contractCodes.has(parsed.code as NodeErrorCode)) {
    const issues = issuesFromDetails(parsed.details);
    return new InputError(parsed.code as NodeErrorCode, parsed.message, { issues, cause: e });
  }
  if (e.name === 'LedgerUnavailableError') return new LedgerUnavailable(e.message, e);
  if (e.name === 'EndorsementError') return new NodeError('FORBIDDEN', `the ledger refused the transaction: ${e.message}`, { cause: e });
  return new NodeError('INTERNAL', `ledger error: ${e.message}`, { cause: e });
}
