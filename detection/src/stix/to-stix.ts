/**
 * A DetectionEvent → a STIX 2.1 bundle an agency can publish (pure: no I/O, no clock, no randomness).
 *
 *  - `incident` carrying the POP-ART public-space alert extension: the **alert** (category, severity, confidence,
 *    area, sensor kind, venue, expiry, guidance for operators, audience). A drone's operator position goes into
 *    `x_popart_operator_position` (and its id into `x_popart_operator_description`), which the policies remove for
 *    partner agencies and coarsen for local ones; it is never written into the guidance or the description.
 *  - `observed-data` referring to one `file` SCO per evidence file: the SHA-256, media type, file name and a
 *    reference (`x_popart_evidence_locator`) that only the publishing node can resolve; the content stays on the node.
 *  - for a Remote ID drone with known transmitter addresses: an `indicator` whose pattern matches them
 *    (`[mac-addr:value = '…']`), and a `sighting` of it by the agency (with the observed data).
 *  - `relationship` (related-to) from the observed data and the indicator to the alert.
 *
 * Ids are derived (SHA-256, laid out as UUIDv4) from the publishing agency, the sensor and the event id: the same event (one track, one sound
 * episode, one incursion) always maps to the same STIX ids, and each update is a new version of the same objects
 * (same id, greater `modified`). SCO ids follow STIX 2.1 §2.9 (UUIDv5 of the ID contributing properties).
 */
import {
  ALERT_CATEGORIES, ALERT_SEVERITIES, canonicalJson, hashedUuidV4, isTimestamp, makeAlert, makeBundle, makeIndicator, makeObservedData,
  makeRelationship, makeSighting, SENSOR_KINDS, StixValidationError, tlpMarkingRef, uuidV5, validateObject,
  type AlertArea, type AlertCategory, type Bundle, type StixObject, type TlpLevel,
} from '@popart/schemas';
import type { DetectionEvent, Evidence } from '../events.js';
import { DEFAULT_GUIDANCE, ENDED_GUIDANCE, OPERATOR_POSITION_GUIDANCE, SENSOR_AREA_GUIDANCE } from './guidance.js';
import { StixConversionError } from './stix-error.js';

export { uuidV5, hashedUuidV4 };

/** Namespace of the STIX 2.1 SCO deterministic ids (§2.9). */
const SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
/** Namespace of POP-ART's detection object ids (UUIDv4, fixed). */
export const DETECTION_NAMESPACE = '6f0c2d1e-4b7a-4f3e-9a51-2c8d7e0b9f14';

/** How long an alert stays valid after its last observation, by category (seconds). */
export const DEFAULT_TTL_S: Readonly<Record<AlertCategory, number>> = Object.freeze({
  drone: 1800, gunshot: 3600, explosion: 7200, 'crowd-density': 900, 'crowd-dispersal': 900, loitering: 1800,
  intrusion: 1800, 'vehicle-in-pedestrian-zone': 900, violence: 1800, other: 1800,
});
/** How long an ended alert stays valid after its last observation (seconds). */
export const DEFAULT_ENDED_TTL_S = 600;

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

export interface ToStixOptions {
  /** The publishing agency's STIX identity: `created_by_ref` of every object and where the sighting was made. */
  agencyIdentityId: string;
  /** The public space (stadium, square, route) the sensor watches. */
  venue: string;
  /** The gathering (match, concert, demonstration), if any. */
  eventName?: string;
  /** TLP 2.0 marking of every object (default green: every agency of the network, by territory for local ones). */
  tlp?: TlpLevel;
  /** Agencies the alert is addressed to (identity ids); needed with TLP:AMBER for anyone but the publisher to see it. */
  audienceRefs?: string[];
  /** Area of events that carry none: the sensor's position (a small circle). Without it such events are refused. */
  sensorArea?: AlertArea;
  /** Seconds the alert stays valid after its last observation (default by category, DEFAULT_TTL_S). */
  ttlS?: number;
  /** Seconds an ended alert stays valid after its last observation (default 600). */
  endedTtlS?: number;
  /** Guidance replacing the default text of some categories. */
  guidance?: Partial<Record<AlertCategory, string>>;
  /** The occurrence is over (vision `end`); Remote ID incursions say so themselves (`measurements.state` left/lost). */
  ended?: boolean;
  /** Version timestamp (default: the event's observedAt); never before startedAt. */
  modified?: Date;
  /** The reference shared for an evidence file (default: its file name); the node resolves it, nobody else can. */
  evidenceRef?: (evidence: Evidence) => string;
  /** Bluetooth/Wi-Fi addresses the drone was heard from (Remote ID): they become an indicator pattern. */
  transmitters?: string[];
}

export interface StixAlertBundle {
  bundle: Bundle;
  /** The alert (incident) id: the same for every version of the event. */
  alertId: string;
  observedDataId: string | null;
  indicatorId: string | null;
  sightingId: string | null;
  /** The version's `modified`. */
  modified: string;
  /** Whether the area is the sensor's position (the event had none). */
  areaFromSensor: boolean;
  ended: boolean;
}

/** The STIX ids of an event's objects as published by one agency: stable for every version of the event. */
export function detectionStixIds(agencyIdentityId: string, event: Pick<DetectionEvent, 'id' | 'source'>): {
  alert: string; observedData: string; indicator: string; sighting: string; observedRelationship: string; indicatorRelationship: string;
} {
  const id = (type: string, role = type): string => `${type}--${hashedUuidV4(`${DETECTION_NAMESPACE}\u0000${agencyIdentityId}\u0000${event.source}\u0000${event.id}\u0000${role}`)}`;
  return {
    alert: id('incident'),
    observedData: id('observed-data'),
    indicator: id('indicator'),
    sighting: id('sighting'),
    observedRelationship: id('relationship', 'observed-data-related-to'),
    indicatorRelationship: id('relationship', 'indicator-related-to'),
  };
}

const CATEGORY_TITLE: Record<AlertCategory, string> = {
  drone: 'Drone', gunshot: 'Gunshot', explosion: 'Explosion', 'crowd-density': 'Dangerous crowd density',
  'crowd-dispersal': 'Sudden crowd dispersal', loitering: 'Loitering', intrusion: 'Intrusion',
  'vehicle-in-pedestrian-zone': 'Vehicle in a pedestrian zone', violence: 'Violence', other: 'Detection',
};

function parseTime(value: unknown, field: string): Date {
  if (typeof value !== 'string' || !isTimestamp(value)) {
    throw new StixConversionError(field, `must be an RFC 3339 UTC timestamp such as 2026-05-01T20:00:00.000Z, got ${JSON.stringify(value)}`);
  }
  return new Date(value);
}

function checkEvent(e: DetectionEvent): void {
  if (typeof e.id !== 'string' || e.id === '') throw new StixConversionError('id', 'must be a non-empty string');
  if (typeof e.source !== 'string' || e.source === '') throw new StixConversionError('source', 'must be a non-empty string');
  if (!(ALERT_CATEGORIES as readonly string[]).includes(e.category)) throw new StixConversionError('category', `must be one of ${ALERT_CATEGORIES.join(', ')}, got ${JSON.stringify(e.category)}`);
  if (!(ALERT_SEVERITIES as readonly string[]).includes(e.severity)) throw new StixConversionError('severity', `must be one of ${ALERT_SEVERITIES.join(', ')}, got ${JSON.stringify(e.severity)}`);
  if (!(SENSOR_KINDS as readonly string[]).includes(e.sensorKind)) throw new StixConversionError('sensorKind', `must be one of ${SENSOR_KINDS.join(', ')}, got ${JSON.stringify(e.sensorKind)}`);
  if (typeof e.confidence !== 'number' || !Number.isFinite(e.confidence) || e.confidence < 0 || e.confidence > 1) {
    throw new StixConversionError('confidence', `must be a number from 0 to 1, got ${JSON.stringify(e.confidence)}`);
  }
  for (const [i, ev] of (e.evidence ?? []).entries()) {
    if (typeof ev.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(ev.sha256)) throw new StixConversionError(`evidence[${i}].sha256`, 'must be 64 lower-case hex digits');
    if (typeof ev.uri !== 'string' || ev.uri === '') throw new StixConversionError(`evidence[${i}].uri`, 'must be a non-empty string');
  }
}

function fileName(uri: string): string {
  const clean = uri.replace(/[?#].*$/, '');
  const name = clean.slice(Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\')) + 1);
  return name || 'evidence';
}

/** The `file` SCO of one evidence file: hash, name, media type and the node's reference; never the content. */
export function evidenceFile(evidence: Evidence, ref: string, tlp: TlpLevel): StixObject {
  const name = fileName(evidence.uri);
  const hashes = { 'SHA-256': evidence.sha256 };
  const file: StixObject = {
    type: 'file',
    spec_version: '2.1',
    id: `file--${uuidV5(SCO_NAMESPACE, canonicalJson({ hashes, name }))}`,
    hashes,
    name,
    mime_type: evidence.mediaType,
    object_marking_refs: [tlpMarkingRef(tlp)],
    x_popart_evidence_kind: evidence.kind,
    x_popart_evidence_locator: ref,
  };
  const r = validateObject(file);
  if (!r.ok) throw new StixConversionError('evidence', `evidence ${evidence.sha256} does not make a valid file object: ${r.errors.map((i) => `${i.property}: ${i.message}`).join('; ')}`);
  return file;
}

const fmt = (v: number | string, digits = 1): string => (typeof v === 'number' ? String(Number(v.toFixed(digits))) : v);

/** Words for people: what was detected, without anyone's position or identity beyond the drone's own id. */
function describe(e: DetectionEvent, ended: boolean, areaFromSensor: boolean): string {
  const parts: string[] = [];
  const rid = e.remoteId;
  if (rid) {
    const m = e.measurements;
    const height = typeof m.height_m === 'number' ? ` at ${fmt(m.height_m)} m` : '';
    const speed = rid.speedMps !== undefined ? `, ${fmt(rid.speedMps)} m/s` : '';
    const heading = rid.headingDeg !== undefined ? ` heading ${fmt(rid.headingDeg, 0)}°` : '';
    const zone = e.zone ? ` in restricted zone ${e.zone}` : '';
    parts.push(`Drone ${rid.uasId} (${rid.uaType}, ${rid.idType})${zone}${height}${speed}${heading}, from its Remote ID broadcast.`);
    if (rid.operatorLatitude !== undefined) parts.push('The drone broadcasts its operator\'s position.');
  } else {
    parts.push(e.summary.endsWith('.') ? e.summary : `${e.summary}.`);
  }
  const measured = Object.entries(e.measurements)
    .filter(([k]) => !k.startsWith('operator') && k !== 'state')
    .map(([k, v]) => `${k} ${fmt(v, 3)}`);
  if (measured.length) parts.push(`Measured: ${measured.join(', ')}.`);
  parts.push(`Sensor ${e.source} (${e.sensorKind}), ${Math.round(e.confidence * 100)} % confident; started ${e.startedAt}, last observed ${e.observedAt}.`);
  if (areaFromSensor) parts.push('The sensor gives no position for the event: the area is the sensor\'s own position.');
  if (ended) parts.push('Ended: the sensor no longer detects it.');
  return parts.join(' ');
}

function isEnded(e: DetectionEvent, o: ToStixOptions): boolean {
  const state = e.measurements.state;
  return o.ended === true || state === 'left' || state === 'lost';
}

function fail(err: unknown, what: string): never {
  if (err instanceof StixValidationError) {
    const first = err.issues[0];
    throw new StixConversionError(first ? `${what}.${first.property}` : what, err.message, { cause: err });
  }
  throw err;
}

/** Converts one event (or an update of it) into a bundle; throws StixConversionError naming the field at fault. */
export function eventToStix(event: DetectionEvent, options: ToStixOptions): StixAlertBundle {
  checkEvent(event);
  const o = options;
  if (!/^identity--[0-9a-f-]{36}$/.test(o.agencyIdentityId)) throw new StixConversionError('options.agencyIdentityId', `must be an identity id, got ${JSON.stringify(o.agencyIdentityId)}`);
  if (typeof o.venue !== 'string' || o.venue.trim() === '') throw new StixConversionError('options.venue', 'must name the public space the sensor watches');
  const tlp = o.tlp ?? 'green';
  const started = parseTime(event.startedAt, 'startedAt');
  const observed = parseTime(event.observedAt, 'observedAt');
  if (observed < started) throw new StixConversionError('observedAt', `${event.observedAt} is before startedAt ${event.startedAt}`);
  const modified = o.modified ?? observed;
  if (Number.isNaN(modified.getTime()) || modified < started) throw new StixConversionError('options.modified', `must not be before startedAt ${event.startedAt}`);
  const area = event.area ?? o.sensorArea;
  if (!area) {
    throw new StixConversionError('area', `event ${event.id} from ${event.source} has no area and the source has no position: ` +
      'give the sensor a position (a small circle around it) in its configuration');
  }
  const areaFromSensor = event.area === undefined;
  const ended = isEnded(event, o);
  const ttl = ended ? (o.endedTtlS ?? DEFAULT_ENDED_TTL_S) : (o.ttlS ?? DEFAULT_TTL_S[event.category]);
  if (!(ttl > 0)) throw new StixConversionError(ended ? 'options.endedTtlS' : 'options.ttlS', `must be a positive number of seconds, got ${ttl}`);
  const expires = new Date(Math.max(modified.getTime(), observed.getTime()) + ttl * 1000);

  const ids = detectionStixIds(o.agencyIdentityId, event);
  const common = { createdByRef: o.agencyIdentityId, tlp, created: started, modified };
  const rid = event.remoteId;
  const hasOperator = rid?.operatorLatitude !== undefined && rid.operatorLongitude !== undefined;
  const guidance = [
    o.guidance?.[event.category] ?? DEFAULT_GUIDANCE[event.category],
    ...(event.category === 'drone' && hasOperator ? [OPERATOR_POSITION_GUIDANCE] : []),
    ...(areaFromSensor ? [SENSOR_AREA_GUIDANCE] : []),
    ...(ended ? [ENDED_GUIDANCE] : []),
  ].join(' ');
  const zone = event.zone ? ` in ${event.zone}` : '';
  const name = `${CATEGORY_TITLE[event.category]}${zone} at ${o.venue}${ended ? ' (ended)' : ''}`;
  const objects: StixObject[] = [];

  let alert: StixObject;
  try {
    alert = makeAlert({
      ...common,
      id: ids.alert,
      name,
      description: describe(event, ended, areaFromSensor),
      labels: ['popart-detection', event.category],
      confidence: Math.round(event.confidence * 100),
      category: event.category,
      severity: event.severity,
      detectionConfidence: Math.round(event.confidence * 100),
      area,
      sensorKind: event.sensorKind,
      venue: o.venue,
      ...(o.eventName ? { eventName: o.eventName } : {}),
      expires,
      guidance,
      ...(o.audienceRefs?.length ? { audienceRefs: [...new Set(o.audienceRefs)] } : {}),
    });
  } catch (err) {
    fail(err, 'alert');
  }
  const detection: Record<string, unknown> = { sensor: event.source, event_id: event.id };
  if (event.trackId !== undefined) detection.track_id = event.trackId;
  if (event.zone !== undefined) detection.zone = event.zone;
  if (event.mediaTimeS !== undefined) detection.media_time_s = event.mediaTimeS;
  if (typeof event.measurements.state === 'string') detection.state = event.measurements.state;
  alert.x_popart_detection = detection;
  if (hasOperator && rid) {
    alert.x_popart_operator_position = [rid.operatorLongitude as number, rid.operatorLatitude as number];
    if (rid.operatorId !== undefined) alert.x_popart_operator_description = `operator id ${rid.operatorId} (Remote ID)`;
  }
  objects.push(alert);

  let observedDataId: string | null = null;
  const evidence = event.evidence ?? [];
  if (evidence.length > 0) {
    const files = evidence.map((ev) => evidenceFile(ev, o.evidenceRef ? o.evidenceRef(ev) : fileName(ev.uri), tlp));
    const unique = [...new Map(files.map((f) => [f.id, f])).values()];
    try {
      const od = makeObservedData({ ...common, id: ids.observedData, firstObserved: started, lastObserved: observed, objectRefs: unique.map((f) => f.id) });
      observedDataId = od.id;
      objects.push(od, ...unique, makeRelationship({ ...common, modified: started, id: ids.observedRelationship, relationshipType: 'related-to', sourceRef: od.id, targetRef: ids.alert }));
    } catch (err) {
      fail(err, 'observed-data');
    }
  }

  let indicatorId: string | null = null;
  let sightingId: string | null = null;
  const macs = [...new Set((o.transmitters ?? []).map((m) => m.toLowerCase()))].filter((m) => MAC_RE.test(m)).sort();
  if (rid && macs.length > 0) {
    try {
      const indicator = makeIndicator({
        ...common,
        id: ids.indicator,
        name: `Remote ID broadcast of drone ${rid.uasId}`,
        description: `Bluetooth/Wi-Fi address${macs.length > 1 ? 'es' : ''} the drone ${rid.uasId} (${rid.uaType}) broadcast its Remote ID from, heard by ${event.source}.`,
        indicatorTypes: ['anomalous-activity'],
        pattern: macs.map((m) => `[mac-addr:value = '${m}']`).join(' OR '),
        validFrom: started,
        validUntil: expires,
        externalReferences: [{ source_name: 'remote-id', external_id: rid.uasId, description: `UAS id (${rid.idType}) from the ASTM F3411 Basic ID message` }],
      });
      indicatorId = indicator.id;
      const sighting = makeSighting({
        ...common,
        id: ids.sighting,
        sightingOfRef: indicator.id,
        whereSightedRefs: [o.agencyIdentityId],
        ...(observedDataId ? { observedDataRefs: [observedDataId] } : {}),
        firstSeen: started,
        lastSeen: observed,
        count: 1,
        description: `Heard by Remote ID receiver ${event.source}.`,
      });
      sightingId = sighting.id;
      objects.push(indicator, sighting, makeRelationship({ ...common, modified: started, id: ids.indicatorRelationship, relationshipType: 'related-to', sourceRef: indicator.id, targetRef: ids.alert }));
    } catch (err) {
      fail(err, 'indicator');
    }
  }

  const bundleId = `bundle--${hashedUuidV4(`${DETECTION_NAMESPACE}\u0000${ids.alert}\u0000${modified.toISOString()}`)}`;
  let bundle: Bundle;
  try {
    bundle = makeBundle(objects, bundleId);
  } catch (err) {
    fail(err, 'bundle');
  }
  return { bundle, alertId: ids.alert, observedDataId, indicatorId, sightingId, modified: modified.toISOString(), areaFromSensor, ended };
}
