/**
 * Venues and events (a stadium during a match, a demonstration route): a STIX `location` whose centre and precision
 * place it like any location, carrying the POP-ART venue extension (a property extension) with the venue's kind, its
 * area (the alert extension's circle or polygon), the event and its time window, and the agencies involved. Shared on
 * the ledger like any other object; every node derives the venue's risk picture from what it may see.
 */
import { Checker, compareTimestamps, isRecord } from './checker.js';
import { checkArea, popartExtensionDefinition, type AlertArea } from './alert-extension.js';
import { IssueSink, type StixIssue } from './issues.js';
import type { ExtensionDefinition, StixObject } from './types.js';

export const VENUE_EXTENSION_ID = 'extension-definition--5a0c1e7d-2b4f-4c8e-9d63-7f1a2b3c4d5e';
export const VENUE_EXTENSION_SCHEMA_URL = 'https://popart.example/schemas/venue-1.0.0.json';
export const VENUE_KINDS = ['stadium', 'arena', 'demonstration-route', 'public-square', 'festival', 'station', 'other'] as const;
export type VenueKind = (typeof VENUE_KINDS)[number];

export const venueExtensionDefinition: ExtensionDefinition = popartExtensionDefinition({
  id: VENUE_EXTENSION_ID,
  created: '2026-12-01T00:00:00.000Z',
  name: 'POP-ART venue',
  description: 'A public space where people gather (stadium, demonstration route, square) and the event held there: its kind, ' +
    'area (circle or polygon, WGS 84), event name, time window and the agencies involved. Carried by a location.',
  schema: VENUE_EXTENSION_SCHEMA_URL,
  extension_types: ['property-extension'],
});

export interface VenueExtension {
  extension_type: 'property-extension';
  venue_kind: VenueKind;
  area: AlertArea;
  event_name?: string;
  /** The event's window (RFC 3339); without it the venue is always active. */
  starts?: string;
  ends?: string;
  /** The agencies involved (identity ids). */
  agency_refs?: string[];
}

const VENUE_PROPERTIES = new Set(['extension_type', 'venue_kind', 'area', 'event_name', 'starts', 'ends', 'agency_refs']);

/** Checks the venue extension's properties; `e` is positioned at the extension. */
export function checkVenueExtension(e: Checker, type: unknown): void {
  if (type !== 'location') e.error('extension_type', 'the venue extension is carried by a location');
  if (e.obj.extension_type !== 'property-extension') e.error('extension_type', 'must be "property-extension"');
  e.enumValue('venue_kind', VENUE_KINDS, true);
  checkArea(e);
  e.string('event_name', { maxLength: 500 });
  const starts = e.timestamp('starts');
  const ends = e.timestamp('ends');
  if (starts && ends && compareTimestamps(ends, starts) <= 0) e.error('ends', `must be later than starts (${starts}), got ${ends}`);
  const agencies = e.refList('agency_refs', ['identity']);
  if (agencies && new Set(agencies).size !== agencies.length) e.error('agency_refs', 'must not list an identity twice');
  for (const k of Object.keys(e.obj)) if (!VENUE_PROPERTIES.has(k)) e.error(k, 'is not a property of the POP-ART venue extension');
}

/** The issues of the venue extension carried by `obj` (empty when it carries none or it is valid). */
export function validateVenueExtension(obj: unknown): StixIssue[] {
  if (!isRecord(obj) || !isRecord(obj.extensions) || obj.extensions[VENUE_EXTENSION_ID] === undefined) return [];
  const ext = obj.extensions[VENUE_EXTENSION_ID];
  const sink = new IssueSink(null, typeof obj.id === 'string' ? obj.id : null);
  const path = `extensions.${VENUE_EXTENSION_ID}`;
  if (!isRecord(ext)) sink.error(path, 'must be an object');
  else checkVenueExtension(new Checker(sink, ext, path), obj.type);
  return sink.errors;
}

/** The venue carried by an object, when it carries a valid one. */
export function venueOf(obj: StixObject | Record<string, unknown>): VenueExtension | undefined {
  if (!isRecord(obj) || !isRecord(obj.extensions)) return undefined;
  const ext = obj.extensions[VENUE_EXTENSION_ID];
  return ext !== undefined && validateVenueExtension(obj).length === 0 ? (ext as VenueExtension) : undefined;
}

/** JSON Schema (draft 2020-12) of the extension's properties. */
export const venueExtensionJsonSchema = Object.freeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: VENUE_EXTENSION_SCHEMA_URL,
  title: 'POP-ART venue (STIX 2.1 property extension of a location)',
  type: 'object',
  required: ['extension_type', 'venue_kind', 'area'],
  additionalProperties: false,
  properties: {
    extension_type: { const: 'property-extension' },
    venue_kind: { enum: [...VENUE_KINDS] },
    area: { description: 'The venue\'s area, as the alert extension\'s area (circle or closed polygon, WGS 84).', type: 'object' },
    event_name: { type: 'string', maxLength: 500 },
    starts: { type: 'string', format: 'date-time' },
    ends: { type: 'string', format: 'date-time' },
    agency_refs: { type: 'array', items: { type: 'string', pattern: '^identity--' }, uniqueItems: true },
  },
});
