/**
 * Sudden crowd dispersal: within a ground zone, many person tracks that speed up at once and run away from a common
 * point (a fight, a weapon, a blast). Over the last `windowS` each track's ground velocity is compared with the window
 * before; a track disperses when it now moves at ≥ `minSpeedMps`, gained ≥ `minSpeedGainMps`, and heads away from the
 * centre of the dispersing tracks' starting points (within `maxAngleDeg`). At least `minTracks` dispersing tracks, and
 * at least `minFraction` of the tracks in the zone → a 'crowd-dispersal' event for the zone, its area a circle around
 * that centre.
 */
import type { AlertSeverity } from '@popart/schemas';
import type { Point } from '../geometry/polygon.js';
import type { Track } from '../tracking/tracker.js';
import { footIn, groundMotion, round, type Finding, type Rule, type RuleContext } from './rule.js';
import { severity, classes, type RulePlugin } from './rule-plugin.js';

export interface DispersalConfig {
  zones: string[];
  windowS: number;
  minSpeedMps: number;
  minSpeedGainMps: number;
  maxAngleDeg: number;
  minTracks: number;
  minFraction: number;
  classes: string[];
  severity: AlertSeverity;
}

export const DISPERSAL_DEFAULTS = {
  windowS: 1, minSpeedMps: 2.5, minSpeedGainMps: 1.5, maxAngleDeg: 60, minTracks: 4, minFraction: 0.5, classes: ['person'],
  severity: 'high' as AlertSeverity,
};

export class DispersalRule implements Rule {
  readonly name = 'crowdDispersal';

  constructor(private readonly config: DispersalConfig) {}

  evaluate({ frame, tracks, zones, geometry }: RuleContext): Finding[] {
    const c = this.config;
    const now = frame.timeS;
    const findings: Finding[] = [];
    for (const name of c.zones) {
      const zone = zones.get(name);
      if (!zone || zone.sky) continue;
      const inZone = tracks.filter((t) => c.classes.includes(t.label) && footIn(t, zone));
      const moving: { track: Track; start: Point; end: Point; velocity: Point; speed: number }[] = [];
      for (const track of inZone) {
        const recent = groundMotion(track, geometry, now - c.windowS, now);
        const before = groundMotion(track, geometry, now - 2 * c.windowS, now - c.windowS);
        if (!recent || !before) continue;
        if (recent.speed >= c.minSpeedMps && recent.speed - before.speed >= c.minSpeedGainMps) moving.push({ track, ...recent });
      }
      if (moving.length < c.minTracks) continue;
      const centre: Point = [moving.reduce((s, m) => s + m.start[0], 0) / moving.length, moving.reduce((s, m) => s + m.start[1], 0) / moving.length];
      const cosMax = Math.cos((c.maxAngleDeg * Math.PI) / 180);
      const away = moving.filter((m) => {
        const dx = m.start[0] - centre[0];
        const dy = m.start[1] - centre[1];
        const d = Math.hypot(dx, dy);
        if (d < 0.5) return true;
        return (dx * m.velocity[0] + dy * m.velocity[1]) / (d * m.speed) >= cosMax;
      });
      if (away.length < c.minTracks || away.length < c.minFraction * inZone.length) continue;
      const radius = Math.max(10, ...away.map((m) => Math.hypot(m.end[0] - centre[0], m.end[1] - centre[1])));
      const meanSpeed = away.reduce((s, m) => s + m.speed, 0) / away.length;
      const f: Finding = {
        rule: this.name,
        key: `crowd-dispersal/${zone.name}`,
        category: 'crowd-dispersal',
        severity: c.severity,
        confidence: round(Math.min(1, away.reduce((s, m) => s + m.track.meanScore, 0) / away.length), 3),
        summary: `sudden dispersal in zone ${zone.name}: ${away.length} of ${inZone.length} persons running away from one point at ${meanSpeed.toFixed(1)} m/s`,
        measurements: {
          tracks_dispersing: away.length, tracks_in_zone: inZone.length, mean_speed_mps: round(meanSpeed),
          centre_east_m: round(centre[0], 1), centre_north_m: round(centre[1], 1),
        },
        zone: zone.name,
        boxes: away.map((m) => m.track.box),
      };
      const area = geometry.circleAround(centre, radius) ?? geometry.polygonArea(zone.polygon) ?? geometry.cameraArea();
      if (area) f.area = area;
      findings.push(f);
    }
    return findings;
  }
}

/** `rules.crowdDispersal` in the camera configuration: its fields, checks and defaults, and the rule it makes. */
export const DISPERSAL_RULE: RulePlugin<DispersalConfig> = {
  summary: 'many persons suddenly running away from one point',
  fields: ['zones', 'windowS', 'minSpeedMps', 'minSpeedGainMps', 'maxAngleDeg', 'minTracks', 'minFraction', 'classes', 'severity'],
  sky: false,
  needsCalibration: true,
  parse: (raw, path, f, zones) => ({
    zones,
    windowS: f.number(raw, 'windowS', path, DISPERSAL_DEFAULTS.windowS, { above: 0, max: 30 }),
    minSpeedMps: f.number(raw, 'minSpeedMps', path, DISPERSAL_DEFAULTS.minSpeedMps, { above: 0, max: 50 }),
    minSpeedGainMps: f.number(raw, 'minSpeedGainMps', path, DISPERSAL_DEFAULTS.minSpeedGainMps, { min: 0, max: 50 }),
    maxAngleDeg: f.number(raw, 'maxAngleDeg', path, DISPERSAL_DEFAULTS.maxAngleDeg, { above: 0, max: 180 }),
    minTracks: f.number(raw, 'minTracks', path, DISPERSAL_DEFAULTS.minTracks, { min: 2, max: 10_000, integer: true }),
    minFraction: f.number(raw, 'minFraction', path, DISPERSAL_DEFAULTS.minFraction, { min: 0, max: 1 }),
    classes: classes(raw, path, f, DISPERSAL_DEFAULTS.classes),
    severity: severity(raw, path, f, DISPERSAL_DEFAULTS.severity),
  }),
  create: (c) => new DispersalRule(c),
};
