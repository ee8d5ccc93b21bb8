/**
 * Shared test data: one minimal valid object per STIX type the validators know, and helpers to break
 * them. Used only by the *.test.ts files (not exported from the package).
 */
import assert from 'node:assert/strict';
import { ALERT_EXTENSION_ID } from './alert-extension.js';
import type { StixIssue, Validation } from './issues.js';
import { tlpMarkingRef } from './tlp.js';

export const T0 = '2025-06-01T20:00:00.000Z';
export const T1 = '2025-06-01T21:00:00.000Z';
export const AGENCY = 'identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a01';
export const LOCATION = 'location--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a02';
export const INDICATOR = 'indicator--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a03';
export const INCIDENT = 'incident--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a04';
export const MAC = 'mac-addr--0c1e7e4e-8a61-5f55-b0a8-0d6c3b1f1a05';
export const OBSERVED = 'observed-data--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a06';
export const BUNDLE = 'bundle--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a07';

const UUID = '4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';

/** A STIX object as plain JSON, so tests can break any property. */
export type Loose = { type: string; id: string; [k: string]: unknown };

function core(type: string, extra: Record<string, unknown>): Loose {
  return { type, spec_version: '2.1', id: `${type}--${UUID}`, created: T0, modified: T0, created_by_ref: AGENCY, ...extra };
}

/** A valid alert extension body (circle area). */
export function alertBody(): Record<string, unknown> {
  return {
    extension_type: 'property-extension',
    category: 'drone',
    severity: 'high',
    detection_confidence: 87,
    area: { shape: 'circle', latitude: 40.45306, longitude: -3.68835, radius_m: 400 },
    sensor_kind: 'remote-id',
    venue: 'Estadio Santiago Bernabéu',
    event_name: 'Liga match, 21:00',
    expires: '2025-06-01T23:00:00.000Z',
    guidance: 'Do not engage the drone. Report its position and heading to the command post.',
  };
}

/** An alert: an incident carrying the alert extension, TLP:GREEN. */
export function alertIncident(): Loose {
  return {
    ...core('incident', { name: 'Drone over the stadium' }),
    id: INCIDENT,
    object_marking_refs: [tlpMarkingRef('green')],
    extensions: { [ALERT_EXTENSION_ID]: alertBody() },
  };
}

/** Minimal valid objects, by type. */
export function validObjects(): Record<string, Loose> {
  return {
    'attack-pattern': core('attack-pattern', { name: 'Drone overflight' }),
    campaign: core('campaign', { name: 'Summer drone campaign', first_seen: T0, last_seen: T1 }),
    'course-of-action': core('course-of-action', { name: 'Jam the control link' }),
    grouping: core('grouping', { context: 'suspicious-activity', object_refs: [INDICATOR] }),
    identity: core('identity', { name: 'Policía Nacional', identity_class: 'organization' }),
    incident: core('incident', { name: 'Drone over the stadium' }),
    indicator: core('indicator', { pattern: "[mac-addr:value = '60:60:1f:a3:5c:21']", pattern_type: 'stix', valid_from: T0 }),
    infrastructure: core('infrastructure', { name: 'Drone control station' }),
    'intrusion-set': core('intrusion-set', { name: 'Pilots group' }),
    location: core('location', { latitude: 40.45306, longitude: -3.68835 }),
    malware: core('malware', { is_family: false }),
    'malware-analysis': core('malware-analysis', { product: 'sandbox', result: 'benign' }),
    note: core('note', { content: 'Seen twice this week.', object_refs: [INDICATOR] }),
    'observed-data': core('observed-data', { first_observed: T0, last_observed: T1, number_observed: 1, object_refs: [MAC] }),
    opinion: core('opinion', { opinion: 'agree', object_refs: [INDICATOR] }),
    report: core('report', { name: 'Weekly report', published: T1, object_refs: [INDICATOR] }),
    'threat-actor': core('threat-actor', { name: 'Unknown pilot' }),
    tool: core('tool', { name: 'DJI Mavic 3' }),
    vulnerability: core('vulnerability', { name: 'CVE-2023-0001' }),
    relationship: core('relationship', { relationship_type: 'indicates', source_ref: INDICATOR, target_ref: INCIDENT }),
    sighting: core('sighting', { sighting_of_ref: INDICATOR, where_sighted_refs: [AGENCY, LOCATION], count: 2, first_seen: T0, last_seen: T1 }),
    'marking-definition': {
      type: 'marking-definition', spec_version: '2.1', id: `marking-definition--${UUID}`, created: T0,
      definition_type: 'statement', definition: { statement: 'Copyright POP-ART' },
    },
    'extension-definition': core('extension-definition', {
      name: 'x', schema: 'https://example.org/schema.json', version: '1.0.0', extension_types: ['property-extension'],
    }),
    'language-content': core('language-content', { object_ref: INDICATOR, contents: { es: { name: 'Dron' } } }),
    'ipv4-addr': { type: 'ipv4-addr', id: `ipv4-addr--${UUID}`, value: '198.51.100.7' },
    'ipv6-addr': { type: 'ipv6-addr', id: `ipv6-addr--${UUID}`, value: '2001:db8::1' },
    'mac-addr': { type: 'mac-addr', id: MAC, value: '60:60:1f:a3:5c:21' },
    'domain-name': { type: 'domain-name', id: `domain-name--${UUID}`, value: 'drone.example.org' },
    url: { type: 'url', id: `url--${UUID}`, value: 'rtsp://cam-12.example.org/stream' },
    file: { type: 'file', id: `file--${UUID}`, name: 'clip-0412.mp4', hashes: { 'SHA-256': 'ab'.repeat(32) } },
    'network-traffic': { type: 'network-traffic', id: `network-traffic--${UUID}`, protocols: ['udp'], src_ref: MAC },
    software: { type: 'software', id: `software--${UUID}`, name: 'DJI firmware' },
  };
}

/** A fresh copy of a valid object of the type. */
export function valid(type: string): Loose {
  const o = validObjects()[type];
  assert.ok(o, `no test object for ${type}`);
  return structuredClone(o);
}

/** Asserts a failed validation and returns its errors. */
export function errorsOf<T>(r: Validation<T>): StixIssue[] {
  assert.equal(r.ok, false, 'expected the validation to fail');
  return r.ok ? [] : r.errors;
}

/** Asserts exactly one error on `property` whose message contains `reason` (and returns it). */
export function assertOneError<T>(r: Validation<T>, property: string, reason: string | RegExp): StixIssue {
  const errors = errorsOf(r);
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(errors, null, 1)}`);
  const e = errors[0] as StixIssue;
  assert.equal(e.property, property);
  if (typeof reason === 'string') assert.ok(e.message.includes(reason), `message "${e.message}" should contain "${reason}"`);
  else assert.match(e.message, reason);
  return e;
}

export function assertOk<T>(r: Validation<T>): T {
  assert.ok(r.ok, r.ok ? '' : `expected valid, got ${JSON.stringify(r.errors, null, 1)}`);
  return r.value;
}
