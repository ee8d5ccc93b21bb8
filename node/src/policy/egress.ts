/**
 * The egress gate: every path by which an object leaves the node (query, single read, subscription,
 * export, and any later path) hands each object to `release` and sends only what it returns.
 */
import type { StixObject } from '@popart/schemas';
import type { ThreatRow } from '../read-model/threat-row.js';
import type { Decision, ObjectFacts, PolicyGate, Viewer } from './policy.js';

export type Released = { visible: true; row: ThreatRow; decision: Decision } | { visible: false; decision: Decision };

export function factsOf(row: ThreatRow): ObjectFacts {
  return { id: row.id, type: row.type, publisherMsp: row.publisherMsp, tlp: row.tlp, audience: row.audience };
}

/** Removes property paths ("a.b.c") from a copy of the object. */
export function redact(obj: StixObject, paths: readonly string[]): StixObject {
  if (paths.length === 0) return obj;
  const copy = structuredClone(obj) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split('.');
    let cursor: Record<string, unknown> | undefined = copy;
    for (const part of parts.slice(0, -1)) {
      const next: unknown = cursor?.[part];
      cursor = next && typeof next === 'object' ? (next as Record<string, unknown>) : undefined;
    }
    if (cursor) delete cursor[parts[parts.length - 1] as string];
  }
  return copy as StixObject;
}

export class EgressGate {
  constructor(private readonly policy: PolicyGate) {}

  release(viewer: Viewer, row: ThreatRow): Released {
    const decision = this.policy.view(viewer, factsOf(row));
    if (!decision.allow) return { visible: false, decision };
    return { visible: true, decision, row: decision.redact.length ? { ...row, stix: redact(row.stix, decision.redact) } : row };
  }

  /** The visible subset of rows, in order, redacted. */
  releaseAll(viewer: Viewer, rows: readonly ThreatRow[]): ThreatRow[] {
    const out: ThreatRow[] = [];
    for (const row of rows) {
      const r = this.release(viewer, row);
      if (r.visible) out.push(r.row);
    }
    return out;
  }
}
