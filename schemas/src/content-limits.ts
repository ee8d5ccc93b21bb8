/**
 * What the exchange accepts as STIX content, beyond the STIX 2.1 grammar: the bounds that make every
 * committed object storable and readable by every agency's read model (PGlite or PostgreSQL, whose
 * jsonb refuses U+0000 and unpaired surrogates), and that keep one object from costing others time.
 *
 * The node checks a bundle with these rules before it submits it and the contract checks it again at
 * endorsement, with the same code: what one accepts, the other accepts. docs/limits.md lists every limit.
 *
 * The walk is iterative (an explicit stack), so a hostile nesting depth costs a bounded loop, never the
 * call stack.
 */
import type { IssueSink } from './issues.js';

export const CONTENT_LIMITS = Object.freeze({
  /** Levels of objects and lists inside one STIX object (the object itself is level 0). */
  maxDepth: 16,
  /** UTF-16 code units in one string value. */
  maxStringLength: 100_000,
  /** Characters in one property name or dictionary key, at any level. */
  maxKeyLength: 250,
  /** Size of one object as UTF-8 JSON (escapes not counted). */
  maxObjectBytes: 256 * 1024,
  /** Objects in one bundle. */
  maxBundleObjects: 2_000,
  /** Size of one bundle as UTF-8 JSON (escapes not counted). */
  maxBundleBytes: 4 * 1024 * 1024,
  /** Size of one HTTP request body or WebSocket message (a bundle inside a GraphQL request). */
  maxRequestBytes: 5 * 1024 * 1024,
  /** How far `created`/`modified` may lie after the transaction's time (clock skew between agencies). */
  maxClockSkewMs: 5 * 60 * 1000,
  /** Largest integer magnitude: beyond it JavaScript, and so every signature and hash, loses digits. */
  maxSafeInteger: Number.MAX_SAFE_INTEGER,
});

/** STIX 2.1 §3.1 property names, with a leading letter (so `__proto__`, `_x` and `123` are refused). */
export const PROPERTY_NAME_RE = /^[a-z][a-z0-9_]{2,249}$/;

/** A STIX identifier in any letter case, to tell "not an id" from "an id in upper case". */
const ANY_CASE_ID_RE = /^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keys that would reach an object's prototype when copied with assignment in JavaScript. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface StringScan { bytes: number; problem: string | null }

/** UTF-8 length of a string, and the first character that storage refuses (NUL, unpaired surrogate). */
function scanString(s: string): StringScan {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return { bytes, problem: `holds U+0000 (NUL) at character ${i}, which JSON storage refuses` };
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return { bytes, problem: `holds an unpaired high surrogate U+${c.toString(16).toUpperCase()} at character ${i} (not valid Unicode)` };
      bytes += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return { bytes, problem: `holds an unpaired low surrogate U+${c.toString(16).toUpperCase()} at character ${i} (not valid Unicode)` };
    } else bytes += 3;
  }
  return { bytes, problem: null };
}

/** Keys written as `a.b`; any other (empty, dots, brackets, spaces, control characters) as `a["…"]`. */
const PLAIN_KEY_RE = /^[A-Za-z0-9_$:-]+$/;

function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (key.length > 80 || !PLAIN_KEY_RE.test(key)) return `${path}[${printable(key, 40)}]`;
  return path ? `${path}.${key}` : key;
}

function isIdProperty(key: string | number | null): boolean {
  return typeof key === 'string' && (key === 'id' || key.endsWith('_ref') || key.endsWith('_refs'));
}

function printable(s: string, max = 60): string {
  const shown = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(shown.replaceAll(String.fromCharCode(0), '\ufffd').replace(/[\ud800-\udfff]/g, '\ufffd'));
}

interface Frame { value: unknown; path: string; depth: number; key: string | number | null; parentKey: string | number | null }

/**
 * Checks the content bounds of one STIX object and reports each problem to `sink` with the property path
 * and the limit. Returns the object's size in bytes (UTF-8 JSON, escapes not counted), or null when the
 * object broke a structural bound (depth, size) and must not be walked by recursive code.
 */
export function checkObjectContent(obj: Record<string, unknown>, sink: IssueSink, now?: Date): number | null {
  const L = CONTENT_LIMITS;
  let bytes = 0;
  let structural = false;
  const stack: Frame[] = [{ value: obj, path: '', depth: 0, key: null, parentKey: null }];
  while (stack.length > 0) {
    const { value, path, depth, key, parentKey } = stack.pop() as Frame;
    const where = path || '(object)';
    if (typeof value === 'string') {
      const scan = scanString(value);
      bytes += scan.bytes + 2;
      if (scan.problem) sink.error(where, scan.problem);
      else if (value.length > L.maxStringLength) sink.error(where, `is ${value.length} characters long; the limit is ${L.maxStringLength}`);
      const idLike = isIdProperty(key) || (typeof key === 'number' && isIdProperty(parentKey));
      if (idLike && value !== value.toLowerCase() && ANY_CASE_ID_RE.test(value)) {
        sink.error(where, `STIX identifiers must be in lower case (their canonical form): got ${printable(value)}, write ${printable(value.toLowerCase())}`);
      }
    } else if (typeof value === 'number') {
      bytes += 8;
      if (!Number.isFinite(value)) sink.error(where, 'must be a finite number (JSON has no NaN or Infinity)');
      else if (Number.isInteger(value) && Math.abs(value) > L.maxSafeInteger) {
        sink.error(where, `integer ${value} is beyond ±${L.maxSafeInteger} (2^53 − 1) and cannot be kept exactly; send it as a string`);
      }
    } else if (value === null || typeof value === 'boolean') {
      bytes += 5;
    } else if (typeof value === 'object') {
      if (depth > L.maxDepth) {
        sink.error(where, `is nested ${depth} levels deep; the limit is ${L.maxDepth}`);
        structural = true;
        continue;
      }
      if (Array.isArray(value)) {
        bytes += 2 + value.length;
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: joinPath(path, i), depth: depth + 1, key: i, parentKey: key });
      } else {
        const entries = Object.entries(value as Record<string, unknown>);
        bytes += 2 + entries.length;
        for (let i = entries.length - 1; i >= 0; i--) {
          const [k, v] = entries[i] as [string, unknown];
          const childPath = joinPath(path, k);
          const scan = scanString(k);
          bytes += scan.bytes + 3;
          if (scan.problem) sink.error(childPath, `property name ${scan.problem}`);
          else if (k.length > L.maxKeyLength) sink.error(childPath, `property name is ${k.length} characters long; the limit is ${L.maxKeyLength}`);
          else if (k === '') sink.error(childPath, 'an empty property name is not allowed');
          else if (PROTOTYPE_KEYS.has(k)) sink.error(childPath, `"${k}" is not allowed as a property name`);
          else if (depth === 0 && k !== 'id' && !PROPERTY_NAME_RE.test(k)) {
            sink.error(childPath, 'property names must be 3–250 characters of a–z, 0–9 and _, starting with a letter (STIX 2.1 §3.1)');
          } else if (key === 'extensions' && k !== k.toLowerCase() && ANY_CASE_ID_RE.test(k)) {
            sink.error(childPath, `extension definition ids must be in lower case (their canonical form): write ${printable(k.toLowerCase())}`);
          }
          stack.push({ value: v, path: childPath, depth: depth + 1, key: k, parentKey: key });
        }
      }
    } else {
      sink.error(where, `${typeof value} is not a JSON value`);
    }
    if (bytes > L.maxObjectBytes) {
      const top = path.split(/[.[]/)[0] || '(object)';
      sink.error(top, `the object is larger than ${L.maxObjectBytes} bytes as JSON (the limit for one object), reached inside this property`);
      structural = true;
      break;
    }
  }
  if (now) checkTimesNotAhead(obj, sink, now);
  return structural ? null : bytes;
}

/** `created` and `modified` no later than the reference time plus the allowed clock skew. */
function checkTimesNotAhead(obj: Record<string, unknown>, sink: IssueSink, now: Date): void {
  const latest = now.getTime() + CONTENT_LIMITS.maxClockSkewMs;
  for (const property of ['created', 'modified'] as const) {
    const v = obj[property];
    if (typeof v !== 'string') continue;
    const t = Date.parse(v);
    if (Number.isFinite(t) && t > latest) {
      const ahead = Math.round((t - now.getTime()) / 1000);
      sink.error(property, `${v} is ${ahead} s after the transaction time ${now.toISOString()}; at most ${CONTENT_LIMITS.maxClockSkewMs / 1000} s of clock skew is accepted`);
    }
  }
}
