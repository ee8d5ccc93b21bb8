/**
 * The rules, in one explicit map from their name under `rules:` in the camera config to their plugin: each rule's file
 * declares its section's fields, parses and checks it with its defaults, and makes the rule (see rule-plugin.ts). Each
 * rule names the zones it watches; a rule is on when its section is present.
 */
import type { ConfigPath } from '../config/config-error.js';
import type { Fields } from '../config/fields.js';
import { CROWD_DENSITY_RULE, type CrowdDensityConfig } from './crowd-density-rule.js';
import { DISPERSAL_RULE, type DispersalConfig } from './dispersal-rule.js';
import { DRONE_RULE, type DroneRuleConfig } from './drone-rule.js';
import { LOITERING_RULE, type LoiteringConfig } from './loitering-rule.js';
import { PERSON_ON_GROUND_RULE, type PersonOnGroundConfig } from './person-on-ground-rule.js';
import type { Rule, Zone } from './rule.js';
import type { RulePlugin } from './rule-plugin.js';
import { VEHICLE_RULE, type VehicleRuleConfig } from './vehicle-rule.js';

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

export const RULES: { readonly [K in keyof RulesConfig]-?: RulePlugin<NonNullable<RulesConfig[K]>> } = Object.freeze({
  drone: DRONE_RULE,
  crowdDensity: CROWD_DENSITY_RULE,
  crowdDispersal: DISPERSAL_RULE,
  loitering: LOITERING_RULE,
  vehicleInPedestrianZone: VEHICLE_RULE,
  personOnGround: PERSON_ON_GROUND_RULE,
});

type RuleName = keyof RulesConfig;
const RULE_NAMES = Object.keys(RULES) as RuleName[];

export function parseRulesConfig(value: unknown, path: ConfigPath, f: Fields, context: RuleParseContext): RulesConfig {
  const out: RulesConfig = {};
  const raw = f.object(value, path, RULE_NAMES);
  if (!raw) return out;
  for (const name of RULE_NAMES) {
    if (raw[name] === undefined || raw[name] === null) continue;
    const entry = RULES[name] as RulePlugin<unknown>;
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
    if (c) rules.push((RULES[name] as RulePlugin<unknown>).create(c));
  }
  return rules;
}
