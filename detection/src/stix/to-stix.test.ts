import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ALERT_CATEGORIES, ALERT_EXTENSION_ID, alertOf, parseStixPattern, tlpMarkingRef, tlpOf, validateBundle,
  type AlertCategory, type Bundle, type StixObject,
} from '@popart/schemas';
import type { DetectionEvent } from '../events.js';
import { DEFAULT_GUIDANCE, ENDED_GUIDANCE, SENSOR_AREA_GUIDANCE } from './guidance.js';
import { StixConversionError } from './stix-error.js';
import { detectionStixIds, eventToStix, uuidV5, type ToStixOptions } from './to-stix.js';

const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const MAD = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03';
const OPTIONS: ToStixOptions = { agencyIdentityId: PN, venue: 'Estadio Santiago Bernabéu', eventName: 'Liga match, 21:00' };
const SHA = 'c0ffee'.padEnd(64, '0');

/** Leaves a produced bundle where `npm test` runs the OASIS validator over it. */
function record(name: string, bundle: Bundle): void {
  const dir = process.env.POPART_STIX_OUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `detection-to-stix-${name}.json`), JSON.stringify(bundle, null, 2));
}

const SENSOR_OF: Record<AlertCategory, DetectionEvent['sensorKind']> = {
  drone: 'camera', gunshot: 'microphone', explosion: 'microphone', 'crowd-density': 'camera', 'crowd-dispersal': 'camera',
  loitering: 'camera', intrusion: 'camera', 'vehicle-in-pedestrian-zone': 'camera', violence: 'camera', other: 'microphone',
};

function event(over: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    id: 'c1d2e3f4-0000-4000-8000-000000000001',
    source: 'bernabeu-north-7',
    sensorKind: 'camera',
    category: 'crowd-density',
    severity: 'high',
    confidence: 0.82,
    startedAt: '2026-05-01T20:00:00.000Z',
    observedAt: '2026-05-01T20:00:04.000Z',
    area: { shape: 'polygon', vertices: [[-3.6888, 40.4533], [-3.6879, 40.4533], [-3.6880, 40.4539], [-3.6887, 40.4539], [-3.6888, 40.4533]] },
    summary: 'crowd density 4.6 persons/m² in zone plaza-gate-7',
    measurements: { density_per_m2: 4.6, persons: 120, rule: 'crowdDensity' },
    zone: 'plaza-gate-7',
    evidence: [{ kind: 'image', uri: '/var/popart/pn/evidence/bernabeu-north-7/c1d2-f12.jpg', sha256: SHA, mediaType: 'image/jpeg' }],
    ...over,
  };
}

function droneEvent(over: Partial<DetectionEvent> = {}): DetectionEvent {
  return event({
    id: 'remoteid-1a2b3c4d-0001-0002-0003-000000000004',
    source: 'rid-north',
    sensorKind: 'remote-id',
    category: 'drone',
    severity: 'high',
    confidence: 0.9,
    area: { shape: 'circle', latitude: 40.45310, longitude: -3.68830, radius_m: 10 },
    summary: 'drone 1596F3C4B5A6 inside restricted zone bernabeu at 60 m; operator at 40.45000, -3.69400 (600 m away), operator id FIN87astrdge12k8',
    measurements: { state: 'inside', in_zone_s: 4, frames: 9, height_m: 60, speed_mps: 8, operator_distance_m: 600 },
    zone: 'bernabeu',
    trackId: '1596F3C4B5A6',
    evidence: [{ kind: 'capture', uri: '/var/popart/pn/evidence/rid-north/incursion.pcap', sha256: SHA, mediaType: 'application/vnd.tcpdump.pcap' }],
    remoteId: {
      uasId: '1596F3C4B5A6', idType: 'serial-number', uaType: 'helicopter-or-multirotor', latitude: 40.4531, longitude: -3.6883,
      heightM: 60, speedMps: 8, headingDeg: 135, operatorId: 'FIN87astrdge12k8', operatorLatitude: 40.45, operatorLongitude: -3.694,
    },
    ...over,
  });
}

const byType = (b: Bundle, type: string): StixObject[] => b.objects.filter((o) => o.type === type);
const one = (b: Bundle, type: string): StixObject => {
  const found = byType(b, type);
  assert.equal(found.length, 1, `one ${type} in the bundle`);
  return found[0] as StixObject;
};

test('every category becomes a valid bundle: an alert with its extension, guidance, and the evidence as a hash only', () => {
  for (const category of ALERT_CATEGORIES) {
    const e = event({ category, sensorKind: SENSOR_OF[category], id: `event-${category}`, summary: `${category} seen` });
    const r = eventToStix(e, OPTIONS);
    const v = validateBundle(r.bundle);
    assert.ok(v.ok, `${category}: ${JSON.stringify(!v.ok && v.errors)}`);
    record(category, r.bundle);
    const alert = one(r.bundle, 'incident');
    assert.equal(alert.id, r.alertId);
    const ext = alertOf(alert);
    assert.ok(ext, `${category}: the incident carries a valid alert`);
    assert.equal(ext.category, category);
    assert.equal(ext.severity, 'high');
    assert.equal(ext.detection_confidence, 82);
    assert.equal(ext.sensor_kind, SENSOR_OF[category]);
    assert.equal(ext.venue, 'Estadio Santiago Bernabéu');
    assert.equal(ext.event_name, 'Liga match, 21:00');
    assert.deepEqual(ext.area, e.area);
    assert.equal(ext.guidance, DEFAULT_GUIDANCE[category]);
    assert.ok(ext.expires > e.observedAt);
    assert.equal(alert.created_by_ref, PN);
    assert.equal(alert.created, e.startedAt);
    assert.equal(alert.modified, e.observedAt);
    for (const o of r.bundle.objects) assert.equal(tlpOf(o), 'green', `${o.id} is marked TLP:GREEN`);
    const file = one(r.bundle, 'file');
    assert.deepEqual(file.hashes, { 'SHA-256': SHA });
    assert.equal(file.name, 'c1d2-f12.jpg');
    assert.equal(file.mime_type, 'image/jpeg');
    assert.equal(file.x_popart_evidence_locator, 'c1d2-f12.jpg', 'the file name, not the node\'s path');
    assert.ok(!JSON.stringify(r.bundle).includes('/var/popart'), 'no path of the node leaves it');
    assert.ok(!('payload_bin' in file) && !('url' in file), 'no content and no URL');
    const od = one(r.bundle, 'observed-data');
    assert.deepEqual(od.object_refs, [file.id]);
    assert.equal(od.first_observed, e.startedAt);
    assert.equal(od.last_observed, e.observedAt);
    const rel = one(r.bundle, 'relationship');
    assert.deepEqual([rel.source_ref, rel.relationship_type, rel.target_ref], [od.id, 'related-to', alert.id]);
    assert.equal(byType(r.bundle, 'indicator').length, 0, 'no indicator without a Remote ID drone');
  }
});

test('the evidence file id is the STIX 2.1 deterministic SCO id (UUIDv5 of hashes and name, as Python uuid5 computes it)', () => {
  const r = eventToStix(event({ evidence: [{ kind: 'capture', uri: '/x/x.pcap', sha256: 'a'.repeat(64), mediaType: 'application/vnd.tcpdump.pcap' }] }), OPTIONS);
  assert.equal(one(r.bundle, 'file').id, 'file--1b65f57b-a119-547e-91c9-38f635be6550');
  assert.equal(uuidV5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":"60:60:1f:a3:5c:21"}'), 'a7dc00c5-9edd-5129-922d-b7f0d58d55dc');
});

test('a Remote ID drone: indicator on its transmitter addresses, sighting with the observed data, operator position only in the redactable property', () => {
  const e = droneEvent();
  const r = eventToStix(e, { ...OPTIONS, transmitters: ['60:60:1F:A3:5C:21', '60:60:1f:a3:5c:21', 'not-a-mac', '02:11:22:33:44:55'] });
  const v = validateBundle(r.bundle);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
  record('remote-id-drone', r.bundle);
  const alert = one(r.bundle, 'incident');
  assert.deepEqual(alert.x_popart_operator_position, [-3.694, 40.45]);
  assert.equal(alert.x_popart_operator_description, 'operator id FIN87astrdge12k8 (Remote ID)');
  const ext = alertOf(alert)!;
  assert.match(ext.guidance, /pilot/);
  for (const text of [ext.guidance, String(alert.description), String(alert.name)]) {
    assert.ok(!text.includes('40.45000') && !text.includes('-3.694') && !text.includes('FIN87'), `no operator position or id in ${JSON.stringify(text)}`);
  }
  assert.match(String(alert.description), /^Drone 1596F3C4B5A6 \(helicopter-or-multirotor, serial-number\) in restricted zone bernabeu at 60 m, 8 m\/s heading 135°/);
  assert.deepEqual(alert.x_popart_detection, { sensor: 'rid-north', event_id: e.id, track_id: '1596F3C4B5A6', zone: 'bernabeu', state: 'inside' });
  const indicator = one(r.bundle, 'indicator');
  assert.equal(indicator.pattern, "[mac-addr:value = '02:11:22:33:44:55'] OR [mac-addr:value = '60:60:1f:a3:5c:21']");
  assert.equal(parseStixPattern(String(indicator.pattern)).kind, 'or');
  assert.equal(indicator.valid_until, ext.expires);
  assert.deepEqual(indicator.external_references, [{ source_name: 'remote-id', external_id: '1596F3C4B5A6', description: 'UAS id (serial-number) from the ASTM F3411 Basic ID message' }]);
  const sighting = one(r.bundle, 'sighting');
  assert.equal(sighting.sighting_of_ref, indicator.id);
  assert.deepEqual(sighting.where_sighted_refs, [PN]);
  assert.deepEqual(sighting.observed_data_refs, [r.observedDataId]);
  assert.deepEqual(byType(r.bundle, 'relationship').map((x) => [x.source_ref, x.target_ref]).sort(), [[r.observedDataId, r.alertId], [indicator.id, r.alertId]].sort());
});

test('a drone without transmitter addresses or evidence: the alert alone (no indicator pattern to match, nothing observed to refer to)', () => {
  const { evidence: _e, ...noEvidence } = droneEvent();
  const r = eventToStix(noEvidence, OPTIONS);
  assert.ok(validateBundle(r.bundle).ok);
  assert.deepEqual(r.bundle.objects.map((o) => o.type), ['incident']);
  assert.equal(r.observedDataId, null);
  assert.equal(r.indicatorId, null);
  record('drone-alert-only', r.bundle);
});

test('the same event maps to the same ids; an update is a new version (same ids, greater modified); another agency or event gets other ids', () => {
  const first = eventToStix(droneEvent(), { ...OPTIONS, transmitters: ['60:60:1f:a3:5c:21'] });
  const again = eventToStix(droneEvent(), { ...OPTIONS, transmitters: ['60:60:1f:a3:5c:21'] });
  assert.deepEqual(again.bundle, first.bundle, 'the same event gives the very same bundle (replays are harmless)');
  const update = eventToStix(droneEvent({ observedAt: '2026-05-01T20:00:09.000Z', severity: 'critical', area: { shape: 'circle', latitude: 40.4529, longitude: -3.6880, radius_m: 10 } }), { ...OPTIONS, transmitters: ['60:60:1f:a3:5c:21'] });
  assert.equal(update.alertId, first.alertId);
  assert.notEqual(update.bundle.id, first.bundle.id, 'each version travels in its own bundle');
  const versioned = ['incident', 'observed-data', 'indicator', 'sighting'];
  for (const type of versioned) {
    const a = one(first.bundle, type);
    const b = one(update.bundle, type);
    assert.equal(b.id, a.id, `${type} keeps its id`);
    assert.equal(b.created, a.created, `${type} keeps its created`);
    assert.ok(String(b.modified) > String(a.modified), `${type} has a greater modified`);
  }
  for (const type of ['relationship', 'file']) {
    assert.deepEqual(byType(update.bundle, type), byType(first.bundle, type), `${type} objects do not change`);
  }
  assert.equal(alertOf(one(update.bundle, 'incident'))!.severity, 'critical');
  const other = eventToStix(droneEvent(), { ...OPTIONS, agencyIdentityId: MAD });
  assert.notEqual(other.alertId, first.alertId, 'another agency publishing the same sensor event gets its own ids');
  const ids = detectionStixIds(PN, droneEvent({ id: 'another-incursion' }));
  assert.notEqual(ids.alert, first.alertId);
  assert.match(first.alertId, /^incident--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'laid out as a UUIDv4');
});

test('options.modified sets the version; it may not be before the event started', () => {
  const r = eventToStix(event(), { ...OPTIONS, modified: new Date('2026-05-01T20:00:04.001Z') });
  assert.equal(one(r.bundle, 'incident').modified, '2026-05-01T20:00:04.001Z');
  assert.throws(() => eventToStix(event(), { ...OPTIONS, modified: new Date('2026-05-01T19:00:00Z') }),
    (err: unknown) => err instanceof StixConversionError && err.field === 'options.modified');
});

test('an event without an area takes the sensor position (and says so); without one it is refused naming the area', () => {
  const { area: _a, ...noArea } = event({ category: 'gunshot', sensorKind: 'microphone' });
  const circle = { shape: 'circle' as const, latitude: 40.4531, longitude: -3.6883, radius_m: 150 };
  const r = eventToStix(noArea, { ...OPTIONS, sensorArea: circle });
  assert.ok(validateBundle(r.bundle).ok);
  assert.equal(r.areaFromSensor, true);
  const alert = one(r.bundle, 'incident');
  assert.deepEqual(alertOf(alert)!.area, circle);
  assert.ok(alertOf(alert)!.guidance.endsWith(SENSOR_AREA_GUIDANCE));
  assert.match(String(alert.description), /the area is the sensor's own position/);
  assert.throws(() => eventToStix(noArea, OPTIONS), (err: unknown) => {
    assert.ok(err instanceof StixConversionError);
    assert.equal(err.field, 'area');
    assert.match(err.message, /has no area and the source has no position/);
    return true;
  });
});

test('an ended event: a last version that says so and expires soon; Remote ID incursions that left or were lost count as ended', () => {
  const live = eventToStix(event(), OPTIONS);
  const ended = eventToStix(event({ observedAt: '2026-05-01T20:00:30.000Z' }), { ...OPTIONS, ended: true, endedTtlS: 120 });
  assert.equal(ended.alertId, live.alertId);
  assert.equal(ended.ended, true);
  const ext = alertOf(one(ended.bundle, 'incident'))!;
  assert.equal(ext.expires, '2026-05-01T20:02:30.000Z');
  assert.ok(ext.guidance.endsWith(ENDED_GUIDANCE));
  assert.match(String(one(ended.bundle, 'incident').name), /\(ended\)$/);
  assert.equal(eventToStix(droneEvent({ measurements: { state: 'left' } }), OPTIONS).ended, true);
  assert.equal(eventToStix(droneEvent({ measurements: { state: 'lost' } }), OPTIONS).ended, true);
  assert.equal(eventToStix(droneEvent(), OPTIONS).ended, false);
});

test('TLP and audience from the options: AMBER addressed to named agencies; guidance per category can be replaced', () => {
  const r = eventToStix(event(), { ...OPTIONS, tlp: 'amber', audienceRefs: [MAD, MAD], guidance: { 'crowd-density': 'Close gate 7 and open gates 5 and 9.' } });
  assert.ok(validateBundle(r.bundle).ok);
  record('amber-audience', r.bundle);
  for (const o of r.bundle.objects) assert.deepEqual(o.object_marking_refs, [tlpMarkingRef('amber')]);
  const ext = alertOf(one(r.bundle, 'incident'))!;
  assert.deepEqual(ext.audience_refs, [MAD]);
  assert.equal(ext.guidance, 'Close gate 7 and open gates 5 and 9.');
});

test('bad events and options are refused with the field and the reason', () => {
  const cases: [Partial<DetectionEvent>, string, RegExp][] = [
    [{ confidence: 1.5 }, 'confidence', /from 0 to 1/],
    [{ category: 'riot' as AlertCategory }, 'category', /must be one of drone/],
    [{ severity: 'extreme' as DetectionEvent['severity'] }, 'severity', /must be one of low/],
    [{ sensorKind: 'sonar' as DetectionEvent['sensorKind'] }, 'sensorKind', /must be one of camera/],
    [{ startedAt: 'yesterday' }, 'startedAt', /RFC 3339/],
    [{ observedAt: '2026-05-01T19:59:00.000Z' }, 'observedAt', /before startedAt/],
    [{ id: '' }, 'id', /non-empty/],
    [{ evidence: [{ kind: 'image', uri: 'a.jpg', sha256: 'ABC', mediaType: 'image/jpeg' }] }, 'evidence[0].sha256', /64 lower-case hex/],
    [{ area: { shape: 'circle', latitude: 95, longitude: 0, radius_m: 10 } }, `alert.extensions.${ALERT_EXTENSION_ID}.area.latitude`, /latitude/],
  ];
  for (const [over, field, reason] of cases) {
    assert.throws(() => eventToStix(event(over), OPTIONS), (err: unknown) => {
      assert.ok(err instanceof StixConversionError, `${field}: ${String(err)}`);
      assert.equal(err.field, field);
      assert.match(err.message, reason);
      return true;
    });
  }
  assert.throws(() => eventToStix(event(), { ...OPTIONS, venue: ' ' }), (err: unknown) => err instanceof StixConversionError && err.field === 'options.venue');
  assert.throws(() => eventToStix(event(), { ...OPTIONS, agencyIdentityId: 'pn' }), (err: unknown) => err instanceof StixConversionError && err.field === 'options.agencyIdentityId');
  assert.throws(() => eventToStix(event(), { ...OPTIONS, ttlS: 0 }), (err: unknown) => err instanceof StixConversionError && err.field === 'options.ttlS');
});
