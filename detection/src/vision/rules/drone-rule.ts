/**
 * Aerial object in a restricted sky zone: a track of an aerial class (a drone class of the agency's own model, or
 * COCO's airplane/bird/kite as proxies) whose box centre stays inside a sky zone for at least `minFrames` consecutive
 * frames → a 'drone' event, one per track. The area is the camera's circle (a sky object's distance is unknown).
 */
import type { AlertSeverity } from '@popart/schemas';
import type { Track } from '../tracking/tracker.js';
import { centreIn, firstZone, round, type Finding, type Rule, type RuleContext, type Zone } from './rule.js';
import { severity, classes, type RulePlugin } from './rule-plugin.js';

export interface DroneRuleConfig {
  zones: string[];
  classes: string[];
  minFrames: number;
  severity: AlertSeverity;
  /** Radius of the reported area around the camera, metres (default: camera.viewRadiusM). */
  areaRadiusM?: number;
}

export const DRONE_DEFAULTS = { classes: ['drone', 'airplane', 'bird', 'kite'], minFrames: 5, severity: 'high' as AlertSeverity };

export class DroneRule implements Rule {
  readonly name = 'drone';
  /** Consecutive evaluated frames in a sky zone, per track id (a briefly lost track keeps its streak). */
  private readonly streak = new Map<string, { frames: number; sinceS: number; lastTick: number }>();
  private tick = 0;

  constructor(private readonly config: DroneRuleConfig) {}

  evaluate({ frame, tracks, zones, geometry }: RuleContext): Finding[] {
    this.tick++;
    const findings: Finding[] = [];
    for (const track of tracks) {
      if (!this.config.classes.includes(track.label)) continue;
      const zone = firstZone(this.config.zones, zones, track, centreIn);
      if (!zone) continue;
      const prev = this.streak.get(track.id);
      const continues = prev && prev.lastTick === this.tick - 1;
      if (!track.matched) {
        if (continues) prev.lastTick = this.tick;
        continue;
      }
      const s = continues ? { ...prev, frames: prev.frames + 1, lastTick: this.tick } : { frames: 1, sinceS: frame.timeS, lastTick: this.tick };
      this.streak.set(track.id, s);
      if (s.frames < this.config.minFrames) continue;
      findings.push(this.finding(track, zone, s.frames, frame.timeS - s.sinceS, geometry.cameraArea(this.config.areaRadiusM)));
    }
    for (const [id, s] of [...this.streak]) if (s.lastTick !== this.tick) this.streak.delete(id);
    return findings;
  }

  private finding(track: Track, zone: Zone, frames: number, seconds: number, area: Finding['area']): Finding {
    const f: Finding = {
      rule: this.name,
      key: `drone/${track.id}`,
      category: 'drone',
      severity: this.config.severity,
      confidence: round(track.meanScore, 3),
      summary: `aerial object (${track.label}) in restricted sky zone ${zone.name} for ${frames} frames`,
      measurements: { frames_in_zone: frames, seconds_in_zone: round(seconds), label: track.label, score: round(track.score, 3) },
      trackId: track.id,
      zone: zone.name,
      boxes: [track.box],
    };
    if (area) f.area = area;
    return f;
  }
}

/** `rules.drone` in the camera configuration: its fields, checks and defaults, and the rule it makes. */
export const DRONE_RULE: RulePlugin<DroneRuleConfig> = {
  summary: 'aerial object (drone class, or airplane/bird/kite) in a restricted sky zone for N frames',
  fields: ['zones', 'classes', 'minFrames', 'severity', 'areaRadiusM'],
  sky: true,
  needsCalibration: false,
  parse: (raw, path, f, zones) => {
    const c: DroneRuleConfig = {
      zones,
      classes: classes(raw, path, f, DRONE_DEFAULTS.classes),
      minFrames: f.number(raw, 'minFrames', path, DRONE_DEFAULTS.minFrames, { min: 1, max: 10_000, integer: true }),
      severity: severity(raw, path, f, DRONE_DEFAULTS.severity),
    };
    const r = f.number(raw, 'areaRadiusM', path, undefined, { above: 0, max: 100_000 });
    if (r !== undefined) c.areaRadiusM = r;
    return c;
  },
  create: (c) => new DroneRule(c),
};
