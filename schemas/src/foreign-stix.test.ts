/**
 * STIX written by other tools is accepted: custom properties, custom object types, OpenCTI's property
 * extensions, MISP's TLP 1.0 markings. The bundles are written for these tests in the shape those tools
 * produce; the OASIS one is a trimmed, retyped copy of the OASIS "indicators for C2 with COA" example.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertIncident, assertOk, errorsOf } from './test-objects.js';
import { TLP1, tlpOf } from './tlp.js';
import type { StixObject } from './types.js';
import { validateBundle } from './validate.js';

const MISP_ORG = 'identity--55f6ea5e-2c60-40e5-964f-47a8950d210f';
const MISP_EVENT = 'report--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f7';

function mispBundle(): { type: string; id: string; objects: Record<string, unknown>[] } {
  return {
    type: 'bundle',
    id: 'bundle--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f0',
    objects: [
      { type: 'identity', spec_version: '2.1', id: MISP_ORG, created: '2024-03-05T10:11:12.000Z', modified: '2024-03-05T10:11:12.000Z', name: 'CIRCL', identity_class: 'organization' },
      {
        type: 'report', spec_version: '2.1', id: MISP_EVENT, created_by_ref: MISP_ORG,
        created: '2024-03-05T10:11:12.000Z', modified: '2024-03-05T10:15:00.000Z', name: 'Drone C2 infrastructure',
        published: '2024-03-05T10:15:00Z', report_types: ['threat-report'],
        labels: ['Threat-Report', 'misp:tool="MISP-STIX-Converter"', 'tlp:white'],
        object_refs: [
          'indicator--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f1', 'observed-data--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f2',
          'x-misp-attribute--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f4', 'x-misp-object--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f5',
        ],
        object_marking_refs: [TLP1.white.id],
      },
      {
        type: 'indicator', spec_version: '2.1', id: 'indicator--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f1', created_by_ref: MISP_ORG,
        created: '2024-03-05T10:11:12.000Z', modified: '2024-03-05T10:11:12.000Z', description: 'C2 server',
        pattern: "[ipv4-addr:value = '203.0.113.17']", pattern_type: 'stix', pattern_version: '2.1',
        valid_from: '2024-03-05T10:11:12Z', kill_chain_phases: [{ kill_chain_name: 'misp-category', phase_name: 'Network activity' }],
        labels: ['misp:type="ip-dst"', 'misp:category="Network activity"', 'misp:to_ids="True"'],
        x_misp_comment: 'seen in two events', object_marking_refs: [TLP1.white.id],
      },
      {
        type: 'observed-data', spec_version: '2.1', id: 'observed-data--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f2', created_by_ref: MISP_ORG,
        created: '2024-03-05T10:11:12.000Z', modified: '2024-03-05T10:11:12.000Z', first_observed: '2024-03-05T10:11:12Z',
        last_observed: '2024-03-05T10:11:12Z', number_observed: 1, object_refs: ['domain-name--5e4a1b2c-3d4e-5f50-8a61-72b3c4d5e6f3'],
        labels: ['misp:type="domain"', 'misp:category="Network activity"'],
      },
      { type: 'domain-name', spec_version: '2.1', id: 'domain-name--5e4a1b2c-3d4e-5f50-8a61-72b3c4d5e6f3', value: 'uav-c2.example.net' },
      {
        type: 'x-misp-attribute', spec_version: '2.1', id: 'x-misp-attribute--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f4', created_by_ref: MISP_ORG,
        created: '2024-03-05T10:11:12.000Z', modified: '2024-03-05T10:11:12.000Z', labels: ['misp:type="phone-number"', 'misp:category="Person"'],
        x_misp_type: 'phone-number', x_misp_category: 'Person', x_misp_value: '+34 600 000 000',
      },
      {
        type: 'x-misp-object', spec_version: '2.1', id: 'x-misp-object--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f5', created_by_ref: MISP_ORG,
        created: '2024-03-05T10:11:12.000Z', modified: '2024-03-05T10:11:12.000Z', labels: ['misp:name="drone"', 'misp:meta-category="misc"'],
        x_misp_name: 'drone', x_misp_meta_category: 'misc',
        x_misp_attributes: [{ type: 'text', object_relation: 'serial-number', value: '1581F4XFC23' }, { type: 'text', object_relation: 'model', value: 'Mavic 3' }],
      },
      TLP1.white as unknown as Record<string, unknown>,
    ],
  };
}

const OPENCTI_EXT = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';

function openctiBundle(): { type: string; id: string; objects: Record<string, unknown>[] } {
  return {
    type: 'bundle',
    id: 'bundle--7a0c2e43-1f0d-4c5b-9a8e-3d2f1e0c9b8a',
    objects: [
      {
        type: 'identity', spec_version: '2.1', id: 'identity--7a0c2e43-1f0d-4c5b-9a8e-3d2f1e0c9b81', created: '2024-04-01T08:00:00.000Z', modified: '2024-04-01T08:00:00.000Z',
        name: 'Filigran', identity_class: 'organization', x_opencti_organization_type: 'vendor',
        extensions: { [OPENCTI_EXT]: { extension_type: 'property-extension', id: '0b5f9f6c-0000-4000-8000-000000000001', type: 'Organization', created_at: '2024-04-01T08:00:00.000Z', is_inferred: false } },
      },
      {
        type: 'indicator', spec_version: '2.1', id: 'indicator--7a0c2e43-1f0d-4c5b-9a8e-3d2f1e0c9b82', created: '2024-04-01T08:00:00.000Z', modified: '2024-04-02T08:00:00.000Z',
        created_by_ref: 'identity--7a0c2e43-1f0d-4c5b-9a8e-3d2f1e0c9b81', name: 'Drone RF signature', pattern: "title:drone AND rf.freq:2400", pattern_type: 'x-opencti-lucene',
        valid_from: '2024-04-01T08:00:00.000Z', valid_until: '2025-04-01T08:00:00.000Z', confidence: 75, revoked: false,
        x_opencti_score: 80, x_opencti_detection: true, x_opencti_main_observable_type: 'Text',
        extensions: { [OPENCTI_EXT]: { extension_type: 'property-extension', score: 80, detection: true, labels_ids: [] } },
      },
      {
        type: 'case-incident', spec_version: '2.1', id: 'case-incident--7a0c2e43-1f0d-4c5b-9a8e-3d2f1e0c9b83', created: '2024-04-01T08:00:00.000Z', modified: '2024-04-01T08:00:00.000Z',
        name: 'Drone over the port', severity: 'high', priority: 'P2', response_types: ['drone'], object_refs: ['indicator--7a0c2e43-1f0d-4c5b-9a8e-3d2f1e0c9b82'],
        extensions: { 'extension-definition--2cf8236d-1f3d-4cc4-b4c9-1e0c7b4b5b84': { extension_type: 'new-sdo' } },
      },
      {
        type: 'hostname', spec_version: '2.1', id: 'hostname--7a0c2e43-1f0d-5c5b-9a8e-3d2f1e0c9b85', value: 'gcs-laptop.local',
        extensions: { 'extension-definition--2cf8236d-1f3d-4cc4-b4c9-1e0c7b4b5b85': { extension_type: 'new-sco' } },
      },
      { type: 'x-opencti-text', spec_version: '2.1', id: 'x-opencti-text--7a0c2e43-1f0d-5c5b-9a8e-3d2f1e0c9b86', value: 'DJI-Mavic-3-RID' },
    ],
  };
}

/** Trimmed, retyped from the OASIS STIX 2.1 example "indicators for C2 with COA". */
function oasisBundle(): { type: string; id: string; objects: Record<string, unknown>[] } {
  const mitre = 'identity--f690c992-8e7d-4b9a-9303-3312616c0220';
  return {
    type: 'bundle',
    id: 'bundle--63fe3b22-0201-47cf-85d0-97c02164528d',
    objects: [
      { type: 'identity', spec_version: '2.1', id: mitre, created: '2016-08-08T15:50:10.983Z', modified: '2016-08-08T15:50:10.983Z', name: 'The MITRE Corporation - DHS Support Team', identity_class: 'organization' },
      {
        type: 'malware', spec_version: '2.1', id: 'malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111', created_by_ref: mitre,
        created: '2017-01-27T13:49:53.997Z', modified: '2017-01-27T13:49:53.997Z', is_family: true, description: 'variant', malware_types: ['remote-access-trojan'], name: 'Poison Ivy',
      },
      {
        type: 'indicator', spec_version: '2.1', pattern_type: 'stix', id: 'indicator--a932fcc6-e032-476c-826f-cb970a5a1ade', created_by_ref: mitre,
        created: '2017-01-27T13:49:53.997Z', indicator_types: ['malicious-activity'], modified: '2017-01-27T13:49:53.997Z', name: 'File hash for Poison Ivy variant',
        pattern: "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']", valid_from: '2014-05-08T09:00:00.000000Z',
      },
      {
        type: 'relationship', spec_version: '2.1', id: 'relationship--29dcdf68-1b0c-4e16-94ed-bcc7a9572f69', created_by_ref: mitre,
        created: '2017-01-27T13:49:53.997Z', modified: '2017-01-27T13:49:53.997Z', relationship_type: 'indicates',
        source_ref: 'indicator--a932fcc6-e032-476c-826f-cb970a5a1ade', target_ref: 'malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111',
      },
      {
        type: 'campaign', spec_version: '2.1', id: 'campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', created: '2016-05-12T08:17:27.000Z', modified: '2016-05-12T08:17:27.000Z',
        created_by_ref: 'identity--f431f809-377b-45e0-aa1c-6a4751cae5ff', name: 'Spear Phishing', external_references: [{ source_name: 'capec', external_id: 'CAPEC-163' }],
        object_marking_refs: ['marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec'],
      },
    ],
  };
}

describe('foreign STIX is accepted', () => {
  it('a MISP-style bundle: x_misp_ properties, x-misp-* objects, TLP 1.0', () => {
    const r = validateBundle(mispBundle());
    assertOk(r);
    assert.ok(r.ok);
    assert.deepEqual(r.warnings.map((w) => [w.objectIndex, w.property]), [[5, 'type'], [6, 'type']]);
    assert.match(r.warnings[0]!.message, /"x-misp-attribute" is not a STIX 2.1 type; accepted as a custom object/);
    assert.equal(tlpOf(r.value.objects[1] as StixObject), 'clear');
  });

  it('an OpenCTI-style bundle: property extensions, custom SDO/SCO types, x_opencti_ properties', () => {
    const r = validateBundle(openctiBundle());
    assertOk(r);
    assert.ok(r.ok);
    assert.deepEqual(r.warnings.map((w) => [w.objectIndex, w.property]), [[2, 'type'], [3, 'type'], [4, 'type']]);
    assert.match(r.warnings[1]!.message, /custom observable/);
  });

  it('the OASIS example', () => {
    assertOk(validateBundle(oasisBundle()));
  });

  it('together with POP-ART alerts in one bundle', () => {
    const b = oasisBundle();
    b.objects.push(...mispBundle().objects, ...openctiBundle().objects, alertIncident());
    assertOk(validateBundle(b));
  });
});

describe('custom objects still follow the custom-object rules', () => {
  it('a custom SDO-looking object needs spec_version, created and modified', () => {
    const b = mispBundle();
    const attr = b.objects[5]!;
    delete attr.spec_version;
    delete attr.modified;
    const errors = errorsOf(validateBundle(b));
    assert.deepEqual(errors.map((e) => [e.objectIndex, e.objectId, e.property]), [
      [5, attr.id, 'spec_version'],
      [5, attr.id, 'modified'],
    ]);
  });

  it('custom type names and ids are checked', () => {
    const b = openctiBundle();
    b.objects[4]!.type = 'X-OpenCTI-Text';
    b.objects[3]!.id = 'hostname--123';
    b.objects[2]!.x_OpenCTI = 1;
    const errors = errorsOf(validateBundle(b));
    assert.deepEqual(errors.map((e) => [e.objectIndex, e.property]), [
      [2, 'x_OpenCTI'],
      [3, 'id'],
      [4, 'type'],
    ]);
  });

  it('a bad MISP object inside a good bundle is named by index and id', () => {
    const b = mispBundle();
    b.objects[2]!.pattern = "[ipv4-addr:value = '203.0.113.17'";
    b.objects[3]!.number_observed = 0;
    const errors = errorsOf(validateBundle(b));
    assert.deepEqual(errors.map((e) => [e.objectIndex, e.objectId, e.property]), [
      [2, 'indicator--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f1', 'pattern'],
      [3, 'observed-data--5e4a1b2c-3d4e-4f50-8a61-72b3c4d5e6f2', 'number_observed'],
    ]);
  });
});
