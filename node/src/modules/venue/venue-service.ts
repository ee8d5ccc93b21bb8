/**
 * Venues and their risk picture as a user sees them. A venue is a shared location with the venue extension; its
 * picture is computed, for each user, from the alerts concerning it (their area meets the venue's), their sightings and
 * responses, and the correlations between them, every one passed through the egress gate for the user. Restricted
 * objects (TLP:AMBER or stricter) take part only when the user states a purpose (the consultation is audited);
 * without one they are left out and counted. The level follows the rule of risk-rule.ts (docs/situation.md).
 */
import { alertOf, areaBBox, isStixId, venueOf, type VenueExtension } from '@popart/schemas';
import { InputError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';
import type { CorrelationService, CorrelationSource } from '../correlation/correlation-service.js';
import { responseOf, responsesAmong, type AlertResponse } from '../response/response-service.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { purposeOf, RESTRICTED } from '../threat/threat-request.js';
import { type ThreatService } from '../threat/threat-service.js';
import type { ThreatStore } from '../threat/threat-store.js';
import { riskPicture, type RiskContribution, type RiskLevel } from './risk-rule.js';
import type { VenueStore } from './venue-store.js';

/** How far back alerts are looked at for a venue without a time window. */
const LOOKBACK_MS = 24 * 3_600_000;
const MAX_ALERTS = 500;

export interface VenueView {
  row: ThreatRow;
  venue: VenueExtension;
  name: string;
  /** The purpose the user stated (restricted objects take part only with one). */
  purpose: string | null;
}

export interface VenueContribution {
  alert: ThreatRow;
  contribution: RiskContribution;
  guidance: string | null;
  responses: AlertResponse[];
}

export interface VenueEvent { at: string; kind: 'alert' | 'sighting' | 'response' | 'correlation'; text: string; threatId: string | null }

export interface VenuePicture {
  level: RiskLevel;
  score: number;
  reasons: string[];
  contributing: VenueContribution[];
  timeline: VenueEvent[];
  /** Agencies with an operator on scene (a response "on-scene" not followed by "resolved"), by ledger organisation. */
  onSceneMsps: string[];
  /** Restricted objects left out for want of a purpose. */
  restrictedLeftOut: number;
  /** Every object the picture was computed from (for audit and reports). */
  rows: ThreatRow[];
}

export function argError(property: string, message: string, code: 'INVALID_ARGUMENT' | 'NOT_FOUND' = 'INVALID_ARGUMENT'): InputError {
  return new InputError(code, `${property}: ${message}`, { issues: [{ objectIndex: null, objectId: null, property, message }] });
}

/** Whether the venue is active at `now` (no window: always). */
export function isActive(venue: VenueExtension, now: Date): boolean {
  const t = now.getTime();
  return (!venue.starts || Date.parse(venue.starts) - 3_600_000 <= t) && (!venue.ends || Date.parse(venue.ends) >= t);
}

export class VenueService {
  private readonly pictures = new WeakMap<VenueView, Promise<VenuePicture>>();

  constructor(
    private readonly venues: VenueStore,
    private readonly store: ThreatStore,
    private readonly gate: EgressGate,
    private readonly directory: AgencyDirectory,
    private readonly correlations: CorrelationService<CorrelationSource>,
    private readonly threats: () => Pick<ThreatService, 'consult'>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private viewOf(row: ThreatRow, purpose: string | null): VenueView | null {
    const venue = venueOf(row.stix);
    return venue ? { row, venue, name: typeof row.stix.name === 'string' ? row.stix.name : row.id, purpose } : null;
  }

  /** The venues this user may see (their locations through the gate), active ones first. */
  async list(viewer: Viewer, purpose?: string | null): Promise<VenueView[]> {
    const why = purposeOf(viewer, purpose);
    const rows = (await this.gate.releaseAll(viewer, await this.venues.venues())).filter((r) => why !== null || !RESTRICTED.has(r.tlp));
    await this.threats().consult(viewer, rows, why, 'venues');
    const now = this.clock();
    const views = rows.flatMap((r) => this.viewOf(r, why) ?? []);
    return views.sort((a, b) => Number(isActive(b.venue, now)) - Number(isActive(a.venue, now)));
  }

  async get(viewer: Viewer, id: string, purpose?: string | null): Promise<VenueView | null> {
    if (!isStixId(id) || !id.startsWith('location--')) throw argError('id', `"${id}" is not the id of a venue (location--uuid)`);
    const row = await this.store.get(id);
    if (!row) return null;
    const released = await this.gate.release(viewer, row);
    if (!released.visible) return null;
    const why = purposeOf(viewer, purpose);
    if (why === null && RESTRICTED.has(released.row.tlp)) {
      throw new InputError('PURPOSE_REQUIRED', 'venue returns restricted (TLP:AMBER or stricter) data: state the purpose of this consultation', {
        issues: [{ objectIndex: null, objectId: null, property: 'purpose', message: 'required when restricted data is returned' }],
      });
    }
    await this.threats().consult(viewer, [released.row], why, 'venue');
    return this.viewOf(released.row, why);
  }

  /** The venue's risk picture for this user (computed once per view). */
  picture(viewer: Viewer, view: VenueView, only?: (row: ThreatRow) => boolean): Promise<VenuePicture> {
    if (only) return this.compute(viewer, view, only);
    let p = this.pictures.get(view);
    if (!p) this.pictures.set(view, (p = this.compute(viewer, view)));
    return p;
  }

  private async compute(viewer: Viewer, view: VenueView, only?: (row: ThreatRow) => boolean): Promise<VenuePicture> {
    const now = this.clock();
    const v = view.venue;
    const from = v.starts ? new Date(Date.parse(v.starts) - 3_600_000) : new Date(now.getTime() - LOOKBACK_MS);
    const candidates = await this.store.search({ alertsOnly: true, bbox: areaBBox(v.area), from }, null, MAX_ALERTS);
    let left = 0;
    const keep = (rows: ThreatRow[]): ThreatRow[] => rows.filter((r) => {
      const ok = (only ? only(r) : true) && (view.purpose !== null || !RESTRICTED.has(r.tlp));
      if (!ok) left++;
      return ok;
    });
    const alerts = keep(await this.gate.releaseAll(viewer, candidates));
    const sightings = keep(await this.gate.releaseAll(viewer, await this.venues.sightingsOf(alerts.map((a) => a.id))));
    const linked = await this.correlations.visible(viewer, alerts);
    const ids = new Set(alerts.map((a) => a.id));
    const links: [string, string][] = [];
    const timeline: VenueEvent[] = [];
    for (const [id, list] of linked) {
      for (const c of list) {
        if (!ids.has(c.other.id) || id > c.other.id) continue;
        links.push([id, c.other.id]);
        timeline.push({ at: c.link.foundAt, kind: 'correlation', text: `${c.subject.name ?? id} ↔ ${c.other.name ?? c.other.id}: ${c.why}`, threatId: id });
      }
    }
    const keyOf = (msp: string): string => this.directory.keyOf(msp);
    const sightingsOf = new Map<string, ThreatRow[]>();
    for (const s of sightings) sightingsOf.set(s.sightingOfRef as string, [...(sightingsOf.get(s.sightingOfRef as string) ?? []), s]);
    const picture = riskPicture(alerts.map((a) => {
      const ext = alertOf(a.stix);
      return {
        id: a.id, name: a.name, agency: keyOf(a.publisherMsp), category: a.category ?? 'other', severity: a.severity ?? 'low', modified: a.modified,
        expires: ext?.expires ?? null,
        sightings: (sightingsOf.get(a.id) ?? []).map((s) => ({
          agency: keyOf(s.publisherMsp), at: responseOf(s)?.at ?? s.modified, status: responseOf(s)?.status ?? null,
        })),
      };
    }), links, now);
    const onScene = new Map<string, string>();
    for (const r of responsesAmong(sightings)) onScene.set(`${r.alertId} ${r.agencyMsp}`, r.status);
    for (const a of alerts) timeline.push({ at: a.modified, kind: 'alert', text: `${keyOf(a.publisherMsp)}: ${a.name ?? a.id} (${a.category}, ${a.severity})`, threatId: a.id });
    for (const s of sightings) {
      const r = responseOf(s);
      timeline.push(r
        ? { at: r.at, kind: 'response', text: `${keyOf(s.publisherMsp)} ${r.responder}: ${r.status}`, threatId: r.alertId }
        : { at: s.modified, kind: 'sighting', text: `${keyOf(s.publisherMsp)} sighted it`, threatId: s.sightingOfRef });
    }
    await this.threats().consult(viewer, [...alerts, ...sightings], view.purpose, 'venue.picture');
    return {
      level: picture.level, score: picture.score, reasons: picture.reasons,
      contributing: alerts.map((alert, i) => ({
        alert, contribution: picture.contributions[i] as RiskContribution, guidance: alertOf(alert.stix)?.guidance ?? null,
        responses: responsesAmong(sightingsOf.get(alert.id) ?? []),
      })).sort((a, b) => b.contribution.points - a.contribution.points || b.contribution.basePoints - a.contribution.basePoints),
      timeline: timeline.sort((a, b) => a.at.localeCompare(b.at)),
      onSceneMsps: [...new Set([...onScene.entries()].filter(([, s]) => s === 'on-scene').map(([k]) => k.split(' ')[1] as string))],
      restrictedLeftOut: left,
      rows: [...alerts, ...sightings],
    };
  }
}
