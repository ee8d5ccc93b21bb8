/**
 * A small validator for plain configuration objects (YAML/JSON): each read names the field path and
 * collects every problem, so one error lists all of them.
 */
import { AudioConfigError, type ConfigIssue } from './errors.js';

export type Raw = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export class ConfigReader {
  readonly issues: ConfigIssue[] = [];

  constructor(readonly source?: string) {}

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** An object at `path` (undefined → empty object); reports unknown keys. */
  object(value: unknown, path: string, known: readonly string[]): Raw {
    if (value === undefined || value === null) return {};
    if (!isPlainObject(value)) {
      this.issue(path || '(root)', `must be an object, got ${describe(value)}`);
      return {};
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.issue(join(path, key), `unknown field (known: ${known.join(', ')})`);
    }
    return value;
  }

  number(obj: Raw, key: string, path: string, fallback: number, rule: NumberRule = {}): number {
    const v = obj[key];
    if (v === undefined) return fallback;
    const p = join(path, key);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.issue(p, `must be a number, got ${describe(v)}`);
      return fallback;
    }
    if (rule.integer && !Number.isInteger(v)) this.issue(p, `must be an integer, got ${v}`);
    if (rule.min !== undefined && v < rule.min) this.issue(p, `must be ≥ ${rule.min}, got ${v}`);
    if (rule.max !== undefined && v > rule.max) this.issue(p, `must be ≤ ${rule.max}, got ${v}`);
    return v;
  }

  optionalNumber(obj: Raw, key: string, path: string, rule: NumberRule = {}): number | undefined {
    if (obj[key] === undefined) return undefined;
    return this.number(obj, key, path, NaN, rule);
  }

  boolean(obj: Raw, key: string, path: string, fallback: boolean): boolean {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      this.issue(join(path, key), `must be true or false, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  string(obj: Raw, key: string, path: string, fallback: string, pattern?: RegExp): string {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.length === 0) {
      this.issue(join(path, key), `must be a non-empty string, got ${describe(v)}`);
      return fallback;
    }
    if (pattern && !pattern.test(v)) this.issue(join(path, key), `must match ${pattern}, got "${v}"`);
    return v;
  }

  oneOf<T extends string>(obj: Raw, key: string, path: string, fallback: T, allowed: readonly T[]): T {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.issue(join(path, key), `must be one of ${allowed.join(', ')}, got ${describe(v)}`);
      return fallback;
    }
    return v as T;
  }

  /** Checks `a < b` for two numbers already read. */
  ordered(a: number, b: number, path: string, aKey: string, bKey: string): void {
    if (Number.isFinite(a) && Number.isFinite(b) && !(a < b)) this.issue(join(path, bKey), `must be greater than ${aKey} (${a}), got ${b}`);
  }

  /** Throws an AudioConfigError listing every issue, if any. */
  done(): void {
    if (this.issues.length > 0) throw new AudioConfigError(this.issues, this.source);
  }
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** One field of a detector's configuration: its kind, its default (written only here), its rule and what it means. */
export type FieldSpec<V> = V extends boolean
  ? { kind: 'boolean'; default: V; doc: string }
  : V extends number
    ? { kind: 'number'; default: V; rule: NumberRule; doc: string }
    : { kind: 'oneOf'; default: V; allowed: readonly V[]; doc: string };

/** The schema of a configuration section: a FieldSpec per field. */
export type FieldSchema<C> = { [K in keyof C]: FieldSpec<C[K]> };

type AnyFieldSpec = FieldSpec<number> | FieldSpec<boolean> | { kind: 'oneOf'; default: string; allowed: readonly string[]; doc: string };

/** The configuration a schema describes: each field's type is that of its default. */
export type ConfigOf<S> = { -readonly [K in keyof S]: S[K] extends { default: infer V } ? V : never };

export const numberField = (fallback: number, rule: NumberRule, doc: string): FieldSpec<number> => ({ kind: 'number', default: fallback, rule, doc });
export const booleanField = (fallback: boolean, doc: string): FieldSpec<boolean> => ({ kind: 'boolean', default: fallback, doc }) as FieldSpec<boolean>;
export const oneOfField = <T extends string>(fallback: T, allowed: readonly T[], doc: string): FieldSpec<T> =>
  ({ kind: 'oneOf', default: fallback, allowed, doc }) as FieldSpec<T>;

/** Reads every field of `schema` from `raw` at `path` (defaults for the absent ones; issues reported to `r`). */
export function readFields<S extends Record<string, AnyFieldSpec>>(schema: S, raw: Raw, path: string, r: ConfigReader): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) {
    if (s.kind === 'number') out[key] = r.number(raw, key, path, s.default, s.rule);
    else if (s.kind === 'boolean') out[key] = r.boolean(raw, key, path, s.default);
    else out[key] = r.oneOf(raw, key, path, s.default, s.allowed);
  }
  return out as ConfigOf<S>;
}

/** What each field of `schema` means, with its default: the text of `popart audio --help`. */
export function fieldDocs<S extends Record<string, AnyFieldSpec>>(schema: S): Record<keyof S, string> {
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(schema)) out[key] = `${spec.doc} (default ${String(spec.default)})`;
  return out as Record<keyof S, string>;
}
