import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENCY_EXTENSION_ID, tlpMarkingRef, tlpOf, validateObject, type StixObject } from '@popart/schemas';
import { demoAgencies, demoConfig } from '../../demo/demo-agencies.js';
import { agencyIdentity, identityUpdate } from './agency-identity.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');

test('an agency identity is TLP:CLEAR, valid STIX, with its sectors and POP-ART properties declared by the agency extension', async () => {
  const config = await demoConfig(demoAgencies[0]!, '/tmp/unused');
  const identity = agencyIdentity(config, T0);
  assert.equal(validateObject(identity).ok, true);
  assert.equal(tlpOf(identity), 'clear');
  assert.deepEqual(identity.sectors, ['government-national']);
  assert.equal(identity.x_popart_agency_key, 'pn');
  assert.deepEqual(identity.extensions, { [AGENCY_EXTENSION_ID]: { extension_type: 'toplevel-property-extension' } });
  assert.equal(identityUpdate(identity, { ...identity, modified: '2026-02-01T00:00:00.000Z' }, new Date()), null, 'nothing to register again');
});

test('an identity registered unmarked (before identities were CLEAR) gets a new version as the node registers it now, created kept', async () => {
  const wanted = agencyIdentity(await demoConfig(demoAgencies[0]!, '/tmp/unused'), new Date('2026-03-01T00:00:00.000Z'));
  const { object_marking_refs: _m, extensions: _e, ...old } = { ...wanted, created: T0.toISOString(), modified: '2026-01-02T00:00:00.000Z', sectors: ['law-enforcement'] };
  const registered = old as StixObject;
  const next = identityUpdate(wanted, registered, new Date('2026-03-01T00:00:00.000Z'))!;
  assert.deepEqual(next, { ...wanted, created: T0.toISOString(), modified: '2026-03-01T00:00:00.000Z' });
  assert.deepEqual(next.object_marking_refs, [tlpMarkingRef('clear')]);
  // A clock behind the registered version still makes a newer one.
  assert.equal(identityUpdate(wanted, registered, new Date('2025-12-31T00:00:00.000Z'))!.modified, '2026-01-02T00:00:00.001Z');
});
