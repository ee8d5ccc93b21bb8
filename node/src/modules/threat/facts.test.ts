/**
 * An object's facts for the policy: the property paths the redaction rules may name are asked of the object
 * (`present`), and answer what listing every path and keeping the named ones answered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StixObject } from '@popart/schemas';
import { objectInput } from '../../policy/opa-input.js';
import { factsFromRow, hasPropertyPath, propertyPaths } from './facts.js';
import { rowFromObject } from './threat-row.js';

const ALERT = 'extension-definition--6f3c5b8e-1d7a-4b0e-9f5c-2a8d4e6b7c10';
const object = {
  type: 'incident', spec_version: '2.1', id: 'incident--0b5d6a0e-6f44-4a4c-9a8e-1f2b3c4d5e6f', created: '2026-12-07T10:00:00.000Z', modified: '2026-12-07T10:00:00.000Z',
  name: 'Drone over the stand', description: null, labels: ['drone'],
  extensions: { [ALERT]: { extension_type: 'property-extension', operator_position: { latitude: 40.45, longitude: -3.69 }, area: { shape: 'circle', latitude: 40.45, longitude: -3.69, radius_m: 200 } } },
  x_deep: { a: { b: { c: { d: 1 } } } },
  x_list: [{ inside: 1 }],
  'x_dotted.key': 'a key that itself holds a dot',
} as unknown as StixObject;

const wanted = [
  'name', 'description', 'labels', 'labels.0', 'extensions', `extensions.${ALERT}.operator_position`, `extensions.${ALERT}.operator_position.latitude`,
  `extensions.${ALERT}.missing`, 'x_deep.a.b', 'x_deep.a.b.c', 'x_deep.a.b.c.d', 'x_list.inside', 'x_list.0', 'nothing', '', 'constructor', '__proto__',
];

test('the paths asked for are those of the full listing the object has, for each kind of path', () => {
  const listed = new Set(propertyPaths(object));
  const asked = wanted.filter((p) => hasPropertyPath(object, p));
  assert.deepEqual(asked, wanted.filter((p) => listed.has(p)));
  // What the walk finds and what it does not, spelled out: nested objects to 4 deep; not array items, inherited keys, or below 4.
  assert.deepEqual(asked, ['name', 'description', 'labels', 'extensions', `extensions.${ALERT}.operator_position`,
    `extensions.${ALERT}.operator_position.latitude`, 'x_deep.a.b', 'x_deep.a.b.c']);
});

test('a key holding a dot is listed by the full walk but is not a path the redaction could follow, so it is not reported', () => {
  assert.ok(propertyPaths(object).includes('x_dotted.key'));
  assert.equal(hasPropertyPath(object, 'x_dotted.key'), false);
});

test('the policy input holds the same named paths either way, and the full listing is still there for a policy that names none', () => {
  const row = rowFromObject(object, { publisherMsp: 'PnMSP', txId: 'tx', blockNumber: 1, signatureVerified: true });
  const facts = factsFromRow(row, 'pn');
  const redactable = new Set(wanted);
  const { present: _present, ...listedOnly } = facts;
  const viaPresent = objectInput(facts, redactable).properties as string[];
  const viaListing = objectInput({ ...listedOnly, properties: facts.properties }, redactable).properties as string[];
  assert.deepEqual([...viaPresent].sort(), [...viaListing].sort());
  assert.ok(viaPresent.includes(`extensions.${ALERT}.operator_position`));
  assert.deepEqual(objectInput(facts).properties, propertyPaths(object));
});
