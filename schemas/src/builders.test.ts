import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertOf } from './alert-extension.js';
import {
  makeAlert, makeBundle, makeIdentity, makeIndicator, makeLocation, makeObservedData, makeRelationship, makeSighting, newStixId,
  stixTimestamp,
} from './builders.js';
import { SchemaError, StixValidationError } from './errors.js';
import { assertOk } from './test-objects.js';
import { tlpMarkingRef, tlpOf } from './tlp.js';
import { validateBundle, validateObject } from './validate.js';

const created = new Date('2025-06-01T20:00:00Z');
const later = new Date('2025-06-01T23:00:00Z');
const UUID = '8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b01';

describe('builders', () => {
  it('newStixId and stixTimestamp', () => {
    assert.equal(newStixId('incident', UUID), `incident--${UUID}`);
    assert.match(newStixId('indicator'), /^indicator--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(newStixId('indicator'), newStixId('indicator'));
    assert.throws(() => newStixId('Indicator'), SchemaError);
    assert.throws(() => newStixId('indicator', 'nope'), SchemaError);
    assert.equal(stixTimestamp(created), '2025-06-01T20:00:00.000Z');
    assert.throws(() => stixTimestamp(new Date(Number.NaN)), SchemaError);
  });

  it('build a whole valid scenario', () => {
    const agency = makeIdentity({ created, name: 'Policía Nacional', id: `identity--${UUID}` });
    assert.equal(agency.created_by_ref, agency.id);
    const common = { created, createdByRef: agency.id, tlp: 'green' as const };
    const alert = makeAlert({
      ...common, id: newStixId('incident', UUID), name: 'Drone over the north stand', category: 'drone', severity: 'high', detectionConfidence: 87,
      area: { shape: 'circle', latitude: 40.45306, longitude: -3.68835, radius_m: 400 }, sensorKind: 'remote-id',
      venue: 'Estadio Santiago Bernabéu', eventName: 'Liga match', expires: later, guidance: 'Report position and heading.',
    });
    assert.equal(alert.type, 'incident');
    assert.equal(alert.id, `incident--${UUID}`);
    assert.equal(alertOf(alert)?.expires, '2025-06-01T23:00:00.000Z');
    assert.equal(alertOf(alert)?.detection_confidence, 87);
    assert.equal(tlpOf(alert), 'green');
    assert.deepEqual(alert.object_marking_refs, [tlpMarkingRef('green')]);
    const indicator = makeIndicator({ ...common, pattern: "[mac-addr:value = '60:60:1f:a3:5c:21']", validUntil: later, indicatorTypes: ['anomalous-activity'] });
    assert.equal(indicator.valid_from, '2025-06-01T20:00:00.000Z');
    assert.equal(indicator.pattern_type, 'stix');
    const location = makeLocation({ ...common, latitude: 40.45306, longitude: -3.68835, precision: 50, city: 'Madrid' });
    const mac = { type: 'mac-addr', id: newStixId('mac-addr'), value: '60:60:1f:a3:5c:21' };
    const observed = makeObservedData({ ...common, firstObserved: created, lastObserved: later, objectRefs: [mac.id] });
    const sighting = makeSighting({ ...common, sightingOfRef: alert.id, whereSightedRefs: [agency.id, location.id], observedDataRefs: [observed.id], count: 1, firstSeen: created, lastSeen: later });
    const rel = makeRelationship({ ...common, relationshipType: 'indicates', sourceRef: indicator.id, targetRef: alert.id });
    const bundle = makeBundle([agency, alert, indicator, location, mac, observed, sighting, rel]);
    assert.equal(bundle.objects.length, 8);
    assertOk(validateBundle(bundle));
    for (const o of bundle.objects) {
      assertOk(validateObject(o));
      assert.ok(!Object.values(o).includes(undefined), `${o.type} has undefined properties`);
    }
  });

  it('modified may be later than created; markings are merged without duplicates', () => {
    const i = makeIndicator({ created, modified: later, createdByRef: `identity--${UUID}`, tlp: 'amber', markingRefs: [tlpMarkingRef('amber')], pattern: "[url:value = 'rtsp://cam/1']" });
    assert.equal(i.modified, '2025-06-01T23:00:00.000Z');
    assert.deepEqual(i.object_marking_refs, [tlpMarkingRef('amber')]);
  });

  it('throw StixValidationError when the inputs make an invalid object', () => {
    assert.throws(
      () => makeIndicator({ created, createdByRef: `identity--${UUID}`, pattern: "[url:value = 'x'" }),
      (err: unknown) => err instanceof StixValidationError && err.issues[0]?.property === 'pattern',
    );
    assert.throws(
      () => makeAlert({
        created, createdByRef: `identity--${UUID}`, name: 'x', category: 'drone', severity: 'low', detectionConfidence: 50,
        area: { shape: 'circle', latitude: 0, longitude: 0, radius_m: 10 }, sensorKind: 'camera', venue: 'v', expires: created, guidance: 'g',
      }),
      /expires.*must be later than the object's created/,
    );
    assert.throws(() => makeBundle([]), /objects.*must not be empty/);
  });
});
