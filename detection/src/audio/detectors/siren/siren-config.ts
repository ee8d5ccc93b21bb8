/** Configuration of the siren detector. */
import type { ConfigReader, Raw } from '../../config-reader.js';

export interface SirenConfig {
  minHz: number;
  maxHz: number;
  minProminenceDb: number;
  windowS: number;
  minPresence: number;
  minSweepHz: number;
  minSweepRateHzPerS: number;
  maxStepHz: number;
  minPieceS: number;
  repeatEveryS: number;
}

export const SIREN_FIELDS: Record<keyof SirenConfig, string> = {
  minHz: 'lowest siren frequency followed, Hz (default 400)',
  maxHz: 'highest siren frequency followed, Hz (default 1900)',
  minProminenceDb: 'the strongest peak in the band must stand this many dB over its neighbourhood (default 10)',
  windowS: 'seconds of frequency track judged at a time (default 4)',
  minPresence: 'share of the window covered by followed tone pieces (default 0.6)',
  minSweepHz: 'the tone must cover at least this range in the window, Hz (two-tone sirens can be a fourth apart: default 120)',
  minSweepRateHzPerS: 'mean speed of the frequency change, Hz/s: a steady tone is not a siren (default 120)',
  maxStepHz: 'a change between consecutive frames larger than this is a jump (default 90)',
  minPieceS: 'a tone followed without a jump for less than this is ignored, seconds (default 0.3)',
  repeatEveryS: 'a continuing siren is reported again every this many seconds, same id (default 30)',
};

export function readSirenConfig(raw: Raw, path: string, r: ConfigReader): SirenConfig {
  const c: SirenConfig = {
    minHz: r.number(raw, 'minHz', path, 400, { min: 100, max: 7000 }),
    maxHz: r.number(raw, 'maxHz', path, 1900, { min: 100, max: 7900 }),
    minProminenceDb: r.number(raw, 'minProminenceDb', path, 10, { min: 1, max: 60 }),
    windowS: r.number(raw, 'windowS', path, 4, { min: 1, max: 30 }),
    minPresence: r.number(raw, 'minPresence', path, 0.6, { min: 0, max: 1 }),
    minSweepHz: r.number(raw, 'minSweepHz', path, 120, { min: 0 }),
    minSweepRateHzPerS: r.number(raw, 'minSweepRateHzPerS', path, 120, { min: 0 }),
    maxStepHz: r.number(raw, 'maxStepHz', path, 90, { min: 1 }),
    minPieceS: r.number(raw, 'minPieceS', path, 0.3, { min: 0.05, max: 10 }),
    repeatEveryS: r.number(raw, 'repeatEveryS', path, 30, { min: 1 }),
  };
  r.ordered(c.minHz, c.maxHz, path, 'minHz', 'maxHz');
  return c;
}
