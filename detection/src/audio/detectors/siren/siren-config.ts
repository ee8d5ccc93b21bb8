/** Configuration of the siren detector. */
import { fieldDocs, numberField, readFields, type ConfigOf, type ConfigReader, type Raw } from '../../config-reader.js';

/** Each field: its default (which gives its type), its range and what it means. */
export const SIREN_SCHEMA = {
  minHz: numberField(400, { min: 100, max: 7000 }, 'lowest siren frequency followed, Hz'),
  maxHz: numberField(1900, { min: 100, max: 7900 }, 'highest siren frequency followed, Hz'),
  minProminenceDb: numberField(10, { min: 1, max: 60 }, 'the strongest peak in the band must stand this many dB over its neighbourhood'),
  windowS: numberField(4, { min: 1, max: 30 }, 'seconds of frequency track judged at a time'),
  minPresence: numberField(0.6, { min: 0, max: 1 }, 'share of the window covered by followed tone pieces'),
  minSweepHz: numberField(120, { min: 0 }, 'the tone must cover at least this range in the window, Hz (two-tone sirens can be a fourth apart)'),
  minSweepRateHzPerS: numberField(120, { min: 0 }, 'mean speed of the frequency change, Hz/s: a steady tone is not a siren'),
  maxStepHz: numberField(90, { min: 1 }, 'a change between consecutive frames larger than this is a jump'),
  minPieceS: numberField(0.3, { min: 0.05, max: 10 }, 'a tone followed without a jump for less than this is ignored, seconds'),
  repeatEveryS: numberField(30, { min: 1 }, 'a continuing siren is reported again every this many seconds, same id'),
};

export type SirenConfig = ConfigOf<typeof SIREN_SCHEMA>;

export const SIREN_FIELDS = fieldDocs(SIREN_SCHEMA);

export function readSirenConfig(raw: Raw, path: string, r: ConfigReader): SirenConfig {
  const c = readFields(SIREN_SCHEMA, raw, path, r);
  r.ordered(c.minHz, c.maxHz, path, 'minHz', 'maxHz');
  return c;
}
