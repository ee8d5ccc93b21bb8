import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_EXTENSION_ID, type StixObject, type TlpLevel } from '@popart/schemas';
import { attributeValues, derivedUuid, DISTRIBUTION, manifestEntry, mispEvent, patternValues, tlpTags } from './misp-event.js';

const ORG = { name: 'Policía Nacional', uuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01' };
const T = '2026-05-01T10:00:00.000Z';

function polygonAlert(severity: string): StixObject {
  return {
    type: 'incident', spec_version: '2.1', id: 'incident--0b0e7b52-9c5e-4c1e-8d21-6a2b3c4d5e6f', created: T, modified: T, name: 'Crowd at the gate',
    extensions: {
      [ALERT_EXTENSION_ID]: {
        extension_type: 'property-extension', category: 'crowd-density', severity, detection_confidence: 70, sensor_kind: 'camera',
        venue: 'Gate 3', expires: '2026-05-01T12:00:00.000Z', guidance: 'Open gate 4.',
        area: { shape: 'polygon', vertices: [[-3.7, 40.4], [-3.6, 40.4], [-3.6, 40.5], [-3.7, 40.5], [-3.7, 40.4]] },
      },
    },
  } as unknown as StixObject;
}

test('a marking maps to its MISP distribution and tlp taxonomy tags', () => {
  const cases: [TlpLevel, number, string[]][] = [
    ['clear', 3, ['tlp:clear', 'tlp:white']], ['green', 1, ['tlp:green']], ['amber', 0, ['tlp:amber']],
    ['amber+strict', 0, ['tlp:amber+strict', 'tlp:red']], ['red', 0, ['tlp:red']],
  ];
  for (const [tlp, distribution, tags] of cases) {
    const e = mispEvent({ stix: polygonAlert('low'), tlp }, [], ORG);
    assert.equal(e.distribution, String(distribution), tlp);
    assert.deepEqual(e.Tag.filter((t) => t.name.startsWith('tlp:')).map((t) => t.name), tags, tlp);
  }
  assert.equal(mispEvent({ stix: polygonAlert('low'), tlp: null }, [], ORG).distribution, String(DISTRIBUTION.unmarked));
  assert.deepEqual(tlpTags(null), []);
});

test('severity is the threat level; a polygon area is its centre and the ring as text', () => {
  for (const [severity, level] of [['critical', '1'], ['high', '1'], ['medium', '2'], ['low', '3']]) {
    assert.equal(mispEvent({ stix: polygonAlert(severity as string), tlp: 'green' }, [], ORG).threat_level_id, level);
  }
  const e = mispEvent({ stix: polygonAlert('medium'), tlp: 'green' }, [], ORG);
  const geo = e.Object[0]!;
  const rel = (r: string): string | undefined => geo.Attribute.find((a) => a.object_relation === r)?.value;
  assert.ok(Math.abs(Number(rel('latitude')) - 40.45) < 1e-9, rel('latitude'));
  assert.ok(Math.abs(Number(rel('longitude')) + 3.65) < 1e-9, rel('longitude'));
  assert.match(rel('text') ?? '', /GeoJSON polygon/);
  assert.equal(e.date, '2026-05-01');
  assert.equal(e.timestamp, String(Date.parse(T) / 1000));
  assert.deepEqual(Object.keys(manifestEntry(e)).sort(), ['Orgc', 'Tag', 'analysis', 'date', 'info', 'publish_timestamp', 'threat_level_id', 'timestamp']);
  assert.ok(attributeValues(e).includes('Open gate 4.'));
});

test('indicator patterns become typed attributes; other patterns stay whole', () => {
  assert.deepEqual(patternValues("[mac-addr:value = '60:60:1f:a3:5c:21'] OR [ipv4-addr:value = '198.51.100.7']").map((v) => [v.type, v.value]),
    [['mac-address', '60:60:1f:a3:5c:21'], ['ip-dst', '198.51.100.7']]);
  assert.deepEqual(patternValues("[file:hashes.'SHA-256' = 'ab\\'c']").map((v) => [v.type, v.value]), [['sha256', "ab'c"]]);
  const odd = { type: 'indicator', id: 'indicator--1b0e7b52-9c5e-4c1e-8d21-6a2b3c4d5e6f', pattern: "[x-drone:serial = 'X1']" } as unknown as StixObject;
  const e = mispEvent({ stix: polygonAlert('low'), tlp: 'green' }, [odd], ORG);
  assert.deepEqual(e.Attribute.filter((a) => a.to_ids).map((a) => [a.type, a.value]), [['stix2-pattern', "[x-drone:serial = 'X1']"]]);
});

test('derived uuids are stable, distinct and well formed', () => {
  assert.equal(derivedUuid('a', 'b'), derivedUuid('a', 'b'));
  assert.notEqual(derivedUuid('a', 'b'), derivedUuid('a', 'c'));
  assert.match(derivedUuid('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
