import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateObject } from './validate.js';
import { VENUE_EXTENSION_ID, venueOf } from './venue-extension.js';
import { AGENCY, T0, T1 } from './test-objects.js';

function venue(ext: Record<string, unknown>, type = 'location'): Record<string, unknown> {
  return {
    type, spec_version: '2.1', id: `${type}--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b`, created: T0, modified: T0, created_by_ref: AGENCY,
    name: 'Estadio', latitude: 40.453, longitude: -3.688, precision: 400,
    extensions: { [VENUE_EXTENSION_ID]: { extension_type: 'property-extension', venue_kind: 'stadium',
      area: { shape: 'circle', latitude: 40.453, longitude: -3.688, radius_m: 400 }, event_name: 'Match', starts: T0, ends: T1, agency_refs: [AGENCY], ...ext } },
  };
}

test('a venue is a location with the venue extension: valid as written, read back by venueOf', () => {
  const v = venue({});
  const r = validateObject(v);
  assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.errors));
  assert.equal(venueOf(v)?.venue_kind, 'stadium');
});

test('venue extension errors name the property and why', () => {
  const problems = (v: Record<string, unknown>): string[] => {
    const r = validateObject(v);
    return r.ok ? [] : r.errors.map((i) => `${i.property}: ${i.message}`);
  };
  const ext = `extensions.${VENUE_EXTENSION_ID}`;
  assert.ok(problems(venue({ venue_kind: 'castle' })).some((p) => p.startsWith(`${ext}.venue_kind`)));
  assert.ok(problems(venue({ ends: T0 })).some((p) => p.startsWith(`${ext}.ends: must be later than starts`)));
  assert.ok(problems(venue({ area: { shape: 'circle', latitude: 40, longitude: -3 } })).some((p) => p.startsWith(`${ext}.area.radius_m`)));
  assert.ok(problems(venue({ capacity: 80000 })).some((p) => p === `${ext}.capacity: is not a property of the POP-ART venue extension`));
  assert.equal(venueOf(venue({ venue_kind: 'castle' })), undefined);
});
