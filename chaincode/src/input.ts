/** Turning transaction arguments into values, with errors that say which argument and why. */
import { CONTENT_LIMITS, type StixIssue } from '@popart/schemas';
import { ContractError } from './errors.js';

/** JSON.parse, or MALFORMED_JSON naming the argument. */
export function parseJson(text: string, argument: string): unknown {
  if (text.length > CONTENT_LIMITS.maxRequestBytes) {
    throw new ContractError('INVALID_ARGUMENT', `${argument} is ${text.length} characters long; the limit is ${CONTENT_LIMITS.maxRequestBytes}`, {
      objectId: null, property: argument, message: `longer than ${CONTENT_LIMITS.maxRequestBytes} characters`,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ContractError('MALFORMED_JSON', `${argument} is not valid JSON: ${reason}`, {
      objectId: null, property: argument, message: reason,
    }, { cause: err });
  }
}

/** INVALID_BUNDLE carrying every issue (details: the StixIssue list). */
export function validationError(what: string, issues: readonly StixIssue[]): ContractError {
  const first = issues[0];
  const summary = first ? `: ${first.objectId ?? (first.objectIndex === null ? '' : `objects[${first.objectIndex}]`)} ${first.property} ${first.message}` : '';
  return new ContractError('INVALID_BUNDLE', `${what} is not valid STIX 2.1 (${issues.length} issue${issues.length === 1 ? '' : 's'})${summary}`, [...issues]);
}

/** A JSON object argument (not an array, not a primitive), or INVALID_ARGUMENT. */
export function asRecord(value: unknown, argument: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ContractError('INVALID_ARGUMENT', `${argument} must be a JSON object`, { objectId: null, property: argument });
  }
  return value as Record<string, unknown>;
}
