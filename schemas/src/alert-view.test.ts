import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enclosingCircle } from './alert-area.js';
import { ALERT_EXTENSION_ID } from './alert-extension.js';
import { alertView, alertViewIds, alertViews, markingsWithTlp1 } from './alert-view.js';
import { hashedUuidV4, uuidV5 } from './derived-ids.js';
import { AGENCY, alertIncident, assertOk, INCIDENT, INDICATOR, T0, T1, valid, type Loose } from './test-objects.js';
import { TLP1, tlpMarkingRef } from './tlp.js';
import type { StixObject } from './types.js';
import { validateObject } from './validate.js';

const ext = (o: Loose) => (o.extensions as Record<string, Record<string, unknown>>)[ALERT_EXTENSION_ID] as Record<string, unknown>;

describe('the standard view of an alert (report, location, note)', () => {
  it('says what matters in objects every tool imports, each valid STIX, from the same creator under the same markings', () => {
    const alert = alertIncident() as StixObject;
    const [report, location, note, ...rest] = alertView(alert);
    assert.deepEqual(rest, []);
    for (const o of [report, location, note]) {
      assertOk(validateObject(o));
      assert.equal(o!.created_by_ref, AGENCY);
      assert.deepEqual(o!.object_marking_refs, [tlpMarkingRef('green'), TLP1.green.id]);
      assert.equal(o!.created, T0);
      assert.equal(o!.modified, T0);
    }
    assert.equal(report!.name, 'HIGH drone alert at Estadio Santiago Bernabéu: Drone over the stadium');
    assert.deepEqual(report!.labels, ['popart:category="drone"', 'popart:severity="high"', 'popart:sensor-kind="remote-id"']);
    assert.equal(report!.published, T0);
    assert.equal(report!.confidence, 87);
    assert.match(String(report!.description), /Valid from 2025-06-01T20:00:00.000Z until 2025-06-01T23:00:00.000Z/);
    assert.match(String(report!.description), /Venue: Estadio Santiago Bernabéu \(Liga match, 21:00\)/);
    assert.deepEqual(report!.object_refs, [INCIDENT, location!.id, note!.id]);
    assert.deepEqual([location!.latitude, location!.longitude, location!.precision, location!.name], [40.45306, -3.68835, 400, 'Estadio Santiago Bernabéu']);
    assert.match(String(note!.content), /^Do not engage the drone/);
    assert.deepEqual(note!.object_refs, [INCIDENT, report!.id]);
  });

  it('keeps its ids for every version and export of the alert, and gives another alert other ids', () => {
    const v1 = alertIncident() as StixObject;
    const v2 = { ...alertIncident(), modified: T1 } as StixObject;
    assert.deepEqual(alertView(v1).map((o) => o.id), alertView(v2).map((o) => o.id));
    assert.deepEqual(alertView(v2).map((o) => o.modified), [T1, T1, T1], 'a new version of the alert, a new version of its view');
    const ids = alertViewIds(INCIDENT);
    assert.deepEqual(alertView(v1).map((o) => o.id), [ids.report, ids.location, ids.note]);
    const other = alertViewIds('incident--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1aff');
    assert.notEqual(other.report, ids.report);
    assert.match(ids.report.slice('report--'.length), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'UUIDv4 layout, as STIX asks of SDOs');
  });

  it('holds the objects related to the alert in the same export in its report', () => {
    const alert = alertIncident() as StixObject;
    const indicator = { ...(valid('indicator') as Loose), id: INDICATOR } as StixObject;
    const rel = { ...(valid('relationship') as Loose), source_ref: INDICATOR, target_ref: INCIDENT } as StixObject;
    const sighting = { ...(valid('sighting') as Loose), sighting_of_ref: INDICATOR } as StixObject;
    const unrelated = { ...(valid('indicator') as Loose), id: 'indicator--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1aee' } as StixObject;
    const views = alertViews([alert, indicator, rel, sighting, unrelated]);
    const ids = alertViewIds(INCIDENT);
    assert.deepEqual(views.find((o) => o.id === ids.report)!.object_refs, [INCIDENT, ids.location, ids.note, rel.id, sighting.id, INDICATOR]);
    assert.deepEqual(alertViews([indicator, unrelated]), [], 'no alert, no view');
  });

  it('is never less restricted than any part of the alert: granular markings join, AMBER+STRICT is TLP 1.0 RED', () => {
    const alert = { ...alertIncident(), object_marking_refs: [tlpMarkingRef('amber+strict')],
      granular_markings: [{ marking_ref: tlpMarkingRef('red'), selectors: [`extensions.${ALERT_EXTENSION_ID}.guidance`] }] } as StixObject;
    assert.deepEqual(markingsWithTlp1(alert), [tlpMarkingRef('amber+strict'), TLP1.red.id, tlpMarkingRef('red')]);
    const clear = { ...alertIncident(), object_marking_refs: [tlpMarkingRef('clear')] } as StixObject;
    assert.deepEqual(markingsWithTlp1(clear), [tlpMarkingRef('clear'), TLP1.white.id]);
  });

  it('takes a polygon area as the circle that holds it', () => {
    const alert = alertIncident();
    ext(alert).area = { shape: 'polygon', vertices: [[-3.7, 40.4], [-3.6, 40.4], [-3.6, 40.5], [-3.7, 40.5], [-3.7, 40.4]] };
    const location = alertView(alert as StixObject)[1]!;
    assert.deepEqual([location.latitude, location.longitude], [40.45, -3.65]);
    const circle = enclosingCircle(ext(alert).area as never);
    assert.equal(location.precision, circle.radius_m);
    assert.ok(circle.radius_m > 6000 && circle.radius_m < 7000, `about 6.6 km to the corners, got ${circle.radius_m}`);
    assert.match(String(location.description), /a polygon of 4 vertices/);
  });

  it('is nothing for an object without a valid alert', () => {
    const broken = alertIncident();
    delete ext(broken).severity;
    assert.deepEqual(alertView(broken as StixObject), []);
    assert.deepEqual(alertView(valid('indicator') as StixObject), []);
  });
});

describe('deterministic ids', () => {
  it('UUIDv5 as Python computes it (STIX 2.1 SCO ids), and SHA-256 in the UUIDv4 layout', () => {
    assert.equal(uuidV5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":"60:60:1f:a3:5c:21"}'), 'a7dc00c5-9edd-5129-922d-b7f0d58d55dc');
    assert.equal(hashedUuidV4('a'), hashedUuidV4('a'));
    assert.notEqual(hashedUuidV4('a'), hashedUuidV4('b'));
    assert.match(hashedUuidV4('a'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
