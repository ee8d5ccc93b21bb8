/**
 * Restricted-zone rule for Remote ID: a drone whose broadcast position is inside a zone raises a drone event.
 * One incursion (a drone entering a zone until it leaves or falls silent) keeps one event id; while it lasts the
 * event is re-emitted with the latest position at most every `updateIntervalS`, and once more when it ends
 * (`measurements.state` = inside | left | lost).
 */
import { createHash } from 'node:crypto';
import type { DetectionEvent, RemoteIdInfo } from '../events.js';
import type { DroneTrack } from './tracker.js';
import { distanceM, zoneContains, type RestrictedZone } from './zones.js';

export interface IncursionOptions {
  /** Receiver id put in the events' `source`. */
  source: string;
  /** Minimum seconds between two updates of the same incursion (default 5). */
  updateIntervalS?: number;
  /** An incursion whose drone is not heard for this long ends as `lost` (default 30). */
  lostAfterS?: number;
  /** Confidence of a Remote ID position (self-declared by the drone; default 0.9). */
  confidence?: number;
}

interface Incursion {
  id: string;
  zone: RestrictedZone;
  uid: number;
  startedAtMs: number;
  lastSeenMs: number;
  lastEmitMs: number;
  frames: number;
  maxHeightM?: number;
}

const DEFAULT_RADIUS_M = 30;

/** The drone as the shared event type describes it. */
export function remoteIdInfo(t: DroneTrack): RemoteIdInfo {
  const info: RemoteIdInfo = { uasId: t.uasId ?? t.id, idType: t.idType ?? 'unknown', uaType: t.uaType ?? 'unknown' };
  if (t.latitude !== undefined) info.latitude = t.latitude;
  if (t.longitude !== undefined) info.longitude = t.longitude;
  const alt = t.geodeticAltitudeM ?? t.pressureAltitudeM;
  if (alt !== undefined) info.altitudeM = alt;
  if (t.heightM !== undefined) info.heightM = t.heightM;
  if (t.speedMps !== undefined) info.speedMps = t.speedMps;
  if (t.headingDeg !== undefined) info.headingDeg = t.headingDeg;
  if (t.operator.id !== undefined) info.operatorId = t.operator.id;
  if (t.operator.latitude !== undefined) info.operatorLatitude = t.operator.latitude;
  if (t.operator.longitude !== undefined) info.operatorLongitude = t.operator.longitude;
  return info;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

export class IncursionMonitor {
  private readonly active = new Map<string, Incursion>();
  private readonly updateMs: number;
  private readonly lostMs: number;

  constructor(private readonly zones: readonly RestrictedZone[], private readonly o: IncursionOptions) {
    this.updateMs = (o.updateIntervalS ?? 5) * 1000;
    this.lostMs = (o.lostAfterS ?? 30) * 1000;
  }

  /** Checks a track after a position update; returns the events to emit (new, updated or ended incursions). */
  observe(track: DroneTrack, uid: number, timeMs: number, mediaTimeS?: number): DetectionEvent[] {
    if (track.latitude === undefined || track.longitude === undefined) return [];
    const out: DetectionEvent[] = [];
    for (const zone of this.zones) {
      const key = `${uid}\u0000${zone.name}`;
      const inside = zoneContains(zone, track.latitude, track.longitude, track.heightM);
      let inc = this.active.get(key);
      if (inside && !inc) {
        inc = { id: this.eventId(zone, track, timeMs), zone, uid, startedAtMs: timeMs, lastSeenMs: timeMs, lastEmitMs: timeMs, frames: 1 };
        if (track.heightM !== undefined) inc.maxHeightM = track.heightM;
        this.active.set(key, inc);
        out.push(this.event(inc, track, timeMs, 'inside', mediaTimeS));
      } else if (inside && inc) {
        inc.frames++;
        inc.lastSeenMs = timeMs;
        if (track.heightM !== undefined) inc.maxHeightM = Math.max(inc.maxHeightM ?? -Infinity, track.heightM);
        if (timeMs - inc.lastEmitMs >= this.updateMs) {
          inc.lastEmitMs = timeMs;
          out.push(this.event(inc, track, timeMs, 'inside', mediaTimeS));
        }
      } else if (!inside && inc) {
        this.active.delete(key);
        out.push(this.event(inc, track, timeMs, 'left', mediaTimeS));
      }
    }
    return out;
  }

  /** Ends incursions whose drone has been silent for `lostAfterS`, given the tracks by uid. */
  sweep(timeMs: number, trackOf: (uid: number) => DroneTrack | undefined, mediaTimeS?: number, all = false): DetectionEvent[] {
    const out: DetectionEvent[] = [];
    for (const [key, inc] of this.active) {
      if (!all && timeMs - inc.lastSeenMs < this.lostMs) continue;
      this.active.delete(key);
      const track = trackOf(inc.uid);
      if (track) out.push(this.event(inc, track, all ? inc.lastSeenMs : timeMs, all ? 'inside' : 'lost', mediaTimeS));
    }
    return out;
  }

  get activeCount(): number {
    return this.active.size;
  }

  private eventId(zone: RestrictedZone, track: DroneTrack, timeMs: number): string {
    const h = createHash('sha256').update(`${this.o.source}\u0000${zone.name}\u0000${track.id}\u0000${timeMs}`).digest('hex');
    return `remoteid-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  private event(inc: Incursion, t: DroneTrack, timeMs: number, state: 'inside' | 'left' | 'lost', mediaTimeS?: number): DetectionEvent {
    const lat = t.latitude as number;
    const lon = t.longitude as number;
    const m: Record<string, number | string> = {
      state, in_zone_s: round((inc.lastSeenMs - inc.startedAtMs) / 1000, 1), frames: inc.frames, transports: t.transports.join(','),
    };
    if (t.heightM !== undefined) m.height_m = t.heightM;
    if (inc.maxHeightM !== undefined) m.max_height_m = inc.maxHeightM;
    if (t.geodeticAltitudeM !== undefined) m.altitude_m = t.geodeticAltitudeM;
    if (t.speedMps !== undefined) m.speed_mps = t.speedMps;
    if (t.verticalSpeedMps !== undefined) m.vertical_speed_mps = t.verticalSpeedMps;
    if (t.headingDeg !== undefined) m.heading_deg = t.headingDeg;
    if (t.status !== undefined) m.status = t.status;
    let operatorText = 'operator position unknown';
    if (t.operator.latitude !== undefined && t.operator.longitude !== undefined) {
      const d = distanceM(lat, lon, t.operator.latitude, t.operator.longitude);
      m.operator_distance_m = Math.round(d);
      operatorText = `operator at ${t.operator.latitude.toFixed(5)}, ${t.operator.longitude.toFixed(5)} (${Math.round(d)} m away)`;
    }
    if (t.operator.id !== undefined) operatorText += `, operator id ${t.operator.id}`;
    const who = t.uasId ?? t.id;
    const height = t.heightM !== undefined ? ` at ${t.heightM} m` : '';
    const verb = state === 'inside' ? 'inside' : state === 'left' ? 'left' : 'lost inside';
    const e: DetectionEvent = {
      id: inc.id,
      source: this.o.source,
      sensorKind: 'remote-id',
      category: 'drone',
      severity: t.status === 'emergency' ? 'critical' : inc.zone.severity,
      confidence: this.o.confidence ?? 0.9,
      startedAt: new Date(inc.startedAtMs).toISOString(),
      observedAt: new Date(timeMs).toISOString(),
      area: { shape: 'circle', latitude: round(lat, 7), longitude: round(lon, 7), radius_m: Math.max(1, t.horizontalAccuracyM ?? DEFAULT_RADIUS_M) },
      summary: `drone ${who} (${t.uaType ?? 'unknown type'}) ${verb} restricted zone ${inc.zone.name}${height}; ${operatorText}`,
      measurements: m,
      trackId: t.id,
      zone: inc.zone.name,
      remoteId: remoteIdInfo(t),
    };
    if (mediaTimeS !== undefined) e.mediaTimeS = round(mediaTimeS, 3);
    return e;
  }
}
