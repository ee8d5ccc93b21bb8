/**
 * The one place where node errors become GraphQL errors: the code goes in extensions.code and the
 * offending objects/properties in extensions.issues. Unexpected errors are logged, not shown.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { NodeError } from '../errors.js';
import type { Logger } from '../log.js';

/** Codes of the request limits (server/request-limits.ts) that keep their own extensions through Apollo's validation wrapper. */
const LIMIT_CODES = new Set(['QUERY_TOO_COMPLEX']);

export function makeFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const cause = error instanceof GraphQLError ? error.originalError : undefined;
    if (cause instanceof GraphQLError && LIMIT_CODES.has(String(cause.extensions.code))) {
      return { message: cause.message, ...(formatted.locations ? { locations: formatted.locations } : {}), extensions: { ...cause.extensions } };
    }
    const tokens = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens/.exec(formatted.message);
    if (tokens) {
      return { message: `the document is too large: more than ${tokens[1]} tokens (pass large values as variables)`, extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: Number(tokens[1]) } };
    }
    const original = unwrapResolverError(error);
    if (original instanceof NodeError) {
      if (original.code === 'INTERNAL') {
        log.error('internal error', { error: original.message });
        return { message: 'internal error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
      return {
        message: original.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: original.code, ...(original.issues.length ? { issues: original.issues } : {}), ...original.extensions },
      };
    }
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      log.error('unexpected error', { error: (original as Error)?.message ?? String(original) });
      return { message: 'internal error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    return formatted;
  };
}
