/**
 * Vehicle moving in a pedestrian zone (ramming risk): a vehicle track whose foot point is inside the zone and whose
 * ground speed is at least `minSpeedMps` for `minFrames` consecutive frames → a 'vehicle-in-pedestrian-zone' event per
 * track; critical at `criticalSpeedMps` or when persons are in the zone with it.
 */
import type { AlertSeverity } from '@popart/schemas';
import { firstZone, footIn, groundMotion, round, trackFinding, type Finding, type Rule, type RuleContext } from './rule.js';
import { classes, type RulePlugin } from './rule-plugin.js';

export interface VehicleRuleConfig {
  zones: string[];
  classes: string[];
  minSpeedMps: number;
  criticalSpeedMps: number;
  minFrames: number;
  /** Seconds over which speed is measured. */
  speedWindowS: number;
  areaRadiusM: number;
}

export const VEHICLE_DEFAULTS = { classes: ['car', 'truck', 'bus', 'motorcycle'], minSpeedMps: 1.5, criticalSpeedMps: 8, minFrames: 3, speedWindowS: 1, areaRadiusM: 25 };

export class VehicleInPedestrianZoneRule implements Rule {
  readonly name = 'vehicleInPedestrianZone';
  private readonly streak = new Map<string, { frames: number; lastTick: number }>();
  private tick = 0;

  constructor(private readonly config: VehicleRuleConfig) {}

  evaluate({ frame, tracks, zones, geometry }: RuleContext): Finding[] {
    this.tick++;
    const findings: Finding[] = [];
    for (const track of tracks) {
      if (!track.matched || !this.config.classes.includes(track.label)) continue;
      const zone = firstZone(this.config.zones, zones, track, footIn);
      if (!zone) continue;
      const motion = groundMotion(track, geometry, frame.timeS - this.config.speedWindowS, frame.timeS);
      if (!motion || motion.speed < this.config.minSpeedMps) continue;
      const prev = this.streak.get(track.id);
      const s = { frames: prev && prev.lastTick === this.tick - 1 ? prev.frames + 1 : 1, lastTick: this.tick };
      this.streak.set(track.id, s);
      if (s.frames < this.config.minFrames) continue;
      const persons = tracks.filter((t) => t.matched && t.label === 'person' && footIn(t, zone)).length;
      const severity: AlertSeverity = motion.speed >= this.config.criticalSpeedMps || persons > 0 ? 'critical' : 'high';
      findings.push(trackFinding({
        rule: this.name,
        key: `vehicle-in-pedestrian-zone/${track.id}`,
        category: 'vehicle-in-pedestrian-zone',
        severity,
        confidence: round(track.meanScore, 3),
        summary: `${track.label} moving at ${(motion.speed * 3.6).toFixed(0)} km/h in pedestrian zone ${zone.name}` + (persons ? ` with ${persons} person(s)` : ''),
        measurements: { speed_mps: round(motion.speed), speed_kmh: round(motion.speed * 3.6, 1), persons_in_zone: persons, label: track.label },
      }, track, zone, geometry, this.config.areaRadiusM));
    }
    for (const [id, s] of [...this.streak]) if (s.lastTick !== this.tick) this.streak.delete(id);
    return findings;
  }
}

/** `rules.vehicleInPedestrianZone` in the camera configuration: its fields, checks and defaults, and the rule it makes. */
export const VEHICLE_RULE: RulePlugin<VehicleRuleConfig> = {
  summary: 'vehicle moving in a pedestrian zone (ramming risk)',
  fields: ['zones', 'classes', 'minSpeedMps', 'criticalSpeedMps', 'minFrames', 'speedWindowS', 'areaRadiusM'],
  sky: false,
  needsCalibration: true,
  parse: (raw, path, f, zones) => ({
    zones,
    classes: classes(raw, path, f, VEHICLE_DEFAULTS.classes),
    minSpeedMps: f.number(raw, 'minSpeedMps', path, VEHICLE_DEFAULTS.minSpeedMps, { min: 0, max: 100 }),
    criticalSpeedMps: f.number(raw, 'criticalSpeedMps', path, VEHICLE_DEFAULTS.criticalSpeedMps, { min: 0, max: 100 }),
    minFrames: f.number(raw, 'minFrames', path, VEHICLE_DEFAULTS.minFrames, { min: 1, max: 10_000, integer: true }),
    speedWindowS: f.number(raw, 'speedWindowS', path, VEHICLE_DEFAULTS.speedWindowS, { above: 0, max: 30 }),
    areaRadiusM: f.number(raw, 'areaRadiusM', path, VEHICLE_DEFAULTS.areaRadiusM, { above: 0, max: 100_000 }),
  }),
  create: (c) => new VehicleInPedestrianZoneRule(c),
};
