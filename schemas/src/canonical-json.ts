/**
 * The one serialiser used for every hash and signature in the system: JSON with object keys sorted by
 * UTF-16 code units (as RFC 8785 JCS does), no whitespace, numbers and strings written exactly as
 * `JSON.stringify` writes them. Values that JSON cannot represent faithfully are refused rather than
 * silently changed, so two parties never hash different texts for what they believe is the same value.
 */
import { createHash } from 'node:crypto';
import { SchemaError } from './errors.js';

/** Where in the value the writer is: keys and indexes from the root, made into a path only for an error. */
type Where = (string | number)[];

function refused(where: Where, what: string): SchemaError {
  const path = where.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
  return new SchemaError(`canonicalJson: ${what} at $${path}`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Characters JSON.stringify escapes (and surrogates, which it escapes when alone): such strings go through it. */
// eslint-disable-next-line no-control-regex -- the control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const quoted = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

/** The canonical text of `value` (built by concatenation: V8 joins the pieces as ropes, without copies). */
function write(value: unknown, where: Where, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return quoted(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw refused(where, `non-finite number ${String(value)}`);
      return JSON.stringify(value);
    case 'bigint':
      throw refused(where, 'bigint value');
    case 'undefined':
      throw refused(where, 'undefined value');
    case 'function':
      throw refused(where, 'function value');
    case 'symbol':
      throw refused(where, 'symbol value');
    case 'object':
      break;
  }
  if (value === null) return 'null';
  if (seen.has(value)) throw refused(where, 'circular reference');
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      where.push(i);
      out += write(value[i], where, seen);
      where.pop();
    }
    out += ']';
  } else {
    if (!isPlainObject(value)) throw refused(where, `non-plain object (${value.constructor?.name ?? 'unknown'})`);
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out = '{';
    let first = true;
    for (const key of keys) {
      const v = record[key];
      if (v === undefined) continue;
      if (!first) out += ',';
      first = false;
      where.push(key);
      out += `${quoted(key)}:${write(v, where, seen)}`;
      where.pop();
    }
    out += '}';
  }
  seen.delete(value);
  return out;
}

/**
 * Canonical JSON text of a value. Throws {@link SchemaError} for non-finite numbers, bigint, functions,
 * symbols, `undefined` in an array or at the top, non-plain objects (Date, Map, class instances) and
 * cycles. Object properties whose value is `undefined` are omitted.
 */
export function canonicalJson(value: unknown): string {
  return write(value, [], new Set());
}

/** Lower-case hex SHA-256 of the UTF-8 bytes of {@link canonicalJson}. */
export function sha256Hex(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
