/**
 * The risk level of a venue, from the alerts concerning it that the user may see: the rule of docs/situation.md,
 * written once here. Pure: the same inputs and time give the same level, score and reasons.
 *
 * 1. An alert counts unless it has expired or an agency has resolved it.
 * 2. Its points: severity (low 1, medium 2, high 4, critical 8) × category weight × recency, where recency halves every
 *    30 minutes since its last activity (its latest version or the latest sighting of it).
 * 3. Alerts linked by a correlation (the same drone seen by two sensors) are one incident: it counts once, at its
 *    strongest alert, × corroboration: 1 + 0.5 for each agency beyond the first that published or sighted one of its
 *    alerts, at most × 2.
 * 4. The venue's score is the sum over incidents; level: normal below 2, elevated from 2, high from 6, critical from 12.
 */
export const RISK_RULE = {
  severity: { low: 1, medium: 2, high: 4, critical: 8 } as Record<string, number>,
  category: {
    explosion: 1.5, gunshot: 1.5, violence: 1.25, 'vehicle-in-pedestrian-zone': 1.25, drone: 1, 'crowd-density': 1,
    'crowd-dispersal': 1, intrusion: 1, loitering: 0.5, other: 0.5,
  } as Record<string, number>,
  halfLifeMinutes: 30,
  corroborationStep: 0.5,
  corroborationMax: 2,
  levels: [['critical', 12], ['high', 6], ['elevated', 2]] as [RiskLevel, number][],
};

export type RiskLevel = 'normal' | 'elevated' | 'high' | 'critical';

export interface RiskAlert {
  id: string;
  name: string | null;
  /** Publishing agency (key). */
  agency: string;
  category: string;
  severity: string;
  modified: string;
  expires: string | null;
  /** Sightings and responses of the alert the user may see. */
  sightings: { agency: string; at: string; status: string | null }[];
}

export interface RiskContribution {
  alertId: string;
  counted: boolean;
  /** The incident's points when this alert is its strongest, else 0. */
  points: number;
  /** The alert's own points before corroboration. */
  basePoints: number;
  incident: number;
  reasons: string[];
}

export interface RiskPicture {
  level: RiskLevel;
  score: number;
  reasons: string[];
  contributions: RiskContribution[];
}

const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

function ago(ms: number): string {
  const min = Math.round(ms / 60_000);
  return min < 60 ? `${min} min ago` : `${(min / 60).toFixed(1)} h ago`;
}

/** The risk picture of alerts (visible to the user) linked by `links` (pairs of alert ids), at `now`. */
export function riskPicture(alerts: readonly RiskAlert[], links: readonly [string, string][], now: Date, rule = RISK_RULE): RiskPicture {
  const t = now.getTime();
  const contributions = new Map<string, RiskContribution>();
  /** Unrounded points, to choose the strongest alert of an incident (ties: the earlier report). */
  const raw = new Map<string, number>();
  const counted: RiskAlert[] = [];
  for (const a of alerts) {
    const resolved = a.sightings.find((s) => s.status === 'resolved');
    const expired = a.expires !== null && Date.parse(a.expires) <= t;
    if (resolved || expired) {
      contributions.set(a.id, { alertId: a.id, counted: false, points: 0, basePoints: 0, incident: -1,
        reasons: [resolved ? `resolved by ${resolved.agency} at ${resolved.at}: not counted` : `expired at ${a.expires}: not counted`] });
      continue;
    }
    const last = Math.max(Date.parse(a.modified), ...a.sightings.map((s) => Date.parse(s.at)).filter((v) => !Number.isNaN(v)));
    const age = Math.max(0, t - last);
    const recency = 0.5 ** (age / (rule.halfLifeMinutes * 60_000));
    const severity = rule.severity[a.severity] ?? 1;
    const weight = rule.category[a.category] ?? 0.5;
    const base = severity * weight * recency;
    raw.set(a.id, base);
    contributions.set(a.id, { alertId: a.id, counted: true, points: 0, basePoints: round(base), incident: -1,
      reasons: [`${a.severity} ${severity} × ${a.category} ${weight} × recency ${round(recency)} (last activity ${ago(age)}) = ${round(base)}`] });
    counted.push(a);
  }
  // Incidents: alerts connected by links (union-find over the counted alerts).
  const parent = new Map(counted.map((a) => [a.id, a.id]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  for (const [x, y] of links) if (parent.has(x) && parent.has(y)) parent.set(find(x), find(y));
  const incidents = new Map<string, RiskAlert[]>();
  for (const a of counted) incidents.set(find(a.id), [...(incidents.get(find(a.id)) ?? []), a]);
  let score = 0;
  const reasons: string[] = [];
  let n = 0;
  for (const members of incidents.values()) {
    const strongest = members.reduce((best, a) => {
      const d = (raw.get(a.id) ?? 0) - (raw.get(best.id) ?? 0);
      return d > 1e-9 || (Math.abs(d) <= 1e-9 && Date.parse(a.modified) < Date.parse(best.modified)) ? a : best;
    });
    const agencies = new Set(members.flatMap((a) => [a.agency, ...a.sightings.map((s) => s.agency)]));
    const others = [...agencies].filter((x) => x !== strongest.agency);
    const corroboration = Math.min(rule.corroborationMax, 1 + rule.corroborationStep * others.length);
    const c = contributions.get(strongest.id) as RiskContribution;
    const points = round(c.basePoints * corroboration);
    score += points;
    for (const a of members) {
      const m = contributions.get(a.id) as RiskContribution;
      m.incident = n;
      if (a !== strongest) m.reasons.push(`same incident as ${strongest.name ?? strongest.id}: counted once, there`);
    }
    c.points = points;
    if (others.length) c.reasons.push(`corroborated by ${others.join(', ')}: × ${corroboration}`);
    c.reasons.push(`incident points ${points}${members.length > 1 ? ` (${members.length} linked alerts)` : ''}`);
    reasons.push(`${strongest.category} ${strongest.severity} (${strongest.name ?? strongest.id}, ${strongest.agency})` +
      `${members.length > 1 ? ` with ${members.length - 1} linked alert(s)` : ''}${others.length ? `, corroborated by ${others.join(', ')}` : ''}: ${points} points`);
    n++;
  }
  score = round(score);
  const level = rule.levels.find(([, min]) => score >= min)?.[0] ?? 'normal';
  const threshold = rule.levels.find(([l]) => l === level)?.[1];
  reasons.unshift(`${level}: score ${score}${threshold !== undefined ? ` (${threshold} or more)` : ` (below ${rule.levels.at(-1)?.[1]})`} from ${incidents.size} incident(s) among ${alerts.length} alert(s)`);
  return { level, score, reasons, contributions: alerts.map((a) => contributions.get(a.id) as RiskContribution) };
}
