import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_EXTENSION_ID } from './alert-extension.js';
import { observableKey, observablesOf, REMOTE_ID_PROPERTY } from './observables.js';
import { alertBody, AGENCY, T0 } from './test-objects.js';

const keys = (o: Record<string, unknown>): string[] => observablesOf(o).map(observableKey).sort();

test('cyber-observables: the value of addresses and domains, normalised, and every hash of a file', () => {
  assert.deepEqual(keys({ type: 'mac-addr', id: 'mac-addr--x', value: '60:60:1F:A3:5C:21' }), ['mac-addr 60:60:1f:a3:5c:21']);
  assert.deepEqual(keys({ type: 'domain-name', id: 'domain-name--x', value: 'Drones.Example.' }), ['domain drones.example']);
  assert.deepEqual(keys({ type: 'file', id: 'file--x', hashes: { 'SHA-256': 'AB12', MD5: 'cd34' } }), ['file-hash MD5:cd34', 'file-hash SHA-256:ab12']);
});

test('indicator patterns: = and IN comparisons give values keyed like the observables, negations and LIKE give none', () => {
  const indicator = (pattern: string): Record<string, unknown> => ({ type: 'indicator', id: 'indicator--x', pattern, pattern_type: 'stix' });
  assert.deepEqual(keys(indicator("[mac-addr:value = '60:60:1F:A3:5C:21'] OR [ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')]")),
    ['ip 198.51.100.1', 'ip 198.51.100.2', 'mac-addr 60:60:1f:a3:5c:21']);
  assert.deepEqual(keys(indicator("[file:hashes.'SHA-256' = 'AB12'] FOLLOWEDBY [x-drone:serial = 'S1'] WITHIN 60 SECONDS")),
    ['file-hash SHA-256:ab12', 'pattern x-drone:serial S1']);
  assert.deepEqual(keys(indicator("[domain-name:value != 'a.example' AND url:value LIKE 'http%']")), []);
  assert.deepEqual(keys(indicator('not a pattern [')), [], 'a pattern that does not parse gives nothing, and does not throw');
  assert.deepEqual(keys({ ...indicator("[ipv4-addr:value = '1.2.3.4']"), pattern_type: 'sigma' }), [], 'only STIX patterns are read');
});

test('Remote ID: the x_popart_remote_id property, remote-id external references and the track of a Remote ID alert', () => {
  assert.deepEqual(keys({ type: 'incident', id: 'incident--x', [REMOTE_ID_PROPERTY]: { uas_id: '1596f3c4b5a6', session_id: 'S-9', operator_id: 'esp-op-77' } }),
    ['operator-id ESP-OP-77', 'remote-id 1596F3C4B5A6', 'remote-id S-9']);
  assert.deepEqual(keys({ type: 'indicator', id: 'indicator--x', external_references: [{ source_name: 'remote-id', external_id: '1596F3C4B5A6' }, { source_name: 'cve', external_id: 'CVE-1' }] }),
    ['remote-id 1596F3C4B5A6']);
  const alert = (sensor: string): Record<string, unknown> => ({
    type: 'incident', spec_version: '2.1', id: 'incident--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b', created: T0, modified: T0, created_by_ref: AGENCY, name: 'a',
    extensions: { [ALERT_EXTENSION_ID]: { ...alertBody(), sensor_kind: sensor } }, x_popart_detection: { sensor: 's', event_id: 'e', track_id: '1596F3C4B5A6' },
  });
  assert.deepEqual(keys(alert('remote-id')), ['remote-id 1596F3C4B5A6']);
  assert.deepEqual(keys(alert('camera')), [], 'a camera\'s track number is not a serial');
});
