/**
 * Findings → DetectionEvents, merged per occurrence: the first finding with a key opens an event (status `new`, a
 * stable id); later findings with the same key update it (status `update`, same id) when its severity changes or at most
 * every `updateIntervalS`; when the key has not been seen for `closeAfterS` the event ends (status `end`, its last
 * state). So one track (or one zone's condition) gives one event id per rule, however many frames it lasts.
 */
import { createHash } from 'node:crypto';
import type { DetectionEvent, Evidence } from '../events.js';
import type { EventsConfig } from './config/camera-config.js';
import type { Finding, RuleFrame } from './rules/rule.js';

export type EventStatus = 'new' | 'update' | 'end';

export interface EmittedEvent {
  status: EventStatus;
  event: DetectionEvent;
  /** The finding behind a new or updated event (boxes for the snapshot). */
  finding?: Finding;
}

interface Episode {
  event: DetectionEvent;
  lastSeenS: number;
  lastEmittedS: number;
}

/** A UUID-shaped id derived from the occurrence, so a replayed file gives the same ids. */
export function eventId(source: string, key: string, startedAt: string, frameIndex: number): string {
  const h = createHash('sha256').update(`${source}|${key}|${startedAt}|${frameIndex}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export class EventEpisodes {
  private readonly open = new Map<string, Episode>();

  constructor(private readonly source: string, private readonly config: EventsConfig) {}

  get openCount(): number {
    return this.open.size;
  }

  process(findings: readonly Finding[], frame: RuleFrame): EmittedEvent[] {
    const out: EmittedEvent[] = [];
    const now = frame.timeS;
    const observedAt = frame.capturedAt.toISOString();
    const seen = new Set<string>();
    for (const finding of findings) {
      if (seen.has(finding.key)) continue;
      seen.add(finding.key);
      const episode = this.open.get(finding.key);
      if (!episode) {
        const event = this.toEvent(finding, eventId(this.source, finding.key, observedAt, frame.index), observedAt, observedAt, now);
        this.open.set(finding.key, { event, lastSeenS: now, lastEmittedS: now });
        out.push({ status: 'new', event, finding });
        continue;
      }
      const severityChanged = episode.event.severity !== finding.severity;
      const event = this.toEvent(finding, episode.event.id, episode.event.startedAt, observedAt, now);
      if (episode.event.evidence) event.evidence = episode.event.evidence;
      episode.event = event;
      episode.lastSeenS = now;
      if (severityChanged || now - episode.lastEmittedS >= this.config.updateIntervalS) {
        episode.lastEmittedS = now;
        out.push({ status: 'update', event, finding });
      }
    }
    for (const [key, episode] of [...this.open]) {
      if (!seen.has(key) && now - episode.lastSeenS >= this.config.closeAfterS) {
        this.open.delete(key);
        out.push({ status: 'end', event: episode.event });
      }
    }
    return out;
  }

  /** Ends every open event (end of input). */
  closeAll(): EmittedEvent[] {
    const out = [...this.open.values()].map((e): EmittedEvent => ({ status: 'end', event: e.event }));
    this.open.clear();
    return out;
  }

  /** Records the snapshot of an open event; later updates carry it. */
  attachEvidence(id: string, evidence: Evidence[]): void {
    for (const episode of this.open.values()) if (episode.event.id === id) episode.event.evidence = evidence;
  }

  private toEvent(f: Finding, id: string, startedAt: string, observedAt: string, mediaTimeS: number): DetectionEvent {
    const event: DetectionEvent = {
      id,
      source: this.source,
      sensorKind: 'camera',
      category: f.category,
      severity: f.severity,
      confidence: Math.min(1, Math.max(0, f.confidence)),
      startedAt,
      observedAt,
      summary: f.summary,
      measurements: { ...f.measurements, rule: f.rule },
      mediaTimeS: Number(mediaTimeS.toFixed(3)),
    };
    if (f.area) event.area = f.area;
    if (f.trackId) event.trackId = f.trackId;
    if (f.zone) event.zone = f.zone;
    return event;
  }
}
