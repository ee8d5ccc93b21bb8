/**
 * Crowd density: persons standing in a ground zone (foot point inside) divided by the zone's ground area → persons per
 * m². At or above a threshold for `minDurationS` → a 'crowd-density' event for the zone, its severity from the highest
 * threshold reached (typical guidance: above 2 /m² crowd pressure builds, above 4–5 /m² it becomes dangerous).
 */
import type { AlertSeverity } from '@popart/schemas';
import { footIn, round, SEVERITIES, type Finding, type Rule, type RuleContext, type Zone } from './rule.js';
import { classes, type RulePlugin } from './rule-plugin.js';

export interface CrowdDensityConfig {
  zones: string[];
  /** Persons per m² from which each severity applies; at least one. */
  thresholds: Partial<Record<AlertSeverity, number>>;
  /** Seconds the density must stay at or above the lowest threshold. */
  minDurationS: number;
  classes: string[];
}

export const CROWD_DENSITY_DEFAULTS = { thresholds: { medium: 2, high: 4, critical: 5 }, minDurationS: 2, classes: ['person'] };

export class CrowdDensityRule implements Rule {
  readonly name = 'crowdDensity';
  private readonly since = new Map<string, number>();
  private readonly levels: [AlertSeverity, number][];

  constructor(private readonly config: CrowdDensityConfig) {
    this.levels = SEVERITIES.filter((s) => config.thresholds[s] !== undefined).map((s) => [s, config.thresholds[s]!] as [AlertSeverity, number]);
  }

  evaluate({ frame, tracks, zones, geometry }: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const name of this.config.zones) {
      const zone = zones.get(name);
      if (!zone?.areaM2) continue;
      const inside = tracks.filter((t) => t.matched && this.config.classes.includes(t.label) && footIn(t, zone));
      const density = inside.length / zone.areaM2;
      const level = [...this.levels].reverse().find(([, min]) => density >= min);
      if (!level) {
        this.since.delete(name);
        continue;
      }
      const since = this.since.get(name) ?? frame.timeS;
      this.since.set(name, since);
      if (frame.timeS - since < this.config.minDurationS) continue;
      findings.push(this.finding(zone, level[0], density, inside.length, frame.timeS - since, inside.map((t) => t.box), geometry.polygonArea(zone.polygon) ?? geometry.cameraArea(),
        inside.reduce((s, t) => s + t.meanScore, 0) / inside.length));
    }
    return findings;
  }

  private finding(zone: Zone, severity: AlertSeverity, density: number, persons: number, seconds: number, boxes: Finding['boxes'], area: Finding['area'], score: number): Finding {
    const f: Finding = {
      rule: this.name,
      key: `crowd-density/${zone.name}`,
      category: 'crowd-density',
      severity,
      confidence: round(score, 3),
      summary: `crowd density ${density.toFixed(2)} persons/m² in zone ${zone.name} (${persons} persons on ${zone.areaM2!.toFixed(0)} m²)`,
      measurements: { density_per_m2: round(density, 3), persons, area_m2: round(zone.areaM2!, 1), seconds_above_threshold: round(seconds) },
      zone: zone.name,
      boxes,
    };
    if (area) f.area = area;
    return f;
  }
}

/** `rules.crowdDensity` in the camera configuration: its fields, checks and defaults, and the rule it makes. */
export const CROWD_DENSITY_RULE: RulePlugin<CrowdDensityConfig> = {
  summary: 'persons per m² in a ground zone above thresholds',
  fields: ['zones', 'thresholds', 'minDurationS', 'classes'],
  sky: false,
  needsCalibration: true,
  parse: (raw, path, f, zones) => {
    const thresholds: Partial<Record<AlertSeverity, number>> = {};
    const t = f.object(raw.thresholds, [...path, 'thresholds'], SEVERITIES);
    if (t) {
      for (const s of SEVERITIES) {
        const v = f.number(t, s, [...path, 'thresholds'], undefined, { above: 0, max: 20 });
        if (v !== undefined) thresholds[s] = v;
      }
      if (!Object.keys(thresholds).length) f.issue([...path, 'thresholds'], 'must give at least one of low, medium, high, critical (persons per m²)');
      const ordered = SEVERITIES.filter((s) => thresholds[s] !== undefined).map((s) => thresholds[s]!);
      if (ordered.some((v, i) => i > 0 && v <= ordered[i - 1]!)) f.issue([...path, 'thresholds'], 'must increase with severity (low < medium < high < critical)');
    }
    return {
      zones,
      thresholds: t ? thresholds : { ...CROWD_DENSITY_DEFAULTS.thresholds },
      minDurationS: f.number(raw, 'minDurationS', path, CROWD_DENSITY_DEFAULTS.minDurationS, { min: 0, max: 3600 }),
      classes: classes(raw, path, f, CROWD_DENSITY_DEFAULTS.classes),
    };
  },
  create: (c) => new CrowdDensityRule(c),
};
