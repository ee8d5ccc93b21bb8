import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_EXTENSION_ID, POPART_IDENTITY_ID, TLP1, tlpMarkingRef, type StixObject } from '@popart/schemas';
import { closeOver, referencesOf } from './closure.js';
import { rowFromObject, type ThreatRow } from './threat-row.js';

const T = '2026-11-01T00:00:00.000Z';
const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const PLACE = 'location--00000000-0000-4000-8000-000000000001';
const SECRET = 'location--00000000-0000-4000-8000-000000000002';
const INDICATOR = 'indicator--00000000-0000-4000-8000-000000000003';

function row(obj: Record<string, unknown>): ThreatRow {
  return rowFromObject(obj as StixObject, { publisherMsp: 'PnMSP', txId: 'tx', blockNumber: 1, signatureVerified: true });
}

const sighting = {
  type: 'sighting', spec_version: '2.1', id: 'sighting--00000000-0000-4000-8000-000000000004', created: T, modified: T, created_by_ref: PN,
  sighting_of_ref: INDICATOR, where_sighted_refs: [PN, PLACE, SECRET], object_marking_refs: [tlpMarkingRef('green')],
  granular_markings: [{ marking_ref: TLP1.amber.id, selectors: ['count'] }], count: 1,
  extensions: { [ALERT_EXTENSION_ID]: { audience_refs: ['identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02'] } },
  observed_data_refs: ['not-an-id'],
} as unknown as StixObject;

test('referencesOf: every *_ref and *_refs at any depth and the extension definitions, STIX ids only, not itself', () => {
  assert.deepEqual(referencesOf(sighting).sort(), [
    ALERT_EXTENSION_ID, INDICATOR, PN, 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02', PLACE, SECRET, TLP1.amber.id, tlpMarkingRef('green'),
  ].sort());
});

test('closeOver adds what the viewer may see, follows references of what it adds, and never adds what is not visible', async () => {
  const stored = new Map<string, ThreatRow>([
    [PN, row({ type: 'identity', spec_version: '2.1', id: PN, created: T, modified: T, name: 'Policía Nacional', identity_class: 'organization', object_marking_refs: [tlpMarkingRef('clear')] })],
    [PLACE, row({ type: 'location', spec_version: '2.1', id: PLACE, created: T, modified: T, created_by_ref: PN, latitude: 40.4, longitude: -3.7, object_marking_refs: [tlpMarkingRef('green')] })],
    [SECRET, row({ type: 'location', spec_version: '2.1', id: SECRET, created: T, modified: T, created_by_ref: PN, latitude: 40.5, longitude: -3.6, object_marking_refs: [tlpMarkingRef('red')] })],
  ]);
  const asked: string[][] = [];
  // The viewer may see everything but RED (as the egress gate would decide).
  const visible = async (ids: string[]) => {
    asked.push([...ids].sort());
    return ids.flatMap((id) => { const r = stored.get(id); return r && r.tlp !== 'red' ? [r] : []; });
  };
  const c = await closeOver([sighting], visible);
  assert.deepEqual(c.rows.map((r) => r.id).sort(), [PN, PLACE].sort());
  assert.ok(!c.rows.some((r) => r.id === SECRET), 'the RED location is not added');
  assert.deepEqual(c.reference.map((o) => o.id).sort(), [ALERT_EXTENSION_ID, POPART_IDENTITY_ID, TLP1.amber.id, tlpMarkingRef('clear'), tlpMarkingRef('green')].sort(),
    'reference data from schemas, with the CLEAR marking of the identity added and the extension definition\'s creator');
  assert.ok(asked.every((ids) => !ids.some((id) => id.startsWith('marking-definition--') || id === ALERT_EXTENSION_ID)), 'reference data is never asked of the store');
  assert.equal(asked.flat().filter((id) => id === PN).length, 1, 'each id asked once');
  assert.deepEqual(await closeOver([], visible), { rows: [], reference: [] });
});
