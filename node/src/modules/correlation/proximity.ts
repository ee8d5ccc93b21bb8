/**
 * The proximity index: an alert's place as grid cells keyed by category, cell and time bucket, so that finding the
 * alerts of the same category within `distanceM` metres and `windowS` seconds asks for a few keys, never scans.
 * Cells are at least `distanceM` wide everywhere (a row's cell width in longitude grows toward the pole), so anything
 * within the distance lies in the cell or one of its neighbours; the exact distance and time are checked after.
 */
import { distanceM as greatCircleM } from '@popart/detection';

/** Metres per degree of latitude (mean Earth radius). */
const METRES_PER_DEGREE = (Math.PI * 6_371_008.8) / 180;
/** An alert that lasts longer is indexed over its last buckets only. */
const MAX_BUCKETS = 48;

export interface ProximityOptions {
  /** Two alerts of the same category at most this far apart (metres, between centres) are linked. */
  distanceM: number;
  /** ... and at most this long apart (seconds between their active periods). */
  windowS: number;
}

export interface Place {
  category: string;
  latitude: number;
  longitude: number;
  /** When the object started and was last active (ms since the epoch). */
  starts: number;
  ends: number;
}

function rowWidth(row: number, dLat: number): number {
  const poleward = Math.min(89.9, Math.max(Math.abs(row * dLat), Math.abs((row + 1) * dLat)));
  return dLat / Math.max(0.001, Math.cos((poleward * Math.PI) / 180));
}

function buckets(from: number, to: number, windowMs: number): number[] {
  const last = Math.floor(to / windowMs);
  const first = Math.max(Math.floor(from / windowMs), last - MAX_BUCKETS + 1);
  const out: number[] = [];
  for (let b = first; b <= last; b++) out.push(b);
  return out;
}

export class ProximityGrid {
  private readonly dLat: number;
  private readonly windowMs: number;

  constructor(readonly options: ProximityOptions) {
    this.dLat = options.distanceM / METRES_PER_DEGREE;
    this.windowMs = options.windowS * 1000;
  }

  /** The keys a place is stored under: its cell, in each time bucket it covers. */
  keysOf(p: Place): string[] {
    const row = Math.floor(p.latitude / this.dLat);
    const col = Math.floor(p.longitude / rowWidth(row, this.dLat));
    return buckets(p.starts, p.ends, this.windowMs).map((b) => `${p.category}/${row}/${col}/${b}`);
  }

  /** The keys to look up for places that may be near `p`: neighbouring cells, buckets within the window. */
  searchKeys(p: Place): string[] {
    const row = Math.floor(p.latitude / this.dLat);
    const times = buckets(p.starts - this.windowMs, p.ends + this.windowMs, this.windowMs);
    const keys: string[] = [];
    for (let r = row - 1; r <= row + 1; r++) {
      const w = rowWidth(r, this.dLat);
      const first = Math.floor((p.longitude - w) / w);
      const last = Math.floor((p.longitude + w) / w);
      for (let c = first; c <= last; c++) for (const b of times) keys.push(`${p.category}/${r}/${c}/${b}`);
    }
    return keys;
  }

  /** Distance (metres) and time apart (seconds, 0 when the periods overlap) when within the options, else null. */
  near(a: Place, b: Place): { distanceM: number; secondsApart: number } | null {
    if (a.category !== b.category) return null;
    const distanceM = greatCircleM(a.latitude, a.longitude, b.latitude, b.longitude);
    const gapMs = Math.max(0, a.starts - b.ends, b.starts - a.ends);
    if (distanceM > this.options.distanceM || gapMs > this.windowMs) return null;
    return { distanceM, secondsApart: gapMs / 1000 };
  }
}
