import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StixValidationError } from './errors.js';
import { AGENCY, alertIncident, type Loose, assertOk, assertOneError, BUNDLE, errorsOf, T0, valid } from './test-objects.js';
import { tlpMarkingRef } from './tlp.js';
import { assertValidBundle, collectWarnings, validateBundle, validateObject } from './validate.js';

describe('common properties', () => {
  it('type must be a valid type name', () => {
    for (const type of ['IP', 'ab', 'ipv4_addr', '-ab', 'abc-', 'a'.repeat(251), 'x--y']) {
      const o = { ...valid('ipv4-addr'), type };
      const errors = errorsOf(validateObject(o));
      assert.equal(errors[0]?.property, 'type', `type ${type}`);
    }
    assertOneError(validateObject({ id: 'ipv4-addr--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b', value: '10.0.0.1' }), 'type', 'is required');
  });

  it('id is <type>--<RFC 4122 uuid> whose prefix is the type', () => {
    const o = valid('indicator');
    o.id = 'indicator--not-a-uuid';
    assertOneError(validateObject(o), 'id', 'RFC 4122');
    o.id = 'indicator--4c2d9a4e-5f1b-0e8a-9d3c-7a6b5e4d3c2b';
    assertOneError(validateObject(o), 'id', 'RFC 4122');
    o.id = 'identity--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    assertOneError(validateObject(o), 'id', 'prefix "identity" must equal the type "indicator"');
  });

  it('timestamps are RFC 3339 UTC with Z and real dates; modified >= created', () => {
    for (const bad of ['2025-06-01T20:00:00+00:00', '2025-06-01 20:00:00Z', '2025-02-30T00:00:00Z', '2025-06-01T24:00:00Z', '2025-6-1T20:00:00Z', 1717272000]) {
      const o = valid('indicator');
      o.created = bad;
      o.modified = '2030-01-01T00:00:00Z';
      assertOneError(validateObject(o), 'created', 'RFC 3339');
    }
    const leap = valid('indicator');
    leap.created = '2024-02-29T00:00:00Z';
    leap.modified = '2024-02-29T00:00:00.5Z';
    assertOk(validateObject(leap));
    const o = valid('indicator');
    o.modified = '2025-06-01T19:59:59.999Z';
    assertOneError(validateObject(o), 'modified', 'the same as or later than created');
  });

  it('compares timestamps of different precision correctly', () => {
    const o = valid('indicator');
    o.created = '2025-06-01T20:00:00.5Z';
    o.modified = '2025-06-01T20:00:00.499999Z';
    assertOneError(validateObject(o), 'modified', 'later than created');
  });

  it('created_by_ref must reference an identity', () => {
    const o = valid('indicator');
    o.created_by_ref = 'location--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    assertOneError(validateObject(o), 'created_by_ref', 'must reference identity');
    o.created_by_ref = 'identity--nope';
    assertOneError(validateObject(o), 'created_by_ref', 'STIX identifier');
  });

  it('object_marking_refs must reference marking-definitions', () => {
    const o = valid('indicator');
    o.object_marking_refs = [tlpMarkingRef('green'), AGENCY];
    assertOneError(validateObject(o), 'object_marking_refs[1]', 'must reference marking-definition');
    o.object_marking_refs = [];
    assertOneError(validateObject(o), 'object_marking_refs', 'must not be an empty list');
  });

  it('confidence is an integer 0–100; labels are strings; revoked is boolean', () => {
    const o = valid('indicator');
    o.confidence = 101;
    assertOneError(validateObject(o), 'confidence', 'between 0 and 100');
    o.confidence = 50.5;
    assertOneError(validateObject(o), 'confidence', 'integer');
    const l = valid('indicator');
    l.labels = ['drone', 3];
    assertOneError(validateObject(l), 'labels[1]', 'must be a string');
    const r = valid('indicator');
    r.revoked = 'yes';
    assertOneError(validateObject(r), 'revoked', 'boolean');
  });

  it('external references need source_name and one of description/url/external_id', () => {
    const o = valid('indicator');
    o.external_references = [{ source_name: 'capec', external_id: 'CAPEC-1' }, { url: 'https://example.org' }, { source_name: 'x' }];
    const errors = errorsOf(validateObject(o));
    assert.deepEqual(errors.map((e) => [e.property, e.message.includes('source_name') || e.message.includes('is required')]), [
      ['external_references[1].source_name', true],
      ['external_references[2].source_name', true],
    ]);
  });

  it('granular markings: marking_ref or lang, non-empty selectors that resolve', () => {
    const o = valid('indicator');
    o.description = 'Remote ID of the drone';
    o.granular_markings = [{ marking_ref: tlpMarkingRef('red'), selectors: ['description'] }];
    assertOk(validateObject(o));
    o.granular_markings = [{ selectors: ['description'] }];
    assertOneError(validateObject(o), 'granular_markings[0].marking_ref', 'either marking_ref or lang');
    o.granular_markings = [{ marking_ref: tlpMarkingRef('red'), selectors: [] }];
    assertOneError(validateObject(o), 'granular_markings[0].selectors', 'must not be an empty list');
    o.granular_markings = [{ marking_ref: tlpMarkingRef('red'), selectors: ['name'] }];
    assertOneError(validateObject(o), 'granular_markings[0].selectors[0]', 'does not point at a property');
    o.granular_markings = [{ marking_ref: tlpMarkingRef('red'), lang: 'en', selectors: ['description'] }];
    assertOneError(validateObject(o), 'granular_markings[0].lang', 'not be present together with marking_ref');
    o.external_references = [{ source_name: 'a', url: 'https://a.example' }];
    o.granular_markings = [{ lang: 'en', selectors: ['external_references.[0].url'] }];
    assertOk(validateObject(o));
  });

  it('custom properties must follow the naming rule; any custom *_ref holds an identifier', () => {
    const o = valid('indicator');
    Object.assign(o, { x_popart_note: 'ok', x_misp_category: 'Network activity' });
    assertOk(validateObject(o));
    o['X-Custom'] = 1;
    assertOneError(validateObject(o), 'X-Custom', 'property names must be 3–250 characters');
    delete o['X-Custom'];
    o.xy = 1;
    assertOneError(validateObject(o), 'xy', 'property names');
    delete o.xy;
    o.x_acme_camera_ref = 'camera-12';
    assertOneError(validateObject(o), 'x_acme_camera_ref', 'STIX identifier');
    o.x_acme_camera_ref = 'x-acme-camera--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    assertOk(validateObject(o));
  });

  it('extensions: extension-definition keys need extension_type on predefined types', () => {
    const o = valid('indicator');
    o.extensions = { 'extension-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b': { x: 1 } };
    assertOneError(validateObject(o), 'extensions.extension-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b.extension_type', 'is required');
    o.extensions = { 'extension-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b': { extension_type: 'new-sdo' } };
    assertOneError(validateObject(o), 'extensions.extension-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b.extension_type', 'cannot extend the predefined type');
    o.extensions = { 'extension-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b': { extension_type: 'toplevel-property-extension' } };
    assertOk(validateObject(o));
    o.extensions = { 'my-extension': {} };
    assertOneError(validateObject(o), 'extensions.my-extension', 'predefined extension name');
    const f = valid('file');
    f.extensions = { 'pdf-ext': { version: '1.7' } };
    assertOk(validateObject(f));
    const n = valid('network-traffic');
    n.extensions = { 'pdf-ext': { version: '1.7' } };
    assertOneError(validateObject(n), 'extensions.pdf-ext', 'belongs to file objects');
  });

  it('a non-object is reported, not thrown', () => {
    for (const v of [null, 3, 'x', []]) assertOneError(validateObject(v, 0), '(object)', 'must be a JSON object');
  });
});

describe('validateBundle', () => {
  const good = () => ({ type: 'bundle', id: BUNDLE, objects: [valid('identity'), alertIncident(), valid('indicator'), valid('sighting')] });

  it('accepts a valid bundle and returns it', () => {
    const b = good();
    const r = validateBundle(b);
    assert.ok(r.ok);
    assert.equal(r.ok && r.value, b);
  });

  it('checks the envelope', () => {
    const errors = errorsOf(validateBundle({ type: 'bundel', id: 'bundle--1', objects: [] }));
    assert.deepEqual(errors.map((e) => [e.objectIndex, e.objectId, e.property]), [
      [null, 'bundle--1', 'type'],
      [null, 'bundle--1', 'id'],
      [null, 'bundle--1', 'objects'],
    ]);
    assertOneError(validateBundle({ type: 'bundle', id: BUNDLE }), 'objects', 'is required');
    assertOneError(validateBundle({ type: 'bundle', id: BUNDLE, objects: {} }), 'objects', 'must be a list');
    assertOneError(validateBundle({ type: 'bundle', id: BUNDLE, spec_version: '2.0', objects: [valid('identity')] }), 'spec_version', 'only STIX 2.1');
    assertOneError(validateBundle('{"type":"bundle"}'), 'type', 'must be a JSON object');
  });

  it('lists every bad object, with index, id and property', () => {
    const b = good();
    const [identity, alert, indicator, sighting] = b.objects as [Loose, Loose, Loose, Loose];
    delete identity.name;
    (alert.extensions as Record<string, Record<string, unknown>>)[Object.keys(alert.extensions as object)[0] as string]!.severity = 'extreme';
    indicator.pattern = "[ipv4-addr:value = '10.0.0.1' AND]";
    sighting.count = -1;
    (b.objects as unknown[]).push(3);
    const errors = errorsOf(validateBundle(b));
    assert.deepEqual(errors.map((e) => [e.objectIndex, e.objectId, e.property]), [
      [0, identity.id, 'name'],
      [1, alert.id, `extensions.${Object.keys(alert.extensions as object)[0]}.severity`],
      [2, indicator.id, 'pattern'],
      [3, sighting.id, 'count'],
      [4, null, '(object)'],
    ]);
    assert.match(errors[2]!.message, /found "\]" at position 33/);
  });

  it('rejects the same id and modified twice, accepts two versions', () => {
    const b = good();
    b.objects.push(valid('indicator'));
    const e = assertOneError(validateBundle(b), 'id', 'object[2] has the same id and modified');
    assert.equal(e.objectIndex, 4);
    const later = valid('indicator');
    later.modified = '2025-06-02T00:00:00.000Z';
    b.objects[4] = later;
    assertOk(validateBundle(b));
  });

  it('assertValidBundle throws StixValidationError naming the first issue', () => {
    const b = good();
    (b.objects[2] as Record<string, unknown>).pattern_type = 5;
    (b.objects[3] as Record<string, unknown>).count = 'many';
    assert.throws(() => assertValidBundle(b), (err: unknown) => {
      assert.ok(err instanceof StixValidationError);
      assert.equal(err.name, 'StixValidationError');
      assert.equal(err.issues.length, 2);
      assert.match(err.message, /^object\[2\] indicator--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b property "pattern_type": must be a string.*\(and 1 more issue\)$/);
      return true;
    });
    assert.equal(assertValidBundle(good()).type, 'bundle');
  });

  it('collectWarnings reports custom types', () => {
    const b = good();
    b.objects.push({ type: 'x-acme-event', spec_version: '2.1', id: 'x-acme-event--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b', created: T0, modified: T0 });
    const w = collectWarnings(b);
    assert.deepEqual(w.map((x) => [x.objectIndex, x.property]), [[4, 'type']]);
  });
});
