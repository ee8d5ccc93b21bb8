/**
 * The rules, in one explicit map from their name under `rules:` in the camera config to their parser and class. Each
 * rule names the zones it watches; a rule is on when its section is present.
 */
import type { AlertSeverity } from '@popart/schemas';
import type { ConfigPath } from '../config/config-error.js';
import type { Fields, Raw } from '../config/fields.js';
import { CROWD_DENSITY_DEFAULTS, CrowdDensityRule, type CrowdDensityConfig } from './crowd-density-rule.js';
import { DISPERSAL_DEFAULTS, DispersalRule, type DispersalConfig } from './dispersal-rule.js';
import { DRONE_DEFAULTS, DroneRule, type DroneRuleConfig } from './drone-rule.js';
import { LOITERING_DEFAULTS, LoiteringRule, type LoiteringConfig } from './loitering-rule.js';
import { PERSON_ON_GROUND_DEFAULTS, PersonOnGroundRule, type PersonOnGroundConfig } from './person-on-ground-rule.js';
import { SEVERITIES, type Rule, type Zone } from './rule.js';
import { VEHICLE_DEFAULTS, VehicleInPedestrianZoneRule, type VehicleRuleConfig } from './vehicle-rule.js';

export interface RulesConfig {
  drone?: DroneRuleConfig;
  crowdDensity?: CrowdDensityConfig;
  crowdDispersal?: DispersalConfig;
  loitering?: LoiteringConfig;
  vehicleInPedestrianZone?: VehicleRuleConfig;
  personOnGround?: PersonOnGroundConfig;
}

export interface RuleParseContext {
  zones: ReadonlyMap<string, Zone>;
  /** The camera has a ground calibration. */
  calibrated: boolean;
  /** The detector gives pose keypoints (movenet). */
  pose?: boolean;
}

interface RuleEntry<C> {
  summary: string;
  fields: readonly string[];
  /** Zones must be sky zones (true) or ground zones (false). */
  sky: boolean;
  needsCalibration: boolean;
  /** Needs a pose detector's keypoints. */
  needsPose?: boolean;
  parse(raw: Raw, path: ConfigPath, f: Fields, zones: string[]): C;
  create(config: C): Rule;
}

const severity = (raw: Raw, path: ConfigPath, f: Fields, fallback: AlertSeverity): AlertSeverity => f.oneOf(raw, 'severity', path, SEVERITIES, fallback);
const classes = (raw: Raw, path: ConfigPath, f: Fields, fallback: string[]): string[] => f.stringList(raw, 'classes', path) ?? fallback;

export const RULES: { readonly [K in keyof RulesConfig]-?: RuleEntry<NonNullable<RulesConfig[K]>> } = Object.freeze({
  drone: {
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
  },
  crowdDensity: {
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
  },
  crowdDispersal: {
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
  },
  loitering: {
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
  },
  vehicleInPedestrianZone: {
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
  },
  personOnGround: {
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
  },
});

type RuleName = keyof RulesConfig;
const RULE_NAMES = Object.keys(RULES) as RuleName[];

export function parseRulesConfig(value: unknown, path: ConfigPath, f: Fields, context: RuleParseContext): RulesConfig {
  const out: RulesConfig = {};
  const raw = f.object(value, path, RULE_NAMES);
  if (!raw) return out;
  for (const name of RULE_NAMES) {
    if (raw[name] === undefined || raw[name] === null) continue;
    const entry = RULES[name] as RuleEntry<unknown>;
    const p = [...path, name];
    const section = f.object(raw[name], p, entry.fields);
    if (!section) continue;
    const zones = f.stringList(section, 'zones', p) ?? [];
    if (section.zones === undefined) f.issue([...p, 'zones'], `is required: the zones this rule watches (${entry.sky ? 'sky' : 'ground'} zones)`);
    zones.forEach((z, i) => {
      const zone = context.zones.get(z);
      const known = [...context.zones.keys()].join(', ') || 'none defined';
      if (!zone) f.issue([...p, 'zones', i], `no zone named "${z}" (zones: ${known})`);
      else if (entry.sky && !zone.sky) f.issue([...p, 'zones', i], `zone "${z}" is not a sky zone (set sky: true on it): ${name} watches the sky`);
      else if (!entry.sky && zone.sky) f.issue([...p, 'zones', i], `zone "${z}" is a sky zone: ${name} needs a ground zone`);
    });
    if (entry.needsCalibration && !context.calibrated) {
      f.issue(p, `needs a ground calibration (calibration.homography or calibration.metresPerPixel) to measure ${name === 'crowdDensity' ? 'areas' : 'speeds'} in metres`);
    }
    if (entry.needsPose && !context.pose) f.issue(p, 'needs a pose detector (detector.kind: movenet): it reads body keypoints');
    (out as Record<string, unknown>)[name] = entry.parse(section, p, f, zones);
  }
  return out;
}

export function createRules(config: RulesConfig): Rule[] {
  const rules: Rule[] = [];
  for (const name of RULE_NAMES) {
    const c = config[name];
    if (c) rules.push((RULES[name] as RuleEntry<unknown>).create(c));
  }
  return rules;
}
