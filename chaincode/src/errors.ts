/**
 * The contract's one error type.
 *
 * Only the message string of an error crosses Fabric's boundary (the peer returns it to the client
 * inside its own text), so the message carries everything in a machine-parseable form:
 *
 *   [POPART:<CODE>] <human text> | <canonical JSON details>
 *
 * `parseContractError` finds that form anywhere in a string (a gateway wraps it as e.g.
 * "10 ABORTED: ... chaincode response 500, [POPART:...] ...") and gives back code, text and details.
 */
import { canonicalJson } from '@popart/schemas';

export const CONTRACT_ERROR_CODES = [
  'MALFORMED_JSON',
  'INVALID_BUNDLE',
  'UNKNOWN_AGENCY',
  'SPOOFED_CREATOR',
  'STALE_VERSION',
  'VERSION_CONFLICT',
  'NOT_CREATOR',
  'NOT_FOUND',
  'INVALID_ARGUMENT',
  /** Private data whose content the caller's organisation does not hold (details: objectId, publisher_msp, hash). */
  'NOT_AVAILABLE',
  /** A bundle carrying another version of the caller's registered agency identity (details: objectId, property, msp_id): RegisterAgency changes it. */
  'REGISTERED_IDENTITY',
] as const;

export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];

/** Details naming the object and property at fault (the common case besides issue lists). */
export interface ObjectFault {
  objectId: string | null;
  property: string;
  [more: string]: unknown;
}

export interface ParsedContractError {
  code: ContractErrorCode;
  message: string;
  details: unknown;
}

const PREFIX = '[POPART:';
const SEPARATOR = ' | ';

/** Human text on one line and without the separator, so the wire form stays parseable. */
function cleanText(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').split(SEPARATOR).join(' / ');
}

export function formatContractError(code: ContractErrorCode, text: string, details: unknown): string {
  return `${PREFIX}${code}] ${cleanText(text)}${SEPARATOR}${canonicalJson(details ?? null)}`;
}

export class ContractError extends Error {
  override readonly name = 'ContractError';
  /** The human text alone (the `message` is the full wire form). */
  readonly reason: string;

  constructor(
    readonly code: ContractErrorCode,
    reason: string,
    readonly details: unknown = null,
    options?: { cause?: unknown },
  ) {
    super(formatContractError(code, reason, details), options);
    this.reason = cleanText(reason);
  }
}

/** Index just past the JSON value (object, array, string or literal) that starts at `start`. */
function jsonValueEnd(s: string, start: number): number {
  const open = s[start];
  if (open !== '{' && open !== '[') {
    if (open === '"') {
      for (let i = start + 1; i < s.length; i++) {
        if (s[i] === '\\') i++;
        else if (s[i] === '"') return i + 1;
      }
      return -1;
    }
    const m = /^(null|true|false|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(s.slice(start));
    return m ? start + m[0].length : -1;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Reads back what `ContractError` put in a message; undefined when the message is not one. */
export function parseContractError(message: string): ParsedContractError | undefined {
  const at = message.indexOf(PREFIX);
  if (at < 0) return undefined;
  const close = message.indexOf('] ', at);
  if (close < 0) return undefined;
  const code = message.slice(at + PREFIX.length, close);
  if (!(CONTRACT_ERROR_CODES as readonly string[]).includes(code)) return undefined;
  const sep = message.indexOf(SEPARATOR, close + 2);
  if (sep < 0) return undefined;
  const text = message.slice(close + 2, sep);
  const jsonStart = sep + SEPARATOR.length;
  const end = jsonValueEnd(message, jsonStart);
  if (end < 0) return undefined;
  try {
    return { code: code as ContractErrorCode, message: text, details: JSON.parse(message.slice(jsonStart, end)) };
  } catch {
    return undefined;
  }
}
