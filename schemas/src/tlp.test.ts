import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertOk, assertOneError, valid } from './test-objects.js';
import {
  compareTlp, isTlpMarkingId, markingsForProperty, mostRestrictiveTlp, TLP, TLP1, TLP_EXTENSION_ID, TLP_ORDER, tlpLevelOfMarking,
  tlpMarkingRef, tlpOf,
} from './tlp.js';
import type { StixObject } from './types.js';
import { validateBundle, validateObject } from './validate.js';

describe('TLP 2.0 marking definitions', () => {
  it('are the objects published with the TLP 2.0 extension', () => {
    // Literal copy of oasis-open/cti-stix-common-objects extension-definition-specifications/tlp-2.0/examples/tlp-amber+strict.json
    assert.deepEqual(TLP['amber+strict'], {
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
      created: '2022-10-01T00:00:00.000Z',
      name: 'TLP:AMBER+STRICT',
      extensions: {
        'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': { extension_type: 'property-extension', tlp_2_0: 'amber+strict' },
      },
    });
  });

  it('have the published ids', () => {
    assert.deepEqual(Object.fromEntries(TLP_ORDER.map((l) => [l, tlpMarkingRef(l)])), {
      clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
      green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
      amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
      'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
      red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
    });
    for (const l of TLP_ORDER) {
      assert.equal(TLP[l].id, tlpMarkingRef(l));
      assert.equal(TLP[l].name, `TLP:${l.toUpperCase()}`);
    }
    assert.equal(TLP_EXTENSION_ID, 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d');
  });

  it('validate, together and one by one', () => {
    for (const l of TLP_ORDER) assertOk(validateObject(TLP[l]));
    assertOk(validateBundle({ type: 'bundle', id: 'bundle--dcf8154d-27b3-4856-94eb-29fbda777116', objects: [...Object.values(TLP), ...Object.values(TLP1)] }));
  });

  it('are frozen', () => {
    assert.throws(() => {
      (TLP.red as { name?: string }).name = 'TLP:GREEN';
    }, TypeError);
  });

  it('a fake TLP 2.0 marking is rejected', () => {
    const fake = structuredClone(TLP.red) as Record<string, unknown>;
    fake.id = 'marking-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b';
    assertOneError(validateObject(fake), `extensions.${TLP_EXTENSION_ID}.tlp_2_0`, 'must use the published id for red');
    const swapped = structuredClone(TLP.red) as Record<string, unknown>;
    (swapped.extensions as Record<string, Record<string, unknown>>)[TLP_EXTENSION_ID]!.tlp_2_0 = 'green';
    const errors = validateObject(swapped);
    assert.ok(!errors.ok && errors.errors.some((e) => e.message.includes('is the published TLP:RED marking, not green')));
    const renamed = structuredClone(TLP.red) as Record<string, unknown>;
    renamed.name = 'TLP:GREEN';
    assertOneError(validateObject(renamed), 'name', 'must be "TLP:RED"');
    const level = structuredClone(TLP.red) as Record<string, unknown>;
    (level.extensions as Record<string, Record<string, unknown>>)[TLP_EXTENSION_ID]!.tlp_2_0 = 'purple';
    assertOneError(validateObject(level), `extensions.${TLP_EXTENSION_ID}.tlp_2_0`, 'must be one of clear, green, amber, amber+strict, red');
  });
});

describe('TLP 1.0', () => {
  it('has the ids predefined by STIX 2.1, mapped to TLP 2.0', () => {
    assert.equal(TLP1.white.id, 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9');
    assert.equal(TLP1.green.id, 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da');
    assert.equal(TLP1.amber.id, 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82');
    assert.equal(TLP1.red.id, 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed');
    assert.equal(tlpLevelOfMarking(TLP1.white.id), 'clear');
    assert.equal(tlpLevelOfMarking(TLP1.amber.id), 'amber');
  });

  it('a TLP 1.0 id with another definition is rejected', () => {
    const bad = { ...structuredClone(TLP1.white), definition: { tlp: 'red' } };
    assertOneError(validateObject(bad), 'definition', 'predefined TLP:WHITE');
  });
});

describe('tlpOf and friends', () => {
  const marked = (...refs: string[]): StixObject => ({ ...valid('indicator'), object_marking_refs: refs });

  it('orders levels by strictness', () => {
    assert.deepEqual(TLP_ORDER, ['clear', 'green', 'amber', 'amber+strict', 'red']);
    assert.ok(compareTlp('amber+strict', 'amber') > 0);
    assert.ok(compareTlp('clear', 'green') < 0);
    assert.equal(mostRestrictiveTlp(['green', 'red', 'amber']), 'red');
    assert.equal(mostRestrictiveTlp([]), undefined);
  });

  it('reads object_marking_refs, most restrictive wins, TLP 1.0 mapped', () => {
    assert.equal(tlpOf(marked(tlpMarkingRef('green'))), 'green');
    assert.equal(tlpOf(marked(tlpMarkingRef('green'), tlpMarkingRef('amber+strict'), tlpMarkingRef('amber'))), 'amber+strict');
    assert.equal(tlpOf(marked(TLP1.white.id)), 'clear');
    assert.equal(tlpOf(marked(TLP1.red.id, tlpMarkingRef('green'))), 'red');
    assert.equal(tlpOf(marked('marking-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b')), undefined);
    assert.equal(tlpOf(valid('indicator')), undefined);
  });

  it('ignores granular markings', () => {
    const o = { ...marked(tlpMarkingRef('green')), description: 'x', granular_markings: [{ marking_ref: tlpMarkingRef('red'), selectors: ['description'] }] };
    assert.equal(tlpOf(o), 'green');
  });

  it('isTlpMarkingId', () => {
    assert.ok(isTlpMarkingId(tlpMarkingRef('amber')));
    assert.ok(isTlpMarkingId(TLP1.green.id));
    assert.ok(!isTlpMarkingId('marking-definition--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b'));
  });

  it('markingsForProperty combines object and covering granular markings', () => {
    const o: StixObject = {
      ...marked(tlpMarkingRef('green')),
      description: 'pilot seen on the roof',
      external_references: [{ source_name: 'cam', url: 'rtsp://cam/1' }],
      granular_markings: [
        { marking_ref: tlpMarkingRef('red'), selectors: ['description'] },
        { marking_ref: tlpMarkingRef('amber'), selectors: ['external_references'] },
        { lang: 'es', selectors: ['pattern'] },
      ],
    };
    assertOk(validateObject(o));
    assert.equal(markingsForProperty(o, 'description'), 'red');
    assert.equal(markingsForProperty(o, 'external_references.[0].url'), 'amber');
    assert.equal(markingsForProperty(o, 'pattern'), 'green');
    assert.equal(markingsForProperty(o, 'descriptions'), 'green');
    const bare: StixObject = { ...valid('indicator'), description: 'x', granular_markings: [{ marking_ref: tlpMarkingRef('amber'), selectors: ['description'] }] };
    assert.equal(markingsForProperty(bare, 'description'), 'amber');
    assert.equal(markingsForProperty(bare, 'pattern'), undefined);
  });
});
