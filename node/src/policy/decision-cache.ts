/**
 * Decisions of the in-process policy, kept for reuse. Fifty analysts of an agency looking at the same newest threats
 * ask the policy the same question many times a second; evaluating it in wasm cost about 1.1 ms a page of 50 objects,
 * a third of what a query cost the node.
 *
 * A decision is a function of the compiled policy and its data (one WasmPolicy holds one of each, for its lifetime),
 * the entrypoint, the subject's fields that the decisions read (the policy names them: popart/gate/subject_fields) and
 * the object's facts as the policy is given them. The key is exactly those, so a decision is reused only for the same
 * question; a new version of an object (modified, revoked, other markings) has other facts and is decided afresh. The
 * time given to the policy is not part of the key: the policies never read it (test: policy-runtimes.test.ts).
 *
 * Kept decisions are frozen (callers get copies through toDecision) and the least recently used go first.
 */

/** Decisions kept by one policy instance (about 1 KB each). */
export const DECISION_CACHE_SIZE = 10_000;

export interface DecisionCacheStats { size: number; hits: number; misses: number }

export class DecisionCache {
  private readonly entries = new Map<string, unknown>();
  private hits = 0;
  private misses = 0;

  constructor(readonly capacity = DECISION_CACHE_SIZE) {}

  /** The raw decision kept for this key (and it becomes the most recently used), or undefined. */
  get(key: string): unknown {
    const found = this.entries.get(key);
    if (found === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    this.entries.delete(key);
    this.entries.set(key, found);
    return found;
  }

  set(key: string, raw: unknown): void {
    if (raw === undefined || this.capacity <= 0) return;
    if (!this.entries.has(key) && this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, deepFreeze(raw));
  }

  get stats(): DecisionCacheStats {
    return { size: this.entries.size, hits: this.hits, misses: this.misses };
  }
}

/** The subject as a key: only the fields decisions read, in the policy's order (all of it when the policy does not say). */
export function subjectKey(subject: Record<string, unknown>, fields: readonly string[] | undefined): string {
  if (!fields) return JSON.stringify(subject);
  return JSON.stringify(fields.map((f) => subject[f] ?? null));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
