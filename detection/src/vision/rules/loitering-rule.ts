/**
 * Loitering: a track (persons by default) whose foot point stays inside a zone for at least `dwellS` seconds → a
 * 'loitering' event per track; leaving the zone for more than `graceS` resets the clock.
 */
import type { AlertSeverity } from '@popart/schemas';
import { firstZone, footIn, round, trackFinding, watchedTracks, type Finding, type Rule, type RuleContext } from './rule.js';
import { severity, classes, type RulePlugin } from './rule-plugin.js';

export interface LoiteringConfig {
  zones: string[];
  dwellS: number;
  graceS: number;
  classes: string[];
  severity: AlertSeverity;
  areaRadiusM: number;
}

export const LOITERING_DEFAULTS = { graceS: 2, classes: ['person'], severity: 'low' as AlertSeverity, areaRadiusM: 10 };

export class LoiteringRule implements Rule {
  readonly name = 'loitering';
  private readonly entered = new Map<string, { sinceS: number; lastInS: number; zone: string }>();

  constructor(private readonly config: LoiteringConfig) {}

  evaluate({ frame, tracks, zones, geometry }: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const track of watchedTracks(tracks, this.config.classes, this.entered)) {
      const zone = firstZone(this.config.zones, zones, track, footIn);
      const prev = this.entered.get(track.id);
      if (!zone) {
        if (prev && frame.timeS - prev.lastInS > this.config.graceS) this.entered.delete(track.id);
        continue;
      }
      const state = prev && prev.zone === zone.name ? { ...prev, lastInS: frame.timeS } : { sinceS: frame.timeS, lastInS: frame.timeS, zone: zone.name };
      this.entered.set(track.id, state);
      const dwell = frame.timeS - state.sinceS;
      if (dwell < this.config.dwellS || !track.matched) continue;
      findings.push(trackFinding({
        rule: this.name,
        key: `loitering/${track.id}`,
        category: 'loitering',
        severity: this.config.severity,
        confidence: round(track.meanScore, 3),
        summary: `${track.label} loitering in zone ${zone.name} for ${dwell.toFixed(0)} s`,
        measurements: { dwell_s: round(dwell, 1), label: track.label },
      }, track, zone, geometry, this.config.areaRadiusM));
    }
    return findings;
  }
}

/** `rules.loitering` in the camera configuration: its fields, checks and defaults, and the rule it makes. */
export const LOITERING_RULE: RulePlugin<LoiteringConfig> = {
  summary: 'dwell time of a person in a zone',
  fields: ['zones', 'dwellS', 'graceS', 'classes', 'severity', 'areaRadiusM'],
  sky: false,
  needsCalibration: false,
  parse: (raw, path, f, zones) => ({
    zones,
    dwellS: f.requiredNumber(raw, 'dwellS', path, { above: 0, max: 86_400 }),
    graceS: f.number(raw, 'graceS', path, LOITERING_DEFAULTS.graceS, { min: 0, max: 3600 }),
    classes: classes(raw, path, f, LOITERING_DEFAULTS.classes),
    severity: severity(raw, path, f, LOITERING_DEFAULTS.severity),
    areaRadiusM: f.number(raw, 'areaRadiusM', path, LOITERING_DEFAULTS.areaRadiusM, { above: 0, max: 100_000 }),
  }),
  create: (c) => new LoiteringRule(c),
};
