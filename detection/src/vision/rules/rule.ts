/** What rules see each frame and what they report. Rules are pure: the same tracks give the same findings. */
import type { AlertArea, AlertCategory, AlertSeverity } from '@popart/schemas';
import type { CameraGeometry } from '../geometry/camera-geometry.js';
import { pointInPolygon, type Point } from '../geometry/polygon.js';
import type { Track } from '../tracking/tracker.js';
import { boxCentre, boxFoot, type Box, type Frame } from '../types.js';

export interface Zone {
  name: string;
  /** Image pixels, in the configured frame size. */
  polygon: Point[];
  /** A zone of sky (no ground meaning): aerial rules only. */
  sky: boolean;
  /** Ground area, m², when the camera is calibrated and the zone is on the ground. */
  areaM2?: number;
}

export interface RuleFrame {
  index: number;
  timeS: number;
  capturedAt: Date;
}

export interface RuleContext {
  frame: RuleFrame;
  /** Confirmed tracks (matched this frame or briefly lost). */
  tracks: readonly Track[];
  geometry: CameraGeometry;
  zones: ReadonlyMap<string, Zone>;
  /** The frame's pixels, for rules that look at them (crowd density from the crowd's cover). */
  image?: Frame;
}

export interface Finding {
  rule: string;
  /** Same key on successive frames = same occurrence (one event id): rule + track, or rule + zone. */
  key: string;
  category: AlertCategory;
  severity: AlertSeverity;
  confidence: number;
  summary: string;
  measurements: Record<string, number | string>;
  trackId?: string;
  zone?: string;
  area?: AlertArea;
  /** Boxes to outline on the evidence snapshot. */
  boxes: Box[];
}

export interface Rule {
  readonly name: string;
  evaluate(context: RuleContext): Finding[];
}

export const inZone = (p: Point, zone: Zone): boolean => pointInPolygon(p, zone.polygon);
export const centreIn = (t: Track, zone: Zone): boolean => inZone(boxCentre(t.box), zone);
export const footIn = (t: Track, zone: Zone): boolean => inZone(boxFoot(t.box), zone);

/** The first of the named zones (in config order) that holds the track by `holds` (its foot or its centre). */
export function firstZone(names: readonly string[], zones: ReadonlyMap<string, Zone>, track: Track, holds: (t: Track, z: Zone) => boolean): Zone | undefined {
  for (const name of names) {
    const zone = zones.get(name);
    if (zone && holds(track, zone)) return zone;
  }
  return undefined;
}

/**
 * The tracks of the watched `classes`. A rule's per-track `state` is kept only for them: the entries of tracks that
 * are gone (or not of those classes) are dropped.
 */
export function watchedTracks<T>(tracks: readonly Track[], classes: readonly string[], state: Map<string, T>): Track[] {
  const watched = tracks.filter((t) => classes.includes(t.label));
  const ids = new Set(watched.map((t) => t.id));
  for (const id of [...state.keys()]) if (!ids.has(id)) state.delete(id);
  return watched;
}

export const SEVERITIES: readonly AlertSeverity[] = ['low', 'medium', 'high', 'critical'];
export const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

/**
 * Ground velocity (m/s) of a track's foot point between `fromS` and `toS`, from its history; undefined without
 * calibration or with too little history (less than half the span covered).
 */
export function groundMotion(track: Track, geometry: CameraGeometry, fromS: number, toS: number): { start: Point; end: Point; velocity: Point; speed: number } | undefined {
  const points = track.history.filter((h) => h.timeS >= fromS - 1e-6 && h.timeS <= toS + 1e-6);
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || last.timeS - first.timeS < (toS - fromS) / 2) return undefined;
  const start = geometry.toGround(boxFoot(first.box));
  const end = geometry.toGround(boxFoot(last.box));
  if (!start || !end) return undefined;
  const dt = last.timeS - first.timeS;
  const velocity: Point = [(end[0] - start[0]) / dt, (end[1] - start[1]) / dt];
  return { start, end, velocity, speed: Math.hypot(velocity[0], velocity[1]) };
}

/** The area for an event about one track on the ground: a circle around its foot point, else the zone, else the camera. */
export function trackArea(track: Track, zone: Zone | undefined, geometry: CameraGeometry, radiusM: number): AlertArea | undefined {
  const ground = geometry.toGround(boxFoot(track.box));
  return (ground && geometry.circleAround(ground, radiusM)) ?? (zone && !zone.sky ? geometry.polygonArea(zone.polygon) : undefined) ?? geometry.cameraArea();
}

/** A finding about one track in `zone`: its box outlined on the snapshot, its area from trackArea. */
export function trackFinding(f: Omit<Finding, 'trackId' | 'zone' | 'boxes' | 'area'>, track: Track, zone: Zone, geometry: CameraGeometry, radiusM: number): Finding {
  const finding: Finding = { ...f, trackId: track.id, zone: zone.name, boxes: [track.box] };
  const area = trackArea(track, zone, geometry, radiusM);
  if (area) finding.area = area;
  return finding;
}
