/**
 * Person on the ground, from pose keypoints (a pose detector such as MoveNet): a person whose body lies horizontal in
 * the image — shoulders and hips (or ankles) at about the same height — for at least `minFrames` consecutive matched
 * frames, with the foot point in a watched ground zone → an event per track (category `other`,
 * `measurements.situation = "person-on-ground"`: someone fallen, injured or knocked down, for the operators to check).
 *
 * The body axis is taken from the best keypoints available (each needs `minKeypointScore`): shoulders → ankles, else
 * shoulders → hips (same side), else head → both shoulders for a person seen from the waist up. Its angle to the
 * image horizontal must be at most `maxAngleDeg`. The angle is measured in the image: a person lying along the
 * camera's line of sight looks upright and is missed, and a steep camera sees standing persons foreshortened.
 */
import type { AlertSeverity } from '@popart/schemas';
import type { Track } from '../tracking/tracker.js';
import type { Keypoint } from '../types.js';
import { firstZone, footIn, round, trackFinding, watchedTracks, type Finding, type Rule, type RuleContext, type Zone } from './rule.js';
import { severity, classes, type RulePlugin } from './rule-plugin.js';

export interface PersonOnGroundConfig {
  zones: string[];
  classes: string[];
  /** Consecutive matched frames lying before the event. */
  minFrames: number;
  /** Largest angle of the body axis to the image horizontal, degrees. */
  maxAngleDeg: number;
  /** Keypoints below this score are not used. */
  minKeypointScore: number;
  severity: AlertSeverity;
  areaRadiusM: number;
}

export const PERSON_ON_GROUND_DEFAULTS = {
  classes: ['person'], minFrames: 10, maxAngleDeg: 30, minKeypointScore: 0.3, severity: 'high' as AlertSeverity, areaRadiusM: 10,
};

export type BodyAxis = 'shoulders-ankles' | 'shoulders-hips' | 'head-shoulders';

/**
 * The body axis of a pose and its angle to the image horizontal (0° lying, 90° upright), or undefined if too few
 * keypoints. Points are paired on the same side (left shoulder → left ankle, right shoulder → right ankle; the mean of
 * the sides seen): a left point with a right one would tilt the axis by half the body's width. Head → shoulders needs
 * both shoulders (their midpoint) and the nose, or both eyes, or both ears.
 */
export function bodyAxis(keypoints: readonly Keypoint[], minScore: number): { axis: BodyAxis; angleDeg: number } | undefined {
  const at = (name: string): Keypoint | undefined => keypoints.find((k) => k.name === name && k.score >= minScore);
  const angle = (vectors: [number, number][]): number | undefined => {
    if (!vectors.length) return undefined;
    const dx = Math.abs(vectors.reduce((a, v) => a + v[0], 0) / vectors.length);
    const dy = Math.abs(vectors.reduce((a, v) => a + v[1], 0) / vectors.length);
    return dx + dy < 1 ? undefined : (Math.atan2(dy, dx) * 180) / Math.PI; // the same point: no direction
  };
  for (const [axis, lower] of [['shoulders-ankles', 'ankle'], ['shoulders-hips', 'hip']] as const) {
    const vectors: [number, number][] = [];
    for (const side of ['left', 'right']) {
      const top = at(`${side}_shoulder`);
      const bottom = at(`${side}_${lower}`);
      if (top && bottom) vectors.push([bottom.x - top.x, bottom.y - top.y]);
    }
    const a = angle(vectors);
    if (a !== undefined) return { axis, angleDeg: a };
  }
  const pair = (a: string, b: string): [number, number] | undefined => {
    const p = at(a);
    const q = at(b);
    return p && q ? [(p.x + q.x) / 2, (p.y + q.y) / 2] : undefined;
  };
  const shoulders = pair('left_shoulder', 'right_shoulder');
  const nose = at('nose');
  const head = (nose && [nose.x, nose.y] as [number, number]) ?? pair('left_eye', 'right_eye') ?? pair('left_ear', 'right_ear');
  const a = shoulders && head ? angle([[shoulders[0] - head[0], shoulders[1] - head[1]]]) : undefined;
  return a === undefined ? undefined : { axis: 'head-shoulders', angleDeg: a };
}

export class PersonOnGroundRule implements Rule {
  readonly name = 'personOnGround';
  /** Consecutive matched frames lying, per track id. */
  private readonly lying = new Map<string, { frames: number; sinceS: number }>();

  constructor(private readonly config: PersonOnGroundConfig) {}

  evaluate({ frame, tracks, zones, geometry }: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const track of watchedTracks(tracks, this.config.classes, this.lying)) {
      if (!track.matched) continue; // a briefly lost track keeps its count, without adding to it
      const zone = firstZone(this.config.zones, zones, track, footIn);
      const pose = zone && track.keypoints ? bodyAxis(track.keypoints, this.config.minKeypointScore) : undefined;
      if (!zone || !pose || pose.angleDeg > this.config.maxAngleDeg) {
        this.lying.delete(track.id);
        continue;
      }
      const state = this.lying.get(track.id) ?? { frames: 0, sinceS: frame.timeS };
      state.frames++;
      this.lying.set(track.id, state);
      if (state.frames < this.config.minFrames) continue;
      findings.push(this.finding(track, zone, pose, state, frame.timeS, geometry));
    }
    return findings;
  }

  private finding(track: Track, zone: Zone, pose: { axis: BodyAxis; angleDeg: number }, state: { frames: number; sinceS: number }, timeS: number, geometry: RuleContext['geometry']): Finding {
    return trackFinding({
      rule: this.name,
      key: `person-on-ground/${track.id}`,
      category: 'other',
      severity: this.config.severity,
      confidence: round(track.meanScore, 3),
      summary: `${track.label} on the ground in zone ${zone.name} for ${(timeS - state.sinceS).toFixed(1)} s (body ${pose.angleDeg.toFixed(0)}° from horizontal)`,
      measurements: {
        situation: 'person-on-ground', body_angle_deg: round(pose.angleDeg, 1), axis: pose.axis, frames: state.frames,
        duration_s: round(timeS - state.sinceS, 1), label: track.label,
      },
    }, track, zone, geometry, this.config.areaRadiusM);
  }
}

/** `rules.personOnGround` in the camera configuration: its fields, checks and defaults, and the rule it makes. */
export const PERSON_ON_GROUND_RULE: RulePlugin<PersonOnGroundConfig> = {
  summary: 'person lying on the ground (pose keypoints: shoulders and hips or ankles level) for N frames; needs a pose detector (movenet)',
  fields: ['zones', 'classes', 'minFrames', 'maxAngleDeg', 'minKeypointScore', 'severity', 'areaRadiusM'],
  sky: false,
  needsCalibration: false,
  needsPose: true,
  parse: (raw, path, f, zones) => ({
    zones,
    classes: classes(raw, path, f, PERSON_ON_GROUND_DEFAULTS.classes),
    minFrames: f.number(raw, 'minFrames', path, PERSON_ON_GROUND_DEFAULTS.minFrames, { min: 1, max: 10_000, integer: true }),
    maxAngleDeg: f.number(raw, 'maxAngleDeg', path, PERSON_ON_GROUND_DEFAULTS.maxAngleDeg, { above: 0, max: 90 }),
    minKeypointScore: f.number(raw, 'minKeypointScore', path, PERSON_ON_GROUND_DEFAULTS.minKeypointScore, { min: 0, max: 1 }),
    severity: severity(raw, path, f, PERSON_ON_GROUND_DEFAULTS.severity),
    areaRadiusM: f.number(raw, 'areaRadiusM', path, PERSON_ON_GROUND_DEFAULTS.areaRadiusM, { above: 0, max: 100_000 }),
  }),
  create: (c) => new PersonOnGroundRule(c),
};
