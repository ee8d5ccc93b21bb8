import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertOk, assertOneError, errorsOf, valid, validObjects } from './test-objects.js';
import { validateObject } from './validate.js';

const REQUIRED: Record<string, string[]> = {
  'attack-pattern': ['name'],
  campaign: ['name'],
  'course-of-action': ['name'],
  grouping: ['context', 'object_refs'],
  identity: ['name'],
  incident: ['name'],
  indicator: ['pattern', 'pattern_type', 'valid_from'],
  infrastructure: ['name'],
  'intrusion-set': ['name'],
  malware: ['is_family'],
  'malware-analysis': ['product'],
  note: ['content', 'object_refs'],
  'observed-data': ['first_observed', 'last_observed', 'number_observed'],
  opinion: ['opinion', 'object_refs'],
  report: ['name', 'published', 'object_refs'],
  'threat-actor': ['name'],
  tool: ['name'],
  vulnerability: ['name'],
  relationship: ['relationship_type', 'source_ref', 'target_ref'],
  sighting: ['sighting_of_ref'],
  'extension-definition': ['name', 'schema', 'version', 'extension_types', 'created_by_ref'],
  'language-content': ['object_ref', 'contents'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  'domain-name': ['value'],
  url: ['value'],
  'network-traffic': ['protocols'],
  software: ['name'],
};

describe('every test object is valid', () => {
  for (const [type, obj] of Object.entries(validObjects())) {
    it(type, () => {
      const r = validateObject(obj);
      assertOk(r);
      assert.ok(r.ok && r.warnings.length === 0, `unexpected warnings for ${type}`);
    });
  }
});

describe('required properties', () => {
  for (const [type, props] of Object.entries(REQUIRED)) {
    for (const prop of props) {
      it(`${type} without ${prop}`, () => {
        const o = valid(type);
        delete o[prop];
        const e = assertOneError(validateObject(o, 3), prop, 'is required');
        assert.equal(e.objectIndex, 3);
        assert.equal(e.objectId, o.id);
      });
    }
  }

  it('spec_version, created and modified on SDOs and SROs', () => {
    for (const type of ['indicator', 'relationship', 'sighting', 'location']) {
      for (const prop of ['spec_version', 'created', 'modified']) {
        const o = valid(type);
        delete o[prop];
        assertOneError(validateObject(o), prop, 'is required');
      }
    }
  });

  it('marking-definition needs created and spec_version but not modified', () => {
    const o = valid('marking-definition');
    assertOk(validateObject(o));
    delete o.created;
    assertOneError(validateObject(o), 'created', 'is required');
  });

  it('SCOs may omit spec_version, but it must be 2.1 when given', () => {
    const o = valid('ipv4-addr');
    assertOk(validateObject(o));
    o.spec_version = '2.0';
    assertOneError(validateObject(o), 'spec_version', 'must be "2.1"');
  });

  it('file needs name or hashes', () => {
    const o = valid('file');
    delete o.name;
    assertOk(validateObject(o));
    delete o.hashes;
    assertOneError(validateObject(o), 'name', 'name or hashes');
  });

  it('malware that is a family needs a name', () => {
    const o = valid('malware');
    o.is_family = true;
    assertOneError(validateObject(o), 'name', 'is required');
  });

  it('malware-analysis needs result or analysis_sco_refs', () => {
    const o = valid('malware-analysis');
    delete o.result;
    assertOneError(validateObject(o), 'result', 'result or analysis_sco_refs');
  });

  it('network-traffic needs src_ref or dst_ref', () => {
    const o = valid('network-traffic');
    delete o.src_ref;
    assertOneError(validateObject(o), 'src_ref', 'at least one of src_ref, dst_ref');
  });
});

describe('type-specific rules', () => {
  it('indicator: valid_until must be later than valid_from', () => {
    const o = valid('indicator');
    o.valid_until = o.valid_from;
    assertOneError(validateObject(o), 'valid_until', 'later than valid_from');
  });

  it('indicator: a STIX pattern must parse; the position is in the message', () => {
    const o = valid('indicator');
    o.pattern = "[mac-addr:value = '60:60:1f:a3:5c:21'";
    assertOneError(validateObject(o), 'pattern', /STIX pattern syntax error: expected \], found end of pattern at position 37/);
  });

  it('indicator: other pattern languages are not parsed', () => {
    for (const pattern_type of ['sigma', 'snort', 'yara', 'suricata', 'pcre', 'spl', 'x-acme']) {
      const o = valid('indicator');
      Object.assign(o, { pattern_type, pattern: 'alert tcp any any -> any any (msg:"x";)' });
      assertOk(validateObject(o));
    }
  });

  it('location: region, country or latitude+longitude; ranges; precision needs coordinates', () => {
    const o = valid('location');
    delete o.latitude;
    delete o.longitude;
    assertOneError(validateObject(o), 'region', 'region, country, or latitude and longitude');
    o.country = 'ES';
    assertOk(validateObject(o));
    o.precision = 50;
    assertOneError(validateObject(o), 'precision', 'needs latitude and longitude');
    const p = valid('location');
    p.latitude = 91;
    assertOneError(validateObject(p), 'latitude', 'between -90 and 90');
    const q = valid('location');
    q.longitude = -180.5;
    assertOneError(validateObject(q), 'longitude', 'between -180 and 180');
    const r = valid('location');
    delete r.longitude;
    const errors = errorsOf(validateObject(r));
    assert.deepEqual(errors.map((e) => e.property), ['longitude', 'region']);
  });

  it('observed-data: number_observed range, exactly one of objects/object_refs, order', () => {
    const o = valid('observed-data');
    o.number_observed = 0;
    assertOneError(validateObject(o), 'number_observed', 'between 1 and 999999999');
    o.number_observed = 1_000_000_000;
    assertOneError(validateObject(o), 'number_observed', 'between 1 and 999999999');
    const both = valid('observed-data');
    both.objects = { '0': { type: 'mac-addr', value: '60:60:1f:a3:5c:21' } };
    assertOneError(validateObject(both), 'object_refs', 'exactly one of objects');
    const neither = valid('observed-data');
    delete neither.object_refs;
    assertOneError(validateObject(neither), 'object_refs', 'exactly one of objects');
    const deprecated = valid('observed-data');
    delete deprecated.object_refs;
    deprecated.objects = { '0': { type: 'mac-addr', value: '60:60:1f:a3:5c:21' } };
    const r = validateObject(deprecated);
    assert.ok(r.ok && r.warnings.some((w) => w.property === 'objects'));
    const order = valid('observed-data');
    order.last_observed = '2025-06-01T19:59:59.999Z';
    assertOneError(validateObject(order), 'last_observed', 'the same as or later than first_observed');
  });

  it('sighting: count range, first_seen <= last_seen, reference types', () => {
    const o = valid('sighting');
    o.count = 1_000_000_000;
    assertOneError(validateObject(o), 'count', 'between 0 and 999999999');
    const s = valid('sighting');
    s.last_seen = '2025-06-01T19:00:00Z';
    assertOneError(validateObject(s), 'last_seen', 'later than first_seen');
    const w = valid('sighting');
    w.where_sighted_refs = ['indicator--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b'];
    assertOneError(validateObject(w), 'where_sighted_refs[0]', 'must reference identity or location');
    const of = valid('sighting');
    of.sighting_of_ref = 'relationship--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    assertOneError(validateObject(of), 'sighting_of_ref', 'must reference an SDO');
    const od = valid('sighting');
    od.observed_data_refs = ['identity--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b'];
    assertOneError(validateObject(od), 'observed_data_refs[0]', 'must reference observed-data');
    const custom = valid('sighting');
    custom.sighting_of_ref = 'x-acme-drone--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    assertOk(validateObject(custom));
  });

  it('relationship: endpoints are SDOs or SCOs, stop_time after start_time', () => {
    const o = valid('relationship');
    o.target_ref = 'sighting--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    assertOneError(validateObject(o), 'target_ref', 'an SDO or SCO');
    const t = valid('relationship');
    Object.assign(t, { start_time: T1, stop_time: T1 });
    assertOneError(validateObject(t), 'stop_time', 'later than start_time');
  });

  it('opinion: the opinion value comes from the enumeration', () => {
    const o = valid('opinion');
    o.opinion = 'maybe';
    assertOneError(validateObject(o), 'opinion', 'strongly-disagree');
  });

  it('marking-definition: TLP 1.0 style definition', () => {
    const o = valid('marking-definition');
    Object.assign(o, { definition_type: 'tlp', definition: { tlp: 'purple' } });
    assertOneError(validateObject(o), 'definition.tlp', 'white, green, amber, red');
    const s = valid('marking-definition');
    s.definition = {};
    assertOneError(validateObject(s), 'definition.statement', 'is required');
    const n = valid('marking-definition');
    delete n.definition;
    delete n.definition_type;
    const errors = errorsOf(validateObject(n));
    assert.deepEqual(errors.map((e) => e.property), ['definition_type', 'definition']);
  });

  it('extension-definition: extension_types from the enumeration', () => {
    const o = valid('extension-definition');
    o.extension_types = ['property-extension', 'new-thing'];
    assertOneError(validateObject(o), 'extension_types[1]', 'must be one of new-sdo');
    o.extension_types = [];
    assertOneError(validateObject(o), 'extension_types', 'must not be an empty list');
  });

  it('SCO values: IPv4/IPv6/MAC formats', () => {
    const cases: [string, string, string][] = [
      ['ipv4-addr', '256.1.1.1', 'IPv4'],
      ['ipv4-addr', '10.0.0.0/33', 'IPv4'],
      ['ipv6-addr', '2001:db8:::1', 'IPv6'],
      ['ipv6-addr', '1:2:3:4:5:6:7:8:9', 'IPv6'],
      ['mac-addr', '60:60:1F:A3:5C:21', 'lower-case'],
      ['mac-addr', '60-60-1f-a3-5c-21', 'colon-separated'],
      ['mac-addr', '6:60:1f:a3:5c:21', 'MAC-48'],
    ];
    for (const [type, value, reason] of cases) {
      const o = valid(type);
      o.value = value;
      assertOneError(validateObject(o), 'value', reason);
    }
    for (const [type, value] of [['ipv4-addr', '223.166.0.0/15'], ['ipv6-addr', '::ffff:192.0.2.1'], ['ipv6-addr', 'fe80::/10'], ['ipv6-addr', '2001:0db8:0000:0000:0000:ff00:0042:8329']]) {
      const o = valid(type as string);
      o.value = value;
      assertOk(validateObject(o));
    }
  });

  it('network-traffic: reference types and ports', () => {
    const o = valid('network-traffic');
    o.dst_ref = 'url--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    o.dst_port = 70000;
    const errors = errorsOf(validateObject(o));
    assert.deepEqual(errors.map((e) => e.property), ['dst_ref', 'dst_port']);
  });
});

const T1 = '2025-06-01T21:00:00.000Z';
