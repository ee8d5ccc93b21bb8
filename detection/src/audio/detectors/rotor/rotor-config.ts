/** Configuration of the drone rotor detector. */
import type { AlertSeverity } from '@popart/schemas';
import type { ConfigReader, Raw } from '../../config-reader.js';

export interface RotorConfig {
  minFundamentalHz: number;
  maxFundamentalHz: number;
  maxHarmonicHz: number;
  maxHarmonics: number;
  minHarmonics: number;
  harmonicProminenceDb: number;
  minCombScore: number;
  stabilityTolerance: number;
  minDurationS: number;
  maxGapS: number;
  minPresence: number;
  maxJitter: number;
  hopFrames: number;
  repeatEveryS: number;
  severity: AlertSeverity;
  ignoreSpeech: boolean;
}

export const ROTOR_FIELDS: Record<keyof RotorConfig, string> = {
  minFundamentalHz: 'lowest blade-pass fundamental searched, Hz (default 80)',
  maxFundamentalHz: 'highest fundamental searched, Hz (default 800)',
  maxHarmonicHz: 'harmonics above this frequency are not used, Hz (default 4000)',
  maxHarmonics: 'harmonics scored per candidate fundamental (default 8)',
  minHarmonics: 'harmonics that must stand out for a comb (a pure tone has one; default 3)',
  harmonicProminenceDb: 'a harmonic stands out when it is this many dB over its neighbourhood (default 6)',
  minCombScore: 'mean prominence over the scored harmonics, dB, for a comb (default 5)',
  stabilityTolerance: 'relative change of the fundamental allowed against the last second (default 0.06)',
  minDurationS: 'a stable comb must last this long to be a drone, seconds (default 2)',
  maxGapS: 'longest gap without a comb inside one episode, seconds (default 0.5)',
  minPresence: 'share of analysed frames of an episode that must show the comb (default 0.75)',
  maxJitter: 'largest spread (standard deviation / median) of the fundamental over an episode: rotors hold their speed, talkers do not (default 0.03)',
  hopFrames: 'analyse every n-th 32 ms frame (default 2)',
  repeatEveryS: 'a continuing episode is reported again every this many seconds, same id (default 30)',
  severity: 'severity of drone events: low, medium, high, critical (default medium)',
  ignoreSpeech: 'frames the voice detector marks as speech show no rotor (voices are harmonic combs too; off by default: in a talking crowd it would hide drones)',
};

export function readRotorConfig(raw: Raw, path: string, r: ConfigReader): RotorConfig {
  const c: RotorConfig = {
    minFundamentalHz: r.number(raw, 'minFundamentalHz', path, 80, { min: 20, max: 2000 }),
    maxFundamentalHz: r.number(raw, 'maxFundamentalHz', path, 800, { min: 20, max: 2000 }),
    maxHarmonicHz: r.number(raw, 'maxHarmonicHz', path, 4000, { min: 200, max: 8000 }),
    maxHarmonics: r.number(raw, 'maxHarmonics', path, 8, { min: 2, max: 32, integer: true }),
    minHarmonics: r.number(raw, 'minHarmonics', path, 3, { min: 2, max: 32, integer: true }),
    harmonicProminenceDb: r.number(raw, 'harmonicProminenceDb', path, 6, { min: 1, max: 40 }),
    minCombScore: r.number(raw, 'minCombScore', path, 5, { min: 0, max: 40 }),
    stabilityTolerance: r.number(raw, 'stabilityTolerance', path, 0.06, { min: 0.001, max: 0.5 }),
    minDurationS: r.number(raw, 'minDurationS', path, 2, { min: 0.25, max: 60 }),
    maxGapS: r.number(raw, 'maxGapS', path, 0.5, { min: 0, max: 10 }),
    minPresence: r.number(raw, 'minPresence', path, 0.75, { min: 0, max: 1 }),
    maxJitter: r.number(raw, 'maxJitter', path, 0.03, { min: 0.001, max: 1 }),
    hopFrames: r.number(raw, 'hopFrames', path, 2, { min: 1, max: 16, integer: true }),
    repeatEveryS: r.number(raw, 'repeatEveryS', path, 30, { min: 1 }),
    severity: r.oneOf(raw, 'severity', path, 'medium', ['low', 'medium', 'high', 'critical'] as const),
    ignoreSpeech: r.boolean(raw, 'ignoreSpeech', path, false),
  };
  r.ordered(c.minFundamentalHz, c.maxFundamentalHz, path, 'minFundamentalHz', 'maxFundamentalHz');
  if (c.minHarmonics > c.maxHarmonics) r.issue(`${path}.minHarmonics`, `must be ≤ maxHarmonics (${c.maxHarmonics}), got ${c.minHarmonics}`);
  return c;
}
