import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tlpMarkingRef, type StixObject } from '@popart/schemas';
import { closeOver } from '../threat/closure.js';
import { rowFromObject, type ThreatRow } from '../threat/threat-row.js';
import { packPage, viewsOf } from './taxii-companions.js';

const T = '2026-11-01T00:00:00.000Z';
const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const PJ = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02';
const SECRET = 'location--00000000-0000-4000-8000-0000000000ff';

function row(obj: Record<string, unknown>): ThreatRow {
  return rowFromObject(obj as StixObject, { publisherMsp: 'PnMSP', txId: 'tx', blockNumber: 1, signatureVerified: true });
}

const identity = (id: string, name: string): ThreatRow =>
  row({ type: 'identity', spec_version: '2.1', id, created: T, modified: T, name, identity_class: 'organization', object_marking_refs: [tlpMarkingRef('clear')] });

function indicator(n: number, by: string, extra: Record<string, unknown> = {}): { row: ThreatRow; addedAt: string } {
  return {
    row: row({
      type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, created: T, modified: T, created_by_ref: by,
      name: `indicator ${n}`, pattern_type: 'stix', pattern: "[mac-addr:value = '60:60:1f:00:00:01']", valid_from: T, object_marking_refs: [tlpMarkingRef('green')], ...extra,
    }),
    addedAt: `2026-11-01T00:00:0${n}.000000Z`,
  };
}

const STORED = new Map([[PN, identity(PN, 'Policía Nacional')], [PJ, identity(PJ, 'Polícia Judiciária')]]);
/** The closure as the egress gate would release it: everything stored but the secret location. */
const closureOf = (objects: StixObject[]) => closeOver(objects, async (ids) => ids.flatMap((id) => (STORED.has(id) ? [STORED.get(id)!] : [])));

test('packPage: the objects that fit within limit with what each needs, each companion once per page, with the date_added of the object that brought it', async () => {
  const candidates = [indicator(1, PN), indicator(2, PN), indicator(3, PJ), indicator(4, PJ)];
  const closure = await closureOf(candidates.map((c) => c.row.stix));
  const all = packPage(candidates, closure, new Map(), 100, {});
  assert.equal(all.kept, 4);
  const ids = all.companions.map((c) => c.stix.id);
  assert.equal(new Set(ids).size, ids.length, 'each companion once');
  for (const id of [PN, PJ, tlpMarkingRef('green'), tlpMarkingRef('clear')]) assert.ok(ids.includes(id), `${id} comes with the page`);
  assert.equal(all.companions.find((c) => c.stix.id === PJ)?.addedAt, candidates[2]!.addedAt, 'pj\'s identity comes with pj\'s first indicator');
  assert.equal(all.companions.find((c) => c.stix.id === PN)?.row?.id, PN, 'a stored companion keeps its row (audited as handed out)');
  assert.equal(all.companions.find((c) => c.stix.id === tlpMarkingRef('green'))?.row, null, 'reference data has no row');
  // pn's first indicator needs pn, GREEN and CLEAR (4 objects), the second nothing more (5), pj's first needs pj (7).
  const small = packPage(candidates, closure, new Map(), 6, {});
  assert.equal(small.kept, 2, 'pj\'s indicator with pj\'s identity would pass the limit');
  assert.equal(small.kept + small.companions.length, 5);
  const tiny = packPage(candidates, closure, new Map(), 1, {});
  assert.equal(tiny.kept, 1, 'at least one object with all it needs, even past the limit: paging moves on');
  assert.ok(tiny.companions.length > 1);
  assert.deepEqual(packPage([], closure, new Map(), 10, {}), { kept: 0, companions: [] });
});

test('packPage: the client\'s match[type] and match[id] apply to companions; what the viewer may not see never comes', async () => {
  const candidates = [indicator(1, PN), indicator(2, PN)];
  const withSecret = { ...candidates[0]!, row: row({ ...candidates[0]!.row.stix, x_place_ref: SECRET }) };
  const closure = await closureOf([withSecret.row.stix, candidates[1]!.row.stix]);
  const page = packPage([withSecret, candidates[1]!], closure, new Map(), 100, {});
  assert.ok(!page.companions.some((c) => c.stix.id === SECRET), 'an object the gate did not release is not added');
  const typed = packPage([withSecret, candidates[1]!], closure, new Map(), 100, { types: ['indicator', 'identity'] });
  assert.deepEqual(typed.companions.map((c) => c.stix.id), [PN]);
  const byId = packPage([withSecret, candidates[1]!], closure, new Map(), 100, { ids: [candidates[1]!.row.id] });
  assert.deepEqual(byId.companions, []);
});

test('viewsOf: an alert\'s standard objects by version; other objects have none', () => {
  assert.equal(viewsOf([indicator(1, PN).row.stix]).size, 0);
});
