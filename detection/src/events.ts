/**
 * What every detector emits. Detectors know nothing about STIX, the ledger or users: they say what they saw,
 * where, how sure they are and what evidence stays on the node. `to-stix.ts` turns events into STIX.
 */
import type { AlertArea, AlertCategory, AlertSeverity, SensorKind } from '@popart/schemas';

/** A file kept on the node (snapshot, clip, audio excerpt): only its hash and reference are shared. */
export interface Evidence {
  kind: 'image' | 'video' | 'audio' | 'capture';
  /** Path or URL on the node; never leaves it. */
  uri: string;
  sha256: string;
  mediaType: string;
}

/** A Remote ID drone and its operator as last decoded (ASTM F3411 / EN 4709-002). */
export interface RemoteIdInfo {
  /** Serial number (ANSI/CTA-2063-A), CAA registration, UTM or specific session id. */
  uasId: string;
  idType: string;
  uaType: string;
  latitude?: number;
  longitude?: number;
  altitudeM?: number;
  heightM?: number;
  speedMps?: number;
  headingDeg?: number;
  operatorId?: string;
  operatorLatitude?: number;
  operatorLongitude?: number;
}

export interface DetectionEvent {
  /** Stable for one occurrence: the same track or sound episode keeps the same id while it lasts. */
  id: string;
  /** Sensor (camera, microphone, receiver) id from the source config. */
  source: string;
  sensorKind: SensorKind;
  category: AlertCategory;
  severity: AlertSeverity;
  /** 0..1 */
  confidence: number;
  /** ISO 8601 UTC: when the condition started and when this event was emitted. */
  startedAt: string;
  observedAt: string;
  /** Where on the ground, when the sensor is calibrated/positioned. */
  area?: AlertArea;
  /** One sentence for people, e.g. "aerial object in restricted sky zone north-stand for 12 frames". */
  summary: string;
  /** The detector's numbers: density_per_m2, dwell_s, crest_factor, fundamental_hz, frames, … */
  measurements: Record<string, number | string>;
  trackId?: string;
  zone?: string;
  evidence?: Evidence[];
  remoteId?: RemoteIdInfo;
  /** Media time in seconds from the start of the input (files) for reproducible output. */
  mediaTimeS?: number;
}
