/**
 * Crowd density: persons standing in a ground zone (foot point inside) divided by the zone's ground area → persons per
 * m²; and, where counting saturates (a dense crowd hides itself), from the share of the zone the crowd covers
 * (`occupancy`, density/occupancy-estimator.ts): that estimate is reported when it is above `countBelowPerM2` and above
 * the count. At or above a threshold for `minDurationS` → a 'crowd-density' event for the zone, its severity from the
 * highest threshold reached (typical guidance: above 2 /m² crowd pressure builds, above 4–5 /m² it becomes dangerous).
 */
import type { AlertSeverity } from '@popart/schemas';
import { OCCUPANCY_DEFAULTS, OccupancyEstimator, type OccupancyConfig, type OccupancyMeasure } from '../density/occupancy-estimator.js';
import type { CameraGeometry } from '../geometry/camera-geometry.js';
import { footIn, round, SEVERITIES, type Finding, type Rule, type RuleContext, type Zone } from './rule.js';
import type { ConfigPath } from '../config/config-error.js';
import type { Fields, Raw } from '../config/fields.js';
import { classes, type RulePlugin } from './rule-plugin.js';

export interface CrowdDensityConfig {
  zones: string[];
  /** Persons per m² from which each severity applies; at least one. */
  thresholds: Partial<Record<AlertSeverity, number>>;
  /** Seconds the density must stay at or above the lowest threshold. */
  minDurationS: number;
  classes: string[];
  /** Density from the crowd's cover of the zone (false: from the count only). */
  occupancy: OccupancyConfig | false;
}

export const CROWD_DENSITY_DEFAULTS = { thresholds: { medium: 2, high: 4, critical: 5 }, minDurationS: 2, classes: ['person'], occupancy: OCCUPANCY_DEFAULTS };

export class CrowdDensityRule implements Rule {
  readonly name = 'crowdDensity';
  private readonly since = new Map<string, number>();
  private readonly levels: [AlertSeverity, number][];
  private readonly estimators = new Map<string, OccupancyEstimator>();

  constructor(private readonly config: CrowdDensityConfig) {
    this.levels = SEVERITIES.filter((s) => config.thresholds[s] !== undefined).map((s) => [s, config.thresholds[s]!] as [AlertSeverity, number]);
  }

  evaluate({ frame, tracks, zones, geometry, image }: RuleContext): Finding[] {
    const findings: Finding[] = [];
    const lowest = this.levels[0]?.[1] ?? Infinity;
    for (const name of this.config.zones) {
      const zone = zones.get(name);
      if (!zone?.areaM2) continue;
      const inside = tracks.filter((t) => t.matched && this.config.classes.includes(t.label) && footIn(t, zone));
      const counted = inside.length / zone.areaM2;
      let occupancy: OccupancyMeasure | undefined;
      const estimator = image && this.estimator(zone, geometry);
      if (estimator) {
        // Objects that are not persons (a van, a bus) cover the zone too: left out of the cover.
        const others = tracks.filter((t) => t.matched && !this.config.classes.includes(t.label)).map((t) => t.box);
        occupancy = estimator.measure(image, frame.timeS, others);
      }
      const { density, fromCover } = combinedDensity(counted, occupancy?.density, this.config.occupancy);
      estimator?.learn(frame.timeS, density < lowest);
      const level = [...this.levels].reverse().find(([, min]) => density >= min);
      if (!level) {
        this.since.delete(name);
        continue;
      }
      const since = this.since.get(name) ?? frame.timeS;
      this.since.set(name, since);
      if (frame.timeS - since < this.config.minDurationS) continue;
      const score = fromCover ? COVER_CONFIDENCE : inside.reduce((s, t) => s + t.meanScore, 0) / inside.length;
      findings.push(this.finding(zone, level[0], density, inside.length, occupancy, fromCover, frame.timeS - since, inside.map((t) => t.box),
        geometry.polygonArea(zone.polygon) ?? geometry.cameraArea(), score));
    }
    return findings;
  }

  private estimator(zone: Zone, geometry: CameraGeometry): OccupancyEstimator | undefined {
    if (!this.config.occupancy || !geometry.calibrated) return undefined;
    let e = this.estimators.get(zone.name);
    if (!e) this.estimators.set(zone.name, (e = new OccupancyEstimator(this.config.occupancy, geometry, zone.polygon)));
    return e;
  }

  private finding(zone: Zone, severity: AlertSeverity, density: number, persons: number, occupancy: OccupancyMeasure | undefined, fromCover: boolean, seconds: number,
    boxes: Finding['boxes'], area: Finding['area'], score: number): Finding {
    const estimated = Math.round(density * zone.areaM2!);
    const how = fromCover ? `about ${estimated} persons on ${zone.areaM2!.toFixed(0)} m² from the crowd's cover of ${Math.round(occupancy!.covered * 100)} % of the zone; ${persons} counted`
      : `${persons} persons on ${zone.areaM2!.toFixed(0)} m²`;
    const measurements: Finding['measurements'] = {
      density_per_m2: round(density, 3), method: fromCover ? 'cover' : 'count', persons: fromCover ? estimated : persons, persons_counted: persons,
      area_m2: round(zone.areaM2!, 1), seconds_above_threshold: round(seconds),
    };
    if (occupancy) {
      measurements.cover = round(occupancy.covered, 3);
      measurements.density_from_cover_per_m2 = round(occupancy.density, 3);
    }
    const f: Finding = {
      rule: this.name,
      key: `crowd-density/${zone.name}`,
      category: 'crowd-density',
      severity,
      confidence: round(score, 3),
      summary: `crowd density ${density.toFixed(2)} persons/m² in zone ${zone.name} (${how})`,
      measurements,
      zone: zone.name,
      boxes,
    };
    if (area) f.area = area;
    return f;
  }
}

/**
 * The density reported: from the cover when it says more than the count and more than `countBelowPerM2` (where
 * persons can still be told apart, the count is the better measure), else the count.
 */
export function combinedDensity(counted: number, fromCover: number | undefined, occupancy: OccupancyConfig | false): { density: number; fromCover: boolean } {
  const cover = occupancy !== false && fromCover !== undefined && fromCover > Math.max(counted, occupancy.countBelowPerM2);
  return { density: cover ? fromCover : counted, fromCover: cover };
}

/**
 * The confidence of a density from the cover: the estimate rests on a person model (size, shape) and on a learnt
 * background, not on persons seen one by one (docs/detection.md gives its error on the evaluation scenes).
 */
const COVER_CONFIDENCE = 0.6;

/** `rules.crowdDensity` in the camera configuration: its fields, checks and defaults, and the rule it makes. */
export const CROWD_DENSITY_RULE: RulePlugin<CrowdDensityConfig> = {
  summary: 'persons per m² in a ground zone above thresholds',
  fields: ['zones', 'thresholds', 'minDurationS', 'classes', 'occupancy'],
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
      occupancy: parseOccupancy(raw, path, f),
    };
  },
  create: (c) => new CrowdDensityRule(c),
};

const OCCUPANCY_FIELDS = ['sampleEveryS', 'samples', 'diffThreshold', 'countBelowPerM2', 'maxPixels'] as const;

/** `occupancy`: `false` turns the cover estimate off; a mapping changes its settings; absent, the defaults. */
function parseOccupancy(raw: Raw, path: ConfigPath, f: Fields): OccupancyConfig | false {
  if (raw.occupancy === false) return false;
  const p = [...path, 'occupancy'];
  const o = raw.occupancy === undefined || raw.occupancy === true ? {} : f.object(raw.occupancy, p, OCCUPANCY_FIELDS);
  const d = OCCUPANCY_DEFAULTS;
  return {
    sampleEveryS: f.number(o, 'sampleEveryS', p, d.sampleEveryS, { above: 0, max: 86400 }),
    samples: f.number(o, 'samples', p, d.samples, { min: 1, max: 99, integer: true }),
    diffThreshold: f.number(o, 'diffThreshold', p, d.diffThreshold, { above: 0, max: 765 }),
    countBelowPerM2: f.number(o, 'countBelowPerM2', p, d.countBelowPerM2, { min: 0, max: 20 }),
    maxPixels: f.number(o, 'maxPixels', p, d.maxPixels, { min: 100, max: 10_000_000, integer: true }),
  };
}
