/**
 * Property checks shared by every validator. A {@link Checker} looks at one JSON object (a STIX object or
 * a nested one such as an extension) and reports into an {@link IssueSink} with paths relative to the
 * STIX object. Pure: no clock, no randomness.
 */
import type { IssueSink } from './issues.js';
import { isStixId, typeOfId } from './stix-vocab.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** RFC 3339 timestamp in UTC (`Z`), optional fractional seconds, with a real calendar date and time. */
export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = TIMESTAMP_RE.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 60;
}

/** Orders two valid timestamps: negative when `a` is earlier. Works across different fraction lengths. */
export function compareTimestamps(a: string, b: string): number {
  const norm = (t: string): string => {
    const dot = t.indexOf('.');
    const base = dot < 0 ? t.slice(0, -1) : t.slice(0, dot);
    const frac = dot < 0 ? '' : t.slice(dot + 1, -1);
    return base + '.' + frac.padEnd(12, '0');
  };
  const x = norm(a);
  const y = norm(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Which referenced types are allowed: a list, a predicate (with a word for the message), or any. */
export type RefRule = readonly string[] | { test: (type: string) => boolean; words: string } | 'any';

function refAllowed(rule: RefRule, id: string): boolean {
  if (rule === 'any') return true;
  const type = typeOfId(id);
  return Array.isArray(rule) ? rule.includes(type) : (rule as { test: (t: string) => boolean }).test(type);
}

function ruleWords(rule: RefRule): string {
  if (rule === 'any') return 'any object';
  if (Array.isArray(rule)) return rule.join(' or ');
  return (rule as { words: string }).words;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 60 ? `"${value.slice(0, 57)}…"` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export class Checker {
  /** Properties whose references were checked by a specific rule (the generic `*_ref(s)` check skips them). */
  readonly checkedRefs = new Set<string>();

  constructor(
    readonly sink: IssueSink,
    readonly obj: Record<string, unknown>,
    readonly prefix = '',
  ) {}

  path(prop: string): string {
    return this.prefix ? `${this.prefix}.${prop}` : prop;
  }

  error(prop: string, message: string): void {
    this.sink.error(this.path(prop), message);
  }

  warn(prop: string, message: string): void {
    this.sink.warn(this.path(prop), message);
  }

  has(prop: string): boolean {
    return this.obj[prop] !== undefined;
  }

  /** Reports a missing property; true when present. */
  require(prop: string, why = 'is required'): boolean {
    if (this.has(prop)) return true;
    this.error(prop, why);
    return false;
  }

  nested(prop: string): Checker | undefined {
    const v = this.obj[prop];
    return isRecord(v) ? new Checker(this.sink, v, this.path(prop)) : undefined;
  }

  private present(prop: string, required: boolean): boolean {
    if (this.has(prop)) return true;
    if (required) this.error(prop, 'is required');
    return false;
  }

  string(prop: string, opts: { required?: boolean; maxLength?: number } = {}): string | undefined {
    if (!this.present(prop, opts.required ?? false)) return undefined;
    const v = this.obj[prop];
    if (typeof v !== 'string') return void this.error(prop, `must be a string, got ${describe(v)}`);
    if (v.trim() === '' && opts.required) return void this.error(prop, 'must not be empty');
    if (opts.maxLength !== undefined && v.length > opts.maxLength) {
      return void this.error(prop, `must be at most ${opts.maxLength} characters, got ${v.length}`);
    }
    return v;
  }

  boolean(prop: string, required = false): boolean | undefined {
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    if (typeof v !== 'boolean') return void this.error(prop, `must be a boolean, got ${describe(v)}`);
    return v;
  }

  integer(prop: string, min: number, max: number, required = false): number | undefined {
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    if (typeof v !== 'number' || !Number.isInteger(v)) return void this.error(prop, `must be an integer, got ${describe(v)}`);
    if (v < min || v > max) return void this.error(prop, `must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  number(prop: string, min: number, max: number, required = false): number | undefined {
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    if (typeof v !== 'number' || !Number.isFinite(v)) return void this.error(prop, `must be a number, got ${describe(v)}`);
    if (v < min || v > max) return void this.error(prop, `must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  enumValue<T extends string>(prop: string, values: readonly T[], required = false): T | undefined {
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      return void this.error(prop, `must be one of ${values.join(', ')}; got ${describe(v)}`);
    }
    return v as T;
  }

  timestamp(prop: string, required = false): string | undefined {
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    if (!isTimestamp(v)) return void this.error(prop, `must be an RFC 3339 UTC timestamp such as 2024-05-01T12:00:00.000Z, got ${describe(v)}`);
    return v;
  }

  /** A non-empty list; each item checked with `item` (which reports and returns false when bad). */
  list(prop: string, required: boolean, item?: (value: unknown, path: string) => boolean): unknown[] | undefined {
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    if (!Array.isArray(v)) return void this.error(prop, `must be a list, got ${describe(v)}`);
    if (v.length === 0) return void this.error(prop, 'must not be an empty list');
    let ok = true;
    if (item) v.forEach((x, i) => { if (!item(x, this.path(`${prop}[${i}]`))) ok = false; });
    return ok ? v : undefined;
  }

  stringList(prop: string, required = false): string[] | undefined {
    return this.list(prop, required, (x, path) => {
      if (typeof x === 'string') return true;
      this.sink.error(path, `must be a string, got ${describe(x)}`);
      return false;
    }) as string[] | undefined;
  }

  private refItem(rule: RefRule, x: unknown, path: string): boolean {
    if (!isStixId(x)) {
      this.sink.error(path, `must be a STIX identifier <type>--<uuid>, got ${describe(x)}`);
      return false;
    }
    if (!refAllowed(rule, x)) {
      this.sink.error(path, `must reference ${ruleWords(rule)}, got ${x}`);
      return false;
    }
    return true;
  }

  ref(prop: string, rule: RefRule, required = false): string | undefined {
    this.checkedRefs.add(prop);
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    return this.refItem(rule, v, this.path(prop)) ? (v as string) : undefined;
  }

  refList(prop: string, rule: RefRule, required = false): string[] | undefined {
    this.checkedRefs.add(prop);
    return this.list(prop, required, (x, path) => this.refItem(rule, x, path)) as string[] | undefined;
  }

  /** `later` must not be before `earlier` (or must be strictly after when `strict`). */
  order(earlier: string, later: string, strict: boolean): void {
    const a = this.obj[earlier];
    const b = this.obj[later];
    if (!isTimestamp(a) || !isTimestamp(b)) return;
    const c = compareTimestamps(b, a);
    if (strict ? c <= 0 : c < 0) this.error(later, `must be ${strict ? 'later than' : 'the same as or later than'} ${earlier} (${a}), got ${b}`);
  }

  /** A dictionary (JSON object) value. */
  dictionary(prop: string, required = false): Record<string, unknown> | undefined {
    if (!this.present(prop, required)) return undefined;
    const v = this.obj[prop];
    if (!isRecord(v)) return void this.error(prop, `must be an object (dictionary), got ${describe(v)}`);
    return v;
  }
}

export { describe as describeValue };
