/**
 * The observable values an object carries, for correlation: what two agencies' objects can have in common (a drone's
 * Remote ID serial, a MAC address, an IP, a domain, a file hash, any value an indicator's pattern compares with).
 * Read from cyber-observable objects, indicator patterns (equality and IN comparisons, not negated), external
 * references of source `remote-id`, the alert extension with the detection's track (a Remote ID track is the
 * drone's serial) and the `x_popart_remote_id` property (schemas/README.md). Values are normalised so that the
 * same thing written two ways is one value (MAC and hashes lower case, serials upper case).
 */
import { isRecord } from './checker.js';
import { alertOf } from './alert-extension.js';
import { parseStixPattern, type ComparisonExpression, type ObjectPath, type ObservationExpression, type PatternLiteral } from './pattern.js';
import type { StixObject } from './types.js';

export type ObservableKind = 'remote-id' | 'operator-id' | 'mac-addr' | 'ip' | 'domain' | 'url' | 'email' | 'file-hash' | 'pattern';

export interface Observable {
  kind: ObservableKind;
  /** The normalised value; for `pattern`, `<object path> <value>` (e.g. `x-drone:serial ABC`). */
  value: string;
  /** Where in the object it was read, e.g. `pattern`, `x_popart_remote_id.uas_id`, `value`. */
  source: string;
}

/** The custom property that carries what a drone broadcasts in its Remote ID messages (ASTM F3411). */
export const REMOTE_ID_PROPERTY = 'x_popart_remote_id';
/** At most this many values are read from one object (a pattern with a huge IN list is not a correlation key). */
export const MAX_OBSERVABLES = 64;
const MAX_VALUE_CHARS = 512;

const SCO_KINDS: Record<string, ObservableKind> = {
  'mac-addr': 'mac-addr', 'ipv4-addr': 'ip', 'ipv6-addr': 'ip', 'domain-name': 'domain', url: 'url', 'email-addr': 'email',
};

function normalise(kind: ObservableKind, raw: string): string {
  const v = raw.trim();
  switch (kind) {
    case 'remote-id': case 'operator-id': return v.toUpperCase();
    case 'mac-addr': return v.toLowerCase().replace(/-/g, ':');
    case 'domain': case 'email': case 'ip': return v.toLowerCase().replace(/\.$/, '');
    default: return v;
  }
}

class Collector {
  readonly out = new Map<string, Observable>();

  add(kind: ObservableKind, raw: unknown, source: string): void {
    if (typeof raw !== 'string' && typeof raw !== 'number') return;
    const value = normalise(kind, String(raw));
    if (value === '' || value.length > MAX_VALUE_CHARS || this.out.size >= MAX_OBSERVABLES) return;
    const key = `${kind}\u0000${value}`;
    if (!this.out.has(key)) this.out.set(key, { kind, value, source });
  }
}

function hashKey(algorithm: string, hex: unknown): string | null {
  return typeof hex === 'string' ? `${algorithm.replace(/'/g, '').toUpperCase()}:${hex.toLowerCase()}` : null;
}

/** The kind of a pattern path, and the value key (file hashes: `SHA-256:<hex>`, as from a file object). */
function patternValue(path: ObjectPath, literal: PatternLiteral): { kind: ObservableKind; value: string } | null {
  if (literal.kind !== 'string' && literal.kind !== 'int' && literal.kind !== 'hex') return null;
  const value = String(literal.value);
  const names = path.steps.map((s) => (s.kind === 'property' ? s.name : `[${String(s.index)}]`));
  const first = names[0];
  if (names.length === 1 && first === 'value' && SCO_KINDS[path.objectType]) return { kind: SCO_KINDS[path.objectType] as ObservableKind, value };
  if (names.length === 2 && first === 'hashes' && (path.objectType === 'file' || path.objectType === 'artifact')) {
    const key = hashKey(names[1] as string, value);
    return key ? { kind: 'file-hash', value: key } : null;
  }
  return { kind: 'pattern', value: `${path.objectType}:${names.join('.')} ${value}` };
}

function comparisons(c: ComparisonExpression, into: { path: ObjectPath; literal: PatternLiteral }[]): void {
  if (c.kind === 'and' || c.kind === 'or') {
    comparisons(c.left, into);
    comparisons(c.right, into);
  } else if (c.kind === 'comparison' && !c.negated) {
    if (c.operator === '=') into.push({ path: c.path, literal: c.value });
    else if (c.operator === 'IN' && c.value.kind === 'set') for (const v of c.value.values) into.push({ path: c.path, literal: v });
  }
}

function observations(o: ObservationExpression, into: { path: ObjectPath; literal: PatternLiteral }[]): void {
  if (o.kind === 'observation') comparisons(o.comparison, into);
  else if (o.kind === 'qualified') observations(o.expression, into);
  else {
    observations(o.left, into);
    observations(o.right, into);
  }
}

function fromPattern(c: Collector, pattern: unknown): void {
  if (typeof pattern !== 'string') return;
  let ast: ObservationExpression;
  try {
    ast = parseStixPattern(pattern);
  } catch {
    return;
  }
  const found: { path: ObjectPath; literal: PatternLiteral }[] = [];
  observations(ast, found);
  for (const f of found) {
    const v = patternValue(f.path, f.literal);
    if (v) c.add(v.kind, v.value, 'pattern');
  }
}

/** Every observable value of the object (empty for objects that carry none); never throws. */
export function observablesOf(obj: StixObject | Record<string, unknown>): Observable[] {
  const c = new Collector();
  const o = obj as Record<string, unknown>;
  const kind = typeof o.type === 'string' ? SCO_KINDS[o.type] : undefined;
  if (kind) c.add(kind, o.value, 'value');
  if ((o.type === 'file' || o.type === 'artifact') && isRecord(o.hashes)) {
    for (const [algorithm, hex] of Object.entries(o.hashes)) {
      const key = hashKey(algorithm, hex);
      if (key) c.add('file-hash', key, `hashes.${algorithm}`);
    }
  }
  if (o.type === 'indicator' && (o.pattern_type === undefined || o.pattern_type === 'stix')) fromPattern(c, o.pattern);
  if (Array.isArray(o.external_references)) {
    for (const ref of o.external_references) {
      if (isRecord(ref) && ref.source_name === 'remote-id') c.add('remote-id', ref.external_id, 'external_references');
    }
  }
  const rid = o[REMOTE_ID_PROPERTY];
  if (isRecord(rid)) {
    c.add('remote-id', rid.uas_id, `${REMOTE_ID_PROPERTY}.uas_id`);
    c.add('remote-id', rid.session_id, `${REMOTE_ID_PROPERTY}.session_id`);
    c.add('operator-id', rid.operator_id, `${REMOTE_ID_PROPERTY}.operator_id`);
  }
  const detection = o.x_popart_detection;
  if (isRecord(detection) && detection.track_id !== undefined && alertOf(o)?.sensor_kind === 'remote-id') {
    c.add('remote-id', detection.track_id, 'x_popart_detection.track_id');
  }
  return [...c.out.values()];
}

/** One key per value, for indexes: `<kind> <value>`. */
export function observableKey(o: Pick<Observable, 'kind' | 'value'>): string {
  return `${o.kind} ${o.value}`;
}
