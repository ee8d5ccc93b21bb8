/**
 * Granular-marking selectors (STIX 2.1 §7.2.3): dot-separated property names, list positions written
 * `[n]`, e.g. `external_references.[0].url`.
 */
import { isRecord } from './checker.js';

export type SelectorStep = { kind: 'property'; name: string } | { kind: 'index'; index: number };

/** Parses a selector, or returns undefined when it is not well formed. */
export function parseSelector(selector: string): SelectorStep[] | undefined {
  if (selector === '') return undefined;
  const steps: SelectorStep[] = [];
  for (const part of selector.split('.')) {
    const m = /^\[(\d+)\]$/.exec(part);
    if (m) steps.push({ kind: 'index', index: Number(m[1]) });
    else if (/^[A-Za-z0-9_-]+$/.test(part)) steps.push({ kind: 'property', name: part });
    else return undefined;
  }
  return steps[0]?.kind === 'property' ? steps : undefined;
}

/** Whether a selector points at something present in the object. */
export function selectorResolves(obj: Record<string, unknown>, selector: string): boolean {
  const steps = parseSelector(selector);
  if (!steps) return false;
  let cur: unknown = obj;
  for (const step of steps) {
    if (step.kind === 'property') {
      if (!isRecord(cur) || !Object.prototype.hasOwnProperty.call(cur, step.name)) return false;
      cur = cur[step.name];
    } else {
      if (!Array.isArray(cur) || step.index >= cur.length) return false;
      cur = cur[step.index];
    }
  }
  return cur !== undefined;
}

/** Whether `outer` selects `inner` or something containing it (`description` covers `description`, `a` covers `a.[0].b`). */
export function selectorCovers(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(outer + '.');
}
