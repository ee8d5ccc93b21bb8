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
