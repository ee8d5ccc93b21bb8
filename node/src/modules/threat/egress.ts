/**
 * The egress gate: every path by which an object leaves the node (query, single read, subscription,
 * export, and any later path) hands its objects to `release`/`releaseAll` and sends only what
 * comes back: allowed objects, with the policy's redactions applied.
 */
import type { StixObject } from '@popart/schemas';
import type { ThreatRow } from './threat-row.js';
import { factsFromRow } from './facts.js';
import type { Viewer } from '../../identity.js';
import type { Coarsening, DecideOptions, Decision, ObjectFacts, PolicyGate } from '../../policy/policy.js';

export type Released = { visible: true; row: ThreatRow; decision: Decision } | { visible: false; decision: Decision };

function parentOf(root: Record<string, unknown>, path: string): { parent: Record<string, unknown>; key: string } | null {
  const parts = path.split('.');
  let cursor: Record<string, unknown> | undefined = root;
  for (const part of parts.slice(0, -1)) {
    const next: unknown = cursor?.[part];
    cursor = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
  }
  return cursor ? { parent: cursor, key: parts[parts.length - 1] as string } : null;
}

/** Every number in the value (nested in arrays and objects too) rounded to 1/factor. */
function roundNumbers(value: unknown, factor: number): unknown {
  if (typeof value === 'number') return Math.round(value * factor) / factor;
  if (Array.isArray(value)) return value.map((v) => roundNumbers(v, factor));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v, factor)]));
  return value;
}

/** A copy of the object with the paths removed and the numbers coarsened. */
export function redact(obj: StixObject, remove: readonly string[], coarsen: readonly Coarsening[] = []): StixObject {
  if (remove.length === 0 && coarsen.length === 0) return obj;
  const copy = structuredClone(obj) as Record<string, unknown>;
  for (const path of remove) {
    const at = parentOf(copy, path);
    if (at) delete at.parent[at.key];
  }
  for (const { path, decimals } of coarsen) {
    const at = parentOf(copy, path);
    if (at && at.key in at.parent) at.parent[at.key] = roundNumbers(at.parent[at.key], 10 ** decimals);
  }
  return copy as StixObject;
}

export class EgressGate {
  constructor(
    private readonly policy: PolicyGate,
    /** Agency key of a ledger organisation (from the registry). */
    private readonly agencyKeyOf: (mspId: string) => string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get revision(): string {
    return this.policy.revision;
  }

  async release(viewer: Viewer, row: ThreatRow): Promise<Released> {
    const [released] = await this.releaseEach(viewer, [row]);
    return released as Released;
  }

  /**
   * One decision per row, in order (one policy call for the whole list). Lists and pages pass
   * `reasons: false`: their hidden rows are skipped, not explained, and reasons cost time.
   */
  async releaseEach(viewer: Viewer, rows: readonly ThreatRow[], options?: DecideOptions): Promise<Released[]> {
    if (rows.length === 0) return [];
    const decisions = await this.policy.decide(viewer, rows.map((r) => factsFromRow(r, this.agencyKeyOf(r.publisherMsp))), this.clock(), options);
    return rows.map((row, i) => {
      const decision = decisions[i];
      if (!decision || !decision.allow) {
        return { visible: false, decision: decision ?? { allow: false, reasons: ['no decision'], rule: 'gate.missing', remove: [], coarsen: [] } };
      }
      return { visible: true, decision, row: { ...row, stix: redact(row.stix, decision.remove, decision.coarsen) } };
    });
  }

  /**
   * The alerts among rows that go to this user: visible (and redacted) for them, and — for operators
   * and supervisors — routed to them by the routing policy (territory, severity). Each row's facts
   * are built once for both decisions.
   */
  async releaseAlerts(viewer: Viewer, rows: readonly ThreatRow[]): Promise<ThreatRow[]> {
    const facts = rows.map((r) => factsFromRow(r, this.agencyKeyOf(r.publisherMsp)));
    const now = this.clock();
    const decisions = await this.policy.decide(viewer, facts, now, { reasons: false });
    const routed = viewer.role === 'operator' || viewer.role === 'supervisor';
    const operator = {
      username: viewer.username, agency: viewer.agency.key, role: viewer.role, min_severity: viewer.minSeverity ?? 'low',
      ...(viewer.exercise ? { exercise: viewer.exercise } : {}),
    };
    const out: ThreatRow[] = [];
    for (const [i, row] of rows.entries()) {
      const decision = decisions[i];
      if (!decision?.allow) continue;
      if (routed && !(await this.policy.route(facts[i] as ObjectFacts, [operator], now)).recipients.includes(viewer.username)) continue;
      out.push({ ...row, stix: redact(row.stix, decision.remove, decision.coarsen) });
    }
    return out;
  }

  /** The visible subset of rows, in order, redacted. */
  async releaseAll(viewer: Viewer, rows: readonly ThreatRow[]): Promise<ThreatRow[]> {
    return (await this.releaseEach(viewer, rows, { reasons: false })).flatMap((r) => (r.visible ? [r.row] : []));
  }
}
