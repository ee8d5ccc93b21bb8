/**
 * Reads plain configuration objects (parsed YAML) field by field. Every read names its path; problems are collected so
 * one error lists all of them. A missing optional field takes its default.
 */
import { CameraConfigError, formatPath, type ConfigIssue, type ConfigPath } from './config-error.js';

export type Raw = Record<string, unknown>;

export const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

export class Fields {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly locate?: (path: ConfigPath) => number | undefined) {}

  issue(path: ConfigPath, message: string): void {
    const line = this.locate?.(path);
    this.issues.push(line === undefined ? { path: formatPath(path), message } : { path: formatPath(path), message, line });
  }

  /** Throws every collected problem at once. */
  check(file?: string): void {
    if (this.issues.length) throw new CameraConfigError(this.issues, file);
  }

  /** An object at path; unknown keys are reported. `undefined` when absent and not required, or wrong. */
  object(value: unknown, path: ConfigPath, known: readonly string[], required = false): Raw | undefined {
    if (value === undefined || value === null) {
      if (required) this.issue(path, 'is required');
      return undefined;
    }
    if (!isRecord(value)) {
      this.issue(path, `must be a mapping (key: value), got ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.issue([...path, key], `unknown field (expected one of: ${known.join(', ')})`);
    }
    return value;
  }

  number(obj: Raw | undefined, key: string, path: ConfigPath, fallback: number, rule?: NumberRule): number;
  number(obj: Raw | undefined, key: string, path: ConfigPath, fallback: undefined, rule?: NumberRule): number | undefined;
  number(obj: Raw | undefined, key: string, path: ConfigPath, fallback: number | undefined, rule: NumberRule = {}): number | undefined {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    const p = [...path, key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.issue(p, `must be a number, got ${describe(v)}`);
      return fallback;
    }
    if (rule.integer && !Number.isInteger(v)) this.issue(p, `must be a whole number, got ${v}`);
    else if (rule.min !== undefined && v < rule.min) this.issue(p, `must be at least ${rule.min}, got ${v}`);
    else if (rule.max !== undefined && v > rule.max) this.issue(p, `must be at most ${rule.max}, got ${v}`);
    else if (rule.above !== undefined && v <= rule.above) this.issue(p, `must be greater than ${rule.above}, got ${v}`);
    else return v;
    return fallback;
  }

  requiredNumber(obj: Raw | undefined, key: string, path: ConfigPath, rule: NumberRule = {}): number {
    if (obj && (obj[key] === undefined || obj[key] === null)) this.issue([...path, key], 'is required');
    return this.number(obj, key, path, undefined, rule) ?? NaN;
  }

  string(obj: Raw | undefined, key: string, path: ConfigPath, fallback: string): string;
  string(obj: Raw | undefined, key: string, path: ConfigPath, fallback: undefined): string | undefined;
  string(obj: Raw | undefined, key: string, path: ConfigPath, fallback: string | undefined): string | undefined {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !v.trim()) {
      this.issue([...path, key], `must be a non-empty text, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  requiredString(obj: Raw | undefined, key: string, path: ConfigPath): string {
    if (obj && (obj[key] === undefined || obj[key] === null)) this.issue([...path, key], 'is required');
    return this.string(obj, key, path, undefined) ?? '';
  }

  oneOf<T extends string>(obj: Raw | undefined, key: string, path: ConfigPath, allowed: readonly T[], fallback: T): T {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.issue([...path, key], `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(v)}`);
      return fallback;
    }
    return v as T;
  }

  boolean(obj: Raw | undefined, key: string, path: ConfigPath, fallback: boolean): boolean {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      this.issue([...path, key], `must be true or false, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  list(obj: Raw | undefined, key: string, path: ConfigPath): unknown[] | undefined {
    const v = obj?.[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.issue([...path, key], `must be a list, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  stringList(obj: Raw | undefined, key: string, path: ConfigPath): string[] | undefined {
    const v = this.list(obj, key, path);
    if (!v) return undefined;
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string' && item.trim()) out.push(item);
      else this.issue([...path, key, i], `must be a non-empty text, got ${describe(item)}`);
    });
    return out;
  }

  /** `[a, b]` of finite numbers. */
  pair(value: unknown, path: ConfigPath, what = '[x, y]'): [number, number] | undefined {
    if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      this.issue(path, `must be a pair of numbers ${what}, got ${Array.isArray(value) ? JSON.stringify(value) : describe(value)}`);
      return undefined;
    }
    return [value[0] as number, value[1] as number];
  }

  pairs(obj: Raw | undefined, key: string, path: ConfigPath, what: string, minCount: number, exactCount?: number): [number, number][] | undefined {
    const v = this.list(obj, key, path);
    if (!v) return undefined;
    const p = [...path, key];
    if (exactCount !== undefined && v.length !== exactCount) {
      this.issue(p, `must list exactly ${exactCount} points ${what}, got ${v.length}`);
      return undefined;
    }
    if (v.length < minCount) {
      this.issue(p, `must list at least ${minCount} points ${what}, got ${v.length}`);
      return undefined;
    }
    const out: [number, number][] = [];
    let ok = true;
    v.forEach((item, i) => {
      const pt = this.pair(item, [...p, i], what);
      if (pt) out.push(pt);
      else ok = false;
    });
    return ok ? out : undefined;
  }
}
