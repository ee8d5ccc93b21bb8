/** What each rule file declares besides its class, so that the rule parses its own section of the camera config. */
import type { AlertSeverity } from '@popart/schemas';
import type { ConfigPath } from '../config/config-error.js';
import type { Fields, Raw } from '../config/fields.js';
import { SEVERITIES, type Rule } from './rule.js';

/** A rule as the camera configuration knows it: its section's fields and parser (with its defaults), and its class. */
export interface RulePlugin<C> {
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

/** The section's `severity`, one of SEVERITIES. */
export const severity = (raw: Raw, path: ConfigPath, f: Fields, fallback: AlertSeverity): AlertSeverity => f.oneOf(raw, 'severity', path, SEVERITIES, fallback);
/** The section's `classes` (detector labels) it watches. */
export const classes = (raw: Raw, path: ConfigPath, f: Fields, fallback: string[]): string[] => f.stringList(raw, 'classes', path) ?? fallback;
