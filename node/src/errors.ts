/**
 * The node's errors. One base class; every error a user can cause names what was wrong.
 * GraphQL error codes are assigned once, in the server's formatError (server/format-error.ts).
 */
import type { StixIssue } from '@popart/schemas';

/** What was wrong with an input: the object (index, id) and the property path, and why (same shape as schemas' StixIssue). */
export type InputIssue = StixIssue;

export type NodeErrorCode =
  | 'MALFORMED_JSON'
  | 'INVALID_BUNDLE'
  | 'UNKNOWN_AGENCY'
  | 'SPOOFED_CREATOR'
  | 'STALE_VERSION'
  | 'VERSION_CONFLICT'
  | 'NOT_CREATOR'
  | 'REGISTERED_IDENTITY'
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'PURPOSE_REQUIRED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'LOGIN_RATE_LIMITED'
  | 'LOGIN_OVER_HTTP_ONLY'
  | 'LEDGER_UNAVAILABLE'
  | 'CONFIG_INVALID'
  | 'KEYSTORE'
  | 'KEYS_UNAVAILABLE'
  | 'INTERNAL';

export class NodeError extends Error {
  override name = 'NodeError';
  readonly code: NodeErrorCode;
  readonly issues: InputIssue[];
  /** Further facts for the client, shown in the GraphQL error's extensions (e.g. retryAfterSeconds). */
  readonly extensions: Record<string, string | number | boolean>;
  constructor(code: NodeErrorCode, message: string, options: { issues?: InputIssue[]; cause?: unknown; extensions?: Record<string, string | number | boolean> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
    this.extensions = options.extensions ?? {};
  }
}

/** A user's input was refused (bad bundle, spoofing, stale version...). Nothing was stored. */
export class InputError extends NodeError {
  override name = 'InputError';
}

export class AuthError extends NodeError {
  override name = 'AuthError';
}

export class ConfigError extends NodeError {
  override name = 'ConfigError';
  constructor(message: string, issues: InputIssue[] = []) {
    super('CONFIG_INVALID', message, { issues });
  }
}

/** The ledger could not be reached; the caller may retry (the outbox does). */
export class LedgerUnavailable extends NodeError {
  override name = 'LedgerUnavailable';
  constructor(message: string, cause?: unknown, code: NodeErrorCode = 'LEDGER_UNAVAILABLE') {
    super(code, message, { cause });
  }
}

/**
 * The key service (vault) cannot sign right now: unreachable, sealed, or refusing the node's token. A
 * transaction that cannot be signed cannot reach the ledger, so publishing waits in the outbox as for an
 * unreachable ledger; reads keep working.
 */
export class KeysUnavailable extends LedgerUnavailable {
  override name = 'KeysUnavailable';
  constructor(message: string, cause?: unknown) {
    super(message, cause, 'KEYS_UNAVAILABLE');
  }
}
