/** Configuration of the impulsive-event detector (gunshot, explosion). */
import { booleanField, fieldDocs, numberField, readFields, type ConfigOf, type ConfigReader, type Raw } from '../../config-reader.js';

/** Each field: its default (which gives its type), its range and what it means. */
export const IMPULSIVE_SCHEMA = {
  onsetDb: numberField(12, { min: 3, max: 60 }, 'a 2 ms block this many dB over the mean of the previous 256 ms starts an event'),
  floorDbfs: numberField(-70, { min: -120, max: 0 }, 'blocks quieter than this (dBFS) never start an event'),
  minExcessDb: numberField(12, { min: 0, max: 80 }, 'events whose 8 ms envelope peaks less than this over the background are ignored'),
  endMarginDb: numberField(3, { min: 0, max: 30 }, 'an event ends when its envelope stays within this many dB of the background for 20 ms'),
  maxEventS: numberField(3, { min: 0.1, max: 5 }, 'longest event followed, seconds'),
  maxAttackMs: numberField(150, { min: 2, max: 1000 }, 'onset to the peak of the 24 ms envelope longer than this: not impulsive'),
  gunshotMinCrestDb: numberField(15, { min: 0, max: 60 }, 'gunshot: peak sample over event RMS at least this, dB'),
  gunshotMinDecayMs: numberField(40, { min: 0 }, 'gunshot: 20 dB decay at least this long, ms (shorter is a click or clap)'),
  gunshotMaxDecayMs: numberField(700, { min: 1 }, 'gunshot: 20 dB decay at most this long, ms'),
  gunshotMinCentroidHz: numberField(700, { min: 0, max: 8000 }, 'gunshot: spectral centroid of the first 64 ms at least this, Hz'),
  gunshotMaxCentroidHz: numberField(3300, { min: 0, max: 8000 }, 'gunshot: spectral centroid at most this, Hz (claps and snaps are brighter)'),
  gunshotMaxRiseMs: numberField(6, { min: 1, max: 500 }, 'gunshot: onset to the loudest 2 ms block at most this, ms'),
  explosionMinDecayMs: numberField(500, { min: 1 }, 'explosion: 20 dB decay at least this long, ms'),
  explosionMinLowRatio: numberField(0.45, { min: 0, max: 1 }, 'explosion: share of energy below 400 Hz at least this'),
  explosionMaxCentroidHz: numberField(900, { min: 50, max: 8000 }, 'explosion: spectral centroid at most this, Hz'),
  suppressDuringSpeech: booleanField(true, 'during speech (voice detector) report an impulse only if its class score reaches speechMinScore or it stands speechMarginDb over the background'),
  speechMarginDb: numberField(25, { min: 0, max: 80 }, 'see suppressDuringSpeech, dB'),
  speechMinScore: numberField(0.95, { min: 0, max: 1 }, 'see suppressDuringSpeech, 0..1'),
  minConfidence: numberField(0.3, { min: 0, max: 1 }, 'findings below this confidence are not reported'),
};

export type ImpulsiveConfig = ConfigOf<typeof IMPULSIVE_SCHEMA>;

export const IMPULSIVE_FIELDS = fieldDocs(IMPULSIVE_SCHEMA);

export function readImpulsiveConfig(raw: Raw, path: string, r: ConfigReader): ImpulsiveConfig {
  const c = readFields(IMPULSIVE_SCHEMA, raw, path, r);
  r.ordered(c.gunshotMinDecayMs, c.gunshotMaxDecayMs, path, 'gunshotMinDecayMs', 'gunshotMaxDecayMs');
  r.ordered(c.gunshotMinCentroidHz, c.gunshotMaxCentroidHz, path, 'gunshotMinCentroidHz', 'gunshotMaxCentroidHz');
  return c;
}
