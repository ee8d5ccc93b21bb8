import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { areaBBox, areaOfObject } from './alert-area.js';
import {
  ALERT_EXTENSION_ID, alertExtensionDefinition, alertOf, POPART_IDENTITY_ID, popartIdentity, validateAlertExtension,
} from './alert-extension.js';
import { alertBody, alertIncident, assertOk, assertOneError, errorsOf, type Loose, T0, valid } from './test-objects.js';
import { validateObject } from './validate.js';

const P = `extensions.${ALERT_EXTENSION_ID}`;

function withAlert(change: (ext: Record<string, unknown>) => void): Loose {
  const o = alertIncident();
  change((o.extensions as Record<string, Record<string, unknown>>)[ALERT_EXTENSION_ID] as Record<string, unknown>);
  return o;
}

describe('the alert extension definition', () => {
  it('is a valid property-extension definition created by the POP-ART identity', () => {
    assertOk(validateObject(alertExtensionDefinition));
    assertOk(validateObject(popartIdentity));
    assert.equal(alertExtensionDefinition.id, ALERT_EXTENSION_ID);
    assert.match(ALERT_EXTENSION_ID, /^extension-definition--[0-9a-f-]{36}$/);
    assert.equal(alertExtensionDefinition.created_by_ref, POPART_IDENTITY_ID);
    assert.equal(popartIdentity.name, 'POP-ART project');
    assert.equal(popartIdentity.identity_class, 'organization');
    assert.deepEqual(alertExtensionDefinition.extension_types, ['property-extension']);
    assert.equal(alertExtensionDefinition.version, '1.0.0');
    assert.equal(alertExtensionDefinition.name, 'POP-ART public-space alert');
    assert.match(alertExtensionDefinition.schema, /^https:\/\//);
  });
});

describe('a valid alert', () => {
  it('validates, with a circle or a polygon area, with audience_refs', () => {
    assertOk(validateObject(alertIncident()));
    assertOk(validateObject(withAlert((e) => {
      e.area = { shape: 'polygon', vertices: [[-3.69, 40.45], [-3.68, 40.45], [-3.68, 40.46], [-3.69, 40.45]] };
      e.audience_refs = ['identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a09'];
      delete e.event_name;
    })));
  });

  it('alertOf returns it; undefined when absent or invalid', () => {
    assert.equal(alertOf(alertIncident())?.category, 'drone');
    assert.equal(alertOf(valid('incident')), undefined);
    assert.equal(alertOf(withAlert((e) => { e.severity = 'huge'; })), undefined);
  });
});

describe('each bad field is reported with its path', () => {
  const cases: [string, (e: Record<string, unknown>) => void, string, string][] = [
    ['extension_type', (e) => { e.extension_type = 'toplevel-property-extension'; }, 'extension_type', 'must be "property-extension"'],
    ['category', (e) => { e.category = 'ufo'; }, 'category', 'must be one of drone, gunshot'],
    ['category missing', (e) => { delete e.category; }, 'category', 'is required'],
    ['severity', (e) => { e.severity = 'High'; }, 'severity', 'low, medium, high, critical'],
    ['detection_confidence > 100', (e) => { e.detection_confidence = 101; }, 'detection_confidence', 'between 0 and 100'],
    ['detection_confidence fraction', (e) => { e.detection_confidence = 0.87; }, 'detection_confidence', 'integer'],
    ['sensor_kind', (e) => { e.sensor_kind = 'lidar'; }, 'sensor_kind', 'camera, microphone, remote-id'],
    ['venue missing', (e) => { delete e.venue; }, 'venue', 'is required'],
    ['venue empty', (e) => { e.venue = ' '; }, 'venue', 'must not be empty'],
    ['event_name', (e) => { e.event_name = 7; }, 'event_name', 'must be a string'],
    ['expires format', (e) => { e.expires = '2025-06-01 23:00'; }, 'expires', 'RFC 3339'],
    ['expires before created', (e) => { e.expires = T0; }, 'expires', "later than the object's created"],
    ['guidance missing', (e) => { delete e.guidance; }, 'guidance', 'is required'],
    ['guidance too long', (e) => { e.guidance = 'x'.repeat(2001); }, 'guidance', 'at most 2000 characters'],
    ['audience_refs type', (e) => { e.audience_refs = ['location--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a02']; }, 'audience_refs[0]', 'must reference identity'],
    ['audience_refs twice', (e) => { e.audience_refs = ['identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a09', 'identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a09']; }, 'audience_refs', 'twice'],
    ['unknown property', (e) => { e.colour = 'red'; }, 'colour', 'not a property of the POP-ART'],
    ['area missing', (e) => { delete e.area; }, 'area', 'is required'],
    ['area shape', (e) => { e.area = { shape: 'square' }; }, 'area.shape', 'circle, polygon'],
    ['circle radius 0', (e) => { (e.area as Record<string, unknown>).radius_m = 0; }, 'area.radius_m', 'greater than 0'],
    ['circle radius too big', (e) => { (e.area as Record<string, unknown>).radius_m = 100_001; }, 'area.radius_m', 'at most 100000'],
    ['circle latitude', (e) => { (e.area as Record<string, unknown>).latitude = -90.1; }, 'area.latitude', 'between -90 and 90'],
    ['circle longitude', (e) => { (e.area as Record<string, unknown>).longitude = 181; }, 'area.longitude', 'between -180 and 180'],
    ['circle extra', (e) => { (e.area as Record<string, unknown>).vertices = []; }, 'area.vertices', 'not a property of a circle'],
    ['polygon too few', (e) => { e.area = { shape: 'polygon', vertices: [[0, 0], [1, 0], [0, 0]] }; }, 'area.vertices', 'at least 4 vertices'],
    ['polygon open', (e) => { e.area = { shape: 'polygon', vertices: [[0, 0], [1, 0], [1, 1], [0, 1]] }; }, 'area.vertices', 'must be closed'],
    ['polygon latitude', (e) => { e.area = { shape: 'polygon', vertices: [[0, 0], [1, 95], [1, 1], [0, 0]] }; }, 'area.vertices[1]', 'latitude must be between -90 and 90'],
    ['polygon longitude', (e) => { e.area = { shape: 'polygon', vertices: [[0, 0], [200, 0], [1, 1], [0, 0]] }; }, 'area.vertices[1]', 'longitude must be between'],
    ['polygon pair', (e) => { e.area = { shape: 'polygon', vertices: [[0, 0], [1], [1, 1], [0, 0]] }; }, 'area.vertices[1]', '[longitude, latitude] pair'],
  ];
  for (const [name, change, property, reason] of cases) {
    it(name, () => {
      const o = withAlert(change);
      const e = assertOneError(validateObject(o, 1), `${P}.${property}`, reason);
      assert.equal(e.objectIndex, 1);
      assert.equal(e.objectId, o.id);
      assert.deepEqual(validateAlertExtension(o, 1), [e]);
    });
  }

  it('a non-object extension value', () => {
    const o = alertIncident();
    (o.extensions as Record<string, unknown>)[ALERT_EXTENSION_ID] = 'drone';
    assertOneError(validateObject(o), P, 'must be an object');
    assert.equal(validateAlertExtension(o).length, 1);
  });

  it('the extension on another SDO is checked too', () => {
    const o = { ...valid('indicator'), extensions: { [ALERT_EXTENSION_ID]: { ...alertBody(), severity: 'none' } } };
    assertOneError(validateObject(o), `${P}.severity`, 'low, medium');
  });

  it('collects several problems at once', () => {
    const errors = errorsOf(validateObject(withAlert((e) => { e.severity = 'x'; e.detection_confidence = -1; delete e.venue; })));
    assert.deepEqual(errors.map((e) => e.property), [`${P}.severity`, `${P}.detection_confidence`, `${P}.venue`]);
  });
});

describe('areas', () => {
  it('circle bbox: radius in degrees of latitude, longitude scaled by cos(latitude)', () => {
    const [minLon, minLat, maxLon, maxLat] = areaBBox({ shape: 'circle', latitude: 60, longitude: 10, radius_m: 1000 });
    const dLat = 1000 / 111_195.08;
    assert.ok(Math.abs(maxLat - 60 - dLat) < 1e-6 && Math.abs(60 - minLat - dLat) < 1e-6);
    assert.ok(Math.abs(maxLon - 10 - 2 * dLat) < 1e-6 && Math.abs(10 - minLon - 2 * dLat) < 1e-6);
  });

  it('circle bbox at the equator and clamped near the pole', () => {
    const eq = areaBBox({ shape: 'circle', latitude: 0, longitude: 0, radius_m: 111_195.08 });
    eq.forEach((v, i) => assert.ok(Math.abs(v - [-1, -1, 1, 1][i]!) < 1e-6));
    assert.deepEqual(areaBBox({ shape: 'circle', latitude: 90, longitude: 0, radius_m: 1000 }).map((v) => Math.round(v)), [-180, 90, 180, 90]);
  });

  it('polygon bbox is the extent of its vertices', () => {
    assert.deepEqual(areaBBox({ shape: 'polygon', vertices: [[-3.69, 40.45], [-3.68, 40.45], [-3.68, 40.46], [-3.69, 40.45]] }), [-3.69, 40.45, -3.68, 40.46]);
  });

  it('areaOfObject: alert area, location point or circle, nothing otherwise', () => {
    assert.deepEqual(areaOfObject(alertIncident()), alertBody().area);
    assert.deepEqual(areaOfObject(valid('location')), { shape: 'point', latitude: 40.45306, longitude: -3.68835 });
    assert.deepEqual(areaOfObject({ ...valid('location'), precision: 250 }), { shape: 'circle', latitude: 40.45306, longitude: -3.68835, radius_m: 250 });
    assert.deepEqual(areaBBox(areaOfObject(valid('location'))!), [-3.68835, 40.45306, -3.68835, 40.45306]);
    assert.equal(areaOfObject({ ...valid('location'), latitude: undefined }), undefined);
    assert.equal(areaOfObject(valid('indicator')), undefined);
  });
});
