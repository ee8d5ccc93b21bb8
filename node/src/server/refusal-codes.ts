/**
 * Codes of requests refused for what the user sent; each costs the load budget's `refusal` (a flood of invalid
 * bundles or wrong passwords runs dry quickly). Not: conflicts and missing objects, which ordinary work runs into, nor
 * the node's own failures.
 */
const REFUSAL_CODES = new Set([
  'MALFORMED_JSON', 'INVALID_BUNDLE', 'INVALID_ARGUMENT', 'SPOOFED_CREATOR', 'REGISTERED_IDENTITY', 'UNKNOWN_AGENCY', 'UNAUTHENTICATED',
  'LOGIN_RATE_LIMITED', 'LOGIN_OVER_HTTP_ONLY', 'BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED',
]);

export function isRefusalCode(code: string): boolean {
  return REFUSAL_CODES.has(code);
}
