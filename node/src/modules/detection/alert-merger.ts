/**
 * Merging the updates of one occurrence into versions of one alert. Detectors re-emit an open event (same id) as it
 * evolves; the node publishes a new version only when something an operator would act on changed — severity,
 * confidence by 0.1 or more, the area moved or grew/shrank materially, new evidence — or when the last version is
 * `republishIntervalS` old (in event time), and always once when the occurrence ends. Later events of an ended
 * occurrence are ignored. Versions get strictly increasing `modified` times.
 */
import { distanceM, type DetectionEvent } from '@popart/detection';
import type { AlertArea } from '@popart/schemas';

export type MergeReason = 'new' | 'severity' | 'confidence' | 'area' | 'evidence' | 'ended' | 'interval';

export type MergeDecision =
  | { publish: true; reason: MergeReason; modified: Date }
  | { publish: false; reason: 'unchanged' | 'after-end' };

interface Published {
  severity: string;
  confidence: number;
  area: AlertArea | undefined;
  evidence: number;
  observedMs: number;
  modifiedMs: number;
  touchedMs: number;
}

/** Centre [lat, lon] and a size in metres (radius, or half the bounding box diagonal). */
function shape(area: AlertArea): { lat: number; lon: number; size: number } {
  if (area.shape === 'circle') return { lat: area.latitude, lon: area.longitude, size: area.radius_m };
  const lons = area.vertices.map((v) => v[0]);
  const lats = area.vertices.map((v) => v[1]);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  return { lat: (minLat + maxLat) / 2, lon: (minLon + maxLon) / 2, size: distanceM(minLat, minLon, maxLat, maxLon) / 2 };
}

/** Whether the area changed enough to tell operators: the centre moved more than max(25 m, a quarter of its size), or the size changed by more than 25 %. */
export function areaMovedMaterially(a: AlertArea | undefined, b: AlertArea | undefined): boolean {
  if (!a || !b) return a !== b;
  const x = shape(a);
  const y = shape(b);
  if (distanceM(x.lat, x.lon, y.lat, y.lon) > Math.max(25, Math.max(x.size, y.size) / 4)) return true;
  const ratio = Math.max(x.size, y.size) / Math.max(1e-9, Math.min(x.size, y.size));
  return ratio > 1.25;
}

export class AlertMerger {
  private readonly open = new Map<string, Published>();
  private readonly ended = new Set<string>();

  constructor(private readonly republishIntervalS: number, private readonly maxTracked = 10_000) {}

  get openCount(): number {
    return this.open.size;
  }

  decide(event: DetectionEvent, ended: boolean): MergeDecision {
    if (this.ended.has(event.id)) return { publish: false, reason: 'after-end' };
    const observedMs = Date.parse(event.observedAt);
    const last = this.open.get(event.id);
    if (!last) return { publish: true, reason: ended ? 'ended' : 'new', modified: new Date(observedMs) };
    last.touchedMs = observedMs;
    const modified = new Date(Math.max(observedMs, last.modifiedMs + 1));
    let reason: MergeReason | null = null;
    if (ended) reason = 'ended';
    else if (event.severity !== last.severity) reason = 'severity';
    else if (Math.abs(event.confidence - last.confidence) >= 0.1) reason = 'confidence';
    else if (areaMovedMaterially(last.area, event.area)) reason = 'area';
    else if ((event.evidence?.length ?? 0) > last.evidence) reason = 'evidence';
    else if (observedMs - last.observedMs >= this.republishIntervalS * 1000) reason = 'interval';
    return reason ? { publish: true, reason, modified } : { publish: false, reason: 'unchanged' };
  }

  /** Records a version that was published (or queued for the ledger). */
  published(event: DetectionEvent, ended: boolean, modified: Date): void {
    if (ended) {
      this.open.delete(event.id);
      this.ended.add(event.id);
      if (this.ended.size > this.maxTracked) this.ended.delete(this.ended.values().next().value as string);
      return;
    }
    const observedMs = Date.parse(event.observedAt);
    this.open.set(event.id, {
      severity: event.severity, confidence: event.confidence, area: event.area, evidence: event.evidence?.length ?? 0,
      observedMs, modifiedMs: modified.getTime(), touchedMs: observedMs,
    });
    if (this.open.size > this.maxTracked) {
      // Forget the occurrence not heard of for the longest time (a detector that never ended it).
      let oldest: [string, number] | null = null;
      for (const [id, p] of this.open) if (!oldest || p.touchedMs < oldest[1]) oldest = [id, p.touchedMs];
      if (oldest) this.open.delete(oldest[0]);
    }
  }
}
