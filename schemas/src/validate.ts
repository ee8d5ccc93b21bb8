/**
 * Validation of STIX 2.1 objects and bundles. Every problem is collected (not only the first), each
 * with the object's index and id and the property path. Pure and deterministic: the ledger contract
 * runs the same checks.
 */
import { Checker, describeValue, isRecord } from './checker.js';
import { StixValidationError } from './errors.js';
import { IssueSink, type StixIssue, type Validation } from './issues.js';
import { isStixId, isTypeName, typeOfId, UUID_RE } from './stix-vocab.js';
import type { Bundle, StixObject } from './types.js';
import { CONTENT_LIMITS, checkObjectContent } from './content-limits.js';
import { checkCommon, checkPropertyNames, isCustomKind, kindOf } from './validate-common.js';
import { SCO_RULES } from './validate-sco.js';
import { SDO_RULES } from './validate-sdo.js';
import { SRO_AND_META_RULES } from './validate-sro.js';

const RULES: Readonly<Record<string, (c: Checker) => void>> = { ...SDO_RULES, ...SRO_AND_META_RULES, ...SCO_RULES };

/** What validation compares timestamps with: the transaction's time on the ledger, the clock before submitting. */
export interface ValidationOptions {
  /** When given, `created` and `modified` may not lie after it by more than the allowed clock skew. */
  now?: Date;
}

/** Checks one object; returns its size as JSON (see content-limits.ts), or null when it was not walked whole. */
function checkObject(obj: unknown, sink: IssueSink, options: ValidationOptions): number | null {
  if (!isRecord(obj)) {
    sink.error('(object)', `a STIX object must be a JSON object, got ${describeValue(obj)}`);
    return null;
  }
  // Content bounds first, without recursion: an object too deep or too large gets no further checks.
  const bytes = checkObjectContent(obj, sink, options.now);
  if (bytes === null) return null;
  const c = new Checker(sink, obj);
  const type = obj.type;
  const typeOk = isTypeName(type);
  if (type === undefined) c.error('type', 'is required');
  else if (!typeOk) c.error('type', `must be 3–250 characters matching ^[a-z][a-z0-9-]+[a-z0-9]$, got ${describeValue(type)}`);
  else if (type === 'bundle') c.error('type', 'a bundle cannot be nested inside a bundle');

  const id = obj.id;
  if (id === undefined) c.error('id', 'is required');
  else if (!isStixId(id)) {
    if (!isStixId(typeof id === 'string' ? id.toLowerCase() : id)) c.error('id', `must be <type>--<RFC 4122 UUID>, got ${describeValue(id)}`);
  }
  else if (typeOk && typeOfId(id) !== type) c.error('id', `the id prefix "${typeOfId(id)}" must equal the type "${type}"`);

  if (!typeOk || type === 'bundle') return bytes;
  const kind = kindOf(type, obj);
  if (isCustomKind(kind)) {
    sink.warn('type', `"${type}" is not a STIX 2.1 type; accepted as a custom ${kind === 'custom-sco' ? 'observable' : 'object'} without type-specific checks`);
  }
  checkCommon(c, type, kind);
  RULES[type]?.(c);
  checkPropertyNames(c);
  return bytes;
}

function objectId(obj: unknown): string | null {
  return isRecord(obj) && typeof obj.id === 'string' ? obj.id : null;
}

/** Validates one STIX object; `index` is its position in a bundle, reported in issues. */
export function validateObject(obj: unknown, index?: number, options: ValidationOptions = {}): Validation<StixObject> {
  const sink = new IssueSink(index ?? null, objectId(obj));
  checkObject(obj, sink, options);
  return sink.errors.length > 0 ? { ok: false, errors: sink.errors } : { ok: true, value: obj as StixObject, warnings: sink.warnings };
}

function checkBundle(b: unknown, options: ValidationOptions = {}): { errors: StixIssue[]; warnings: StixIssue[] } {
  const sink = new IssueSink(null, objectId(b));
  if (!isRecord(b)) {
    sink.error('type', `a bundle must be a JSON object, got ${describeValue(b)}`);
    return sink;
  }
  if (b.type !== 'bundle') sink.error('type', `must be "bundle", got ${describeValue(b.type)}`);
  const id = b.id;
  if (typeof id !== 'string' || !id.startsWith('bundle--') || !UUID_RE.test(id.slice('bundle--'.length))) {
    sink.error('id', `must be bundle--<RFC 4122 UUID>, got ${describeValue(id)}`);
  }
  if (b.spec_version !== undefined) {
    if (b.spec_version === '2.1') sink.warn('spec_version', 'STIX 2.1 bundles have no spec_version property');
    else sink.error('spec_version', `only STIX 2.1 is accepted, got a bundle with spec_version ${describeValue(b.spec_version)}`);
  }
  const objects = b.objects;
  const errors = [...sink.errors];
  const warnings = [...sink.warnings];
  if (!Array.isArray(objects)) {
    errors.push({ objectIndex: null, objectId: objectId(b), property: 'objects', message: objects === undefined ? 'is required' : `must be a list of STIX objects, got ${describeValue(objects)}` });
    return { errors, warnings };
  }
  if (objects.length === 0) {
    errors.push({ objectIndex: null, objectId: objectId(b), property: 'objects', message: 'must not be empty' });
  }
  if (objects.length > CONTENT_LIMITS.maxBundleObjects) {
    errors.push({ objectIndex: null, objectId: objectId(b), property: 'objects', message: `holds ${objects.length} objects; the limit is ${CONTENT_LIMITS.maxBundleObjects} a bundle` });
    return { errors, warnings };
  }
  const firstSeen = new Map<string, number>();
  let bundleBytes = 0;
  objects.forEach((obj, i) => {
    const s = new IssueSink(i, objectId(obj));
    bundleBytes += checkObject(obj, s, options) ?? 0;
    if (isRecord(obj) && typeof obj.id === 'string') {
      const version = typeof obj.modified === 'string' ? obj.modified : typeof obj.created === 'string' ? obj.created : '';
      const key = `${obj.id}|${version}`;
      const earlier = firstSeen.get(key);
      if (earlier !== undefined) {
        s.error('id', `object[${earlier}] has the same id${version ? ` and modified ${version}` : ''}; a bundle may hold each version of an object once`);
      } else firstSeen.set(key, i);
    }
    errors.push(...s.errors);
    warnings.push(...s.warnings);
  });
  if (bundleBytes > CONTENT_LIMITS.maxBundleBytes) {
    errors.push({ objectIndex: null, objectId: objectId(b), property: 'objects', message: `the bundle is larger than ${CONTENT_LIMITS.maxBundleBytes} bytes as JSON (the limit for one bundle); split it` });
  }
  return { errors, warnings };
}

/** Validates a bundle and every object in it; collects all issues of all objects. */
export function validateBundle(b: unknown, options: ValidationOptions = {}): Validation<Bundle> {
  const { errors, warnings } = checkBundle(b, options);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: b as Bundle, warnings };
}

/** The bundle, typed, or a {@link StixValidationError} listing every issue. */
export function assertValidBundle(b: unknown, options: ValidationOptions = {}): Bundle {
  const r = validateBundle(b, options);
  if (!r.ok) throw new StixValidationError(r.errors);
  return r.value;
}

/** The object, typed, or a {@link StixValidationError} listing every issue. */
export function assertValidObject(obj: unknown, index?: number, options: ValidationOptions = {}): StixObject {
  const r = validateObject(obj, index, options);
  if (!r.ok) throw new StixValidationError(r.errors);
  return r.value;
}

/** The warnings of a bundle (custom types, deprecated forms), whether or not it is otherwise valid. */
export function collectWarnings(b: unknown): StixIssue[] {
  return checkBundle(b).warnings;
}
