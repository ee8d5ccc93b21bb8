/** Configuration of the impulsive-event detector (gunshot, explosion). */
import type { ConfigReader, Raw } from '../../config-reader.js';

export interface ImpulsiveConfig {
  onsetDb: number;
  floorDbfs: number;
  minExcessDb: number;
  endMarginDb: number;
  maxEventS: number;
  maxAttackMs: number;
  gunshotMinCrestDb: number;
  gunshotMinDecayMs: number;
  gunshotMaxDecayMs: number;
  gunshotMinCentroidHz: number;
  gunshotMaxCentroidHz: number;
  gunshotMaxRiseMs: number;
  explosionMinDecayMs: number;
  explosionMinLowRatio: number;
  explosionMaxCentroidHz: number;
  suppressDuringSpeech: boolean;
  speechMarginDb: number;
  speechMinScore: number;
  minConfidence: number;
}

export const IMPULSIVE_FIELDS: Record<keyof ImpulsiveConfig, string> = {
  onsetDb: 'a 2 ms block this many dB over the mean of the previous 256 ms starts an event (default 12)',
  floorDbfs: 'blocks quieter than this (dBFS) never start an event (default -70)',
  minExcessDb: 'events whose 8 ms envelope peaks less than this over the background are ignored (default 12)',
  endMarginDb: 'an event ends when its envelope stays within this many dB of the background for 20 ms (default 3)',
  maxEventS: 'longest event followed, seconds (default 3)',
  maxAttackMs: 'onset to the peak of the 24 ms envelope longer than this: not impulsive (default 150)',
  gunshotMinCrestDb: 'gunshot: peak sample over event RMS at least this, dB (default 15)',
  gunshotMinDecayMs: 'gunshot: 20 dB decay at least this long, ms (shorter is a click or clap; default 40)',
  gunshotMaxDecayMs: 'gunshot: 20 dB decay at most this long, ms (default 700)',
  gunshotMinCentroidHz: 'gunshot: spectral centroid of the first 64 ms at least this, Hz (default 700)',
  gunshotMaxCentroidHz: 'gunshot: spectral centroid at most this, Hz (claps and snaps are brighter; default 3300)',
  gunshotMaxRiseMs: 'gunshot: onset to the loudest 2 ms block at most this, ms (default 6)',
  explosionMinDecayMs: 'explosion: 20 dB decay at least this long, ms (default 500)',
  explosionMinLowRatio: 'explosion: share of energy below 400 Hz at least this (default 0.45)',
  explosionMaxCentroidHz: 'explosion: spectral centroid at most this, Hz (default 900)',
  suppressDuringSpeech: 'during speech (voice detector) report an impulse only if its class score reaches speechMinScore or it stands speechMarginDb over the background (default true)',
  speechMarginDb: 'see suppressDuringSpeech, dB (default 25)',
  speechMinScore: 'see suppressDuringSpeech, 0..1 (default 0.95)',
  minConfidence: 'findings below this confidence are not reported (default 0.3)',
};

export function readImpulsiveConfig(raw: Raw, path: string, r: ConfigReader): ImpulsiveConfig {
  const c: ImpulsiveConfig = {
    onsetDb: r.number(raw, 'onsetDb', path, 12, { min: 3, max: 60 }),
    floorDbfs: r.number(raw, 'floorDbfs', path, -70, { min: -120, max: 0 }),
    minExcessDb: r.number(raw, 'minExcessDb', path, 12, { min: 0, max: 80 }),
    endMarginDb: r.number(raw, 'endMarginDb', path, 3, { min: 0, max: 30 }),
    maxEventS: r.number(raw, 'maxEventS', path, 3, { min: 0.1, max: 5 }),
    maxAttackMs: r.number(raw, 'maxAttackMs', path, 150, { min: 2, max: 1000 }),
    gunshotMinCrestDb: r.number(raw, 'gunshotMinCrestDb', path, 15, { min: 0, max: 60 }),
    gunshotMinDecayMs: r.number(raw, 'gunshotMinDecayMs', path, 40, { min: 0 }),
    gunshotMaxDecayMs: r.number(raw, 'gunshotMaxDecayMs', path, 700, { min: 1 }),
    gunshotMinCentroidHz: r.number(raw, 'gunshotMinCentroidHz', path, 700, { min: 0, max: 8000 }),
    gunshotMaxCentroidHz: r.number(raw, 'gunshotMaxCentroidHz', path, 3300, { min: 0, max: 8000 }),
    gunshotMaxRiseMs: r.number(raw, 'gunshotMaxRiseMs', path, 6, { min: 1, max: 500 }),
    explosionMinDecayMs: r.number(raw, 'explosionMinDecayMs', path, 500, { min: 1 }),
    explosionMinLowRatio: r.number(raw, 'explosionMinLowRatio', path, 0.45, { min: 0, max: 1 }),
    explosionMaxCentroidHz: r.number(raw, 'explosionMaxCentroidHz', path, 900, { min: 50, max: 8000 }),
    suppressDuringSpeech: r.boolean(raw, 'suppressDuringSpeech', path, true),
    speechMarginDb: r.number(raw, 'speechMarginDb', path, 25, { min: 0, max: 80 }),
    speechMinScore: r.number(raw, 'speechMinScore', path, 0.95, { min: 0, max: 1 }),
    minConfidence: r.number(raw, 'minConfidence', path, 0.3, { min: 0, max: 1 }),
  };
  r.ordered(c.gunshotMinDecayMs, c.gunshotMaxDecayMs, path, 'gunshotMinDecayMs', 'gunshotMaxDecayMs');
  r.ordered(c.gunshotMinCentroidHz, c.gunshotMaxCentroidHz, path, 'gunshotMinCentroidHz', 'gunshotMaxCentroidHz');
  return c;
}
