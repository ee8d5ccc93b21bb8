/** Configuration of the drone rotor detector. */
import { booleanField, fieldDocs, numberField, oneOfField, readFields, type ConfigOf, type ConfigReader, type Raw } from '../../config-reader.js';

/** Each field: its default (which gives its type), its range and what it means. */
export const ROTOR_SCHEMA = {
  minFundamentalHz: numberField(80, { min: 20, max: 2000 }, 'lowest blade-pass fundamental searched, Hz'),
  maxFundamentalHz: numberField(800, { min: 20, max: 2000 }, 'highest fundamental searched, Hz'),
  maxHarmonicHz: numberField(4000, { min: 200, max: 8000 }, 'harmonics above this frequency are not used, Hz'),
  maxHarmonics: numberField(8, { min: 2, max: 32, integer: true }, 'harmonics scored per candidate fundamental'),
  minHarmonics: numberField(3, { min: 2, max: 32, integer: true }, 'harmonics that must stand out for a comb (a pure tone has one)'),
  harmonicProminenceDb: numberField(6, { min: 1, max: 40 }, 'a harmonic stands out when it is this many dB over its neighbourhood'),
  minCombScore: numberField(5, { min: 0, max: 40 }, 'mean prominence over the scored harmonics, dB, for a comb'),
  stabilityTolerance: numberField(0.06, { min: 0.001, max: 0.5 }, 'relative change of the fundamental allowed against the last second'),
  minDurationS: numberField(2, { min: 0.25, max: 60 }, 'a stable comb must last this long to be a drone, seconds'),
  maxGapS: numberField(0.5, { min: 0, max: 10 }, 'longest gap without a comb inside one episode, seconds'),
  minPresence: numberField(0.75, { min: 0, max: 1 }, 'share of analysed frames of an episode that must show the comb'),
  maxJitter: numberField(0.03, { min: 0.001, max: 1 }, 'largest spread (standard deviation / median) of the fundamental over an episode: rotors hold their speed, talkers do not'),
  hopFrames: numberField(2, { min: 1, max: 16, integer: true }, 'analyse every n-th 32 ms frame'),
  repeatEveryS: numberField(30, { min: 1 }, 'a continuing episode is reported again every this many seconds, same id'),
  severity: oneOfField('medium', ['low', 'medium', 'high', 'critical'] as const, 'severity of drone events: low, medium, high, critical'),
  ignoreSpeech: booleanField(false, 'frames the voice detector marks as speech show no rotor (voices are harmonic combs too: in a talking crowd it would hide drones)'),
};

export type RotorConfig = ConfigOf<typeof ROTOR_SCHEMA>;

export const ROTOR_FIELDS = fieldDocs(ROTOR_SCHEMA);

export function readRotorConfig(raw: Raw, path: string, r: ConfigReader): RotorConfig {
  const c = readFields(ROTOR_SCHEMA, raw, path, r);
  r.ordered(c.minFundamentalHz, c.maxFundamentalHz, path, 'minFundamentalHz', 'maxFundamentalHz');
  if (c.minHarmonics > c.maxHarmonics) r.issue(`${path}.minHarmonics`, `must be ≤ maxHarmonics (${c.maxHarmonics}), got ${c.minHarmonics}`);
  return c;
}
