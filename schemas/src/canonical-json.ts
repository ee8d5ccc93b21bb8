/**
 * The one serialiser used for every hash and signature in the system: JSON with object keys sorted by
 * UTF-16 code units (as RFC 8785 JCS does), no whitespace, numbers and strings written exactly as
 * `JSON.stringify` writes them. Values that JSON cannot represent faithfully are refused rather than
 * silently changed, so two parties never hash different texts for what they believe is the same value.
 */
import { createHash } from 'node:crypto';
import { SchemaError } from './errors.js';

function refused(path: string, what: string): SchemaError {
  return new SchemaError(`canonicalJson: ${what} at ${path}`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, path: string, seen: Set<object>, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw refused(path, `non-finite number ${String(value)}`);
      out.push(JSON.stringify(value));
      return;
    case 'bigint':
      throw refused(path, 'bigint value');
    case 'undefined':
      throw refused(path, 'undefined value');
    case 'function':
      throw refused(path, 'function value');
    case 'symbol':
      throw refused(path, 'symbol value');
    case 'object':
      break;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (seen.has(value)) throw refused(path, 'circular reference');
  seen.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i], `${path}[${i}]`, seen, out);
    }
    out.push(']');
  } else {
    if (!isPlainObject(value)) throw refused(path, `non-plain object (${value.constructor?.name ?? 'unknown'})`);
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const v = record[key];
      if (v === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(v, `${path}.${key}`, seen, out);
    }
    out.push('}');
  }
  seen.delete(value);
}

/**
 * Canonical JSON text of a value. Throws {@link SchemaError} for non-finite numbers, bigint, functions,
 * symbols, `undefined` in an array or at the top, non-plain objects (Date, Map, class instances) and
 * cycles. Object properties whose value is `undefined` are omitted.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '$', new Set(), out);
  return out.join('');
}

/** Lower-case hex SHA-256 of the UTF-8 bytes of {@link canonicalJson}. */
export function sha256Hex(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
