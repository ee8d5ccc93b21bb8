/**
 * Exercises (training) on one node: their report (who received, acknowledged and acted on each exercise alert, and how
 * long it took, from this agency's audit log and the responses its read model holds) and their removal afterwards.
 *
 * Exercise objects are marked (`x_popart_exercise` + the label "exercise", schemas/src/exercise.ts) and the policy
 * shows them only to a request that asks for the exercise (visibility.exercise), so they never appear among real data.
 * The ledger is append-only: they stay there, marked, like every object ever published. Removal purges them from this
 * node's read model (objects and versions, nothing else) and records the exercise as ended, so that none of its
 * objects is stored again (a late one, or a read model rebuilt from the ledger); it is an audited erasure.
 */
import { actorOf, type AuditLog } from '../audit/index.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';
import { responseOf } from '../response/response-service.js';
import { asking } from '../threat/threat-request.js';
import type { ThreatRow } from '../threat/threat-row.js';
import type { ThreatStore } from '../threat/threat-store.js';
import type { Viewer } from '../../identity.js';

export type ExerciseEventKind = 'published' | 'received' | 'acknowledged' | 'on-scene' | 'resolved';

export interface ExerciseEvent {
  at: string;
  kind: ExerciseEventKind;
  /** Username (received, responses) or the publishing agency's key (published). */
  who: string;
  agency: string;
  /** Seconds since the alert was published. */
  afterSeconds: number;
}

export interface ExerciseAlertReport {
  alertId: string;
  category: string | null;
  severity: string | null;
  publisher: string;
  publishedAt: string;
  /** Oldest first. */
  events: ExerciseEvent[];
}

export interface ExerciseReport {
  exercise: string;
  /** Agency whose audit log the deliveries come from (this node's). */
  agency: string;
  alerts: ExerciseAlertReport[];
}

const AUDIT_PAGE = 200;

export class ExerciseService {
  constructor(
    private readonly store: ThreatStore,
    private readonly audit: AuditLog,
    private readonly directory: AgencyDirectory,
  ) {}

  private async rowsOf(exercise: string, alertsOnly: boolean): Promise<ThreatRow[]> {
    const out: ThreatRow[] = [];
    let cursor: { modified: string; id: string } | null = null;
    for (;;) {
      const rows = await this.store.search({ exercise, alertsOnly, includeRevoked: true }, cursor, AUDIT_PAGE);
      out.push(...rows);
      const last = rows.at(-1);
      if (rows.length < AUDIT_PAGE || !last) return out;
      cursor = { modified: last.modified, id: last.id };
    }
  }

  /**
   * When each of this agency's users first received the alert live (the alerts subscription's disclosures in the audit
   * log). Each new version of the alert is delivered again; the timeline shows the first delivery per user.
   */
  private async deliveries(alertId: string): Promise<{ at: string; who: string }[]> {
    const first = new Map<string, string>();
    let after: string | null = null;
    for (;;) {
      const page = await this.audit.query({ objectId: alertId, action: 'disclosure' }, AUDIT_PAGE, after);
      for (const e of page.entries) {
        if (e.details.resource !== 'alerts') continue;
        for (const who of e.recipients) if (!first.has(who) || e.at < (first.get(who) as string)) first.set(who, e.at);
      }
      if (!page.hasNext) return [...first].map(([who, at]) => ({ at, who }));
      after = page.endCursor;
    }
  }

  /** The timeline of each alert of the exercise this node holds, oldest alert first. Audited as a consultation. */
  async report(viewer: Viewer, exercise: string): Promise<ExerciseReport> {
    const asked = asking(viewer, exercise);
    const alerts = (await this.rowsOf(exercise, true)).reverse();
    const reports: ExerciseAlertReport[] = [];
    for (const alert of alerts) {
      const publishedAt = String(alert.stix.created ?? alert.modified);
      const t0 = Date.parse(publishedAt);
      const publisher = this.directory.keyOf(alert.publisherMsp);
      const event = (at: string, kind: ExerciseEventKind, who: string, agency: string): ExerciseEvent =>
        ({ at, kind, who, agency, afterSeconds: Math.round((Date.parse(at) - t0) / 100) / 10 });
      const received = (await this.deliveries(alert.id)).map((d) => event(d.at, 'received', d.who, asked.agency.key));
      const responses = (await this.store.sightingsOf(alert.id)).map(responseOf).flatMap((r) => (r ? [r] : []))
        .map((r) => event(r.at, r.status, r.responder, this.directory.keyOf(r.agencyMsp)));
      const events = [event(publishedAt, 'published', publisher, publisher), ...received, ...responses]
        .sort((a, b) => a.at.localeCompare(b.at) || a.kind.localeCompare(b.kind));
      reports.push({ alertId: alert.id, category: alert.category, severity: alert.severity, publisher, publishedAt, events });
    }
    await this.audit.record({
      actor: actorOf(viewer), action: 'consultation', purpose: `exercise report ${exercise}`, objectIds: alerts.map((a) => a.id),
      details: { resource: 'exerciseReport', exercise },
    });
    return { exercise, agency: asked.agency.key, alerts: reports };
  }

  /** Removes the exercise's objects from this node's read model (real data untouched); an audited erasure. */
  async remove(viewer: Viewer, exercise: string): Promise<{ exercise: string; removed: number }> {
    asking(viewer, exercise);
    const ids = await this.store.purgeExercise(exercise);
    await this.audit.record({
      actor: actorOf(viewer), action: 'erasure', purpose: `end of exercise ${exercise}`, objectIds: ids,
      details: { resource: 'removeExercise', exercise, removed: ids.length },
    });
    return { exercise, removed: ids.length };
  }
}
