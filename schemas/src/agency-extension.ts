/**
 * The POP-ART agency properties of an agency's registered identity (`x_popart_agency_key`, `x_popart_authority_level`,
 * `x_popart_country`), declared as a STIX 2.1 top-level property extension: the identity carries
 * `extensions[AGENCY_EXTENSION_ID] = { extension_type: 'toplevel-property-extension' }`, so that tools (and the OASIS
 * validator in strict mode) know where the custom properties are defined. Created by the POP-ART identity, like the
 * alert extension; its JSON Schema is served by every node at the path of `AGENCY_EXTENSION_SCHEMA_URL`.
 */
import { popartExtensionDefinition } from './alert-extension.js';
import type { ExtensionDefinition } from './types.js';

export const AGENCY_EXTENSION_ID = 'extension-definition--0f6ac2f4-5d3a-4b7e-9e21-6c8d4a1b7f35';
export const AGENCY_EXTENSION_SCHEMA_URL = 'https://popart.example/schemas/agency-1.0.0.json';

export const agencyExtensionDefinition: ExtensionDefinition = popartExtensionDefinition({
  id: AGENCY_EXTENSION_ID,
  created: '2026-01-01T00:00:00.000Z',
  name: 'POP-ART agency',
  description: 'Properties of a POP-ART agency\'s identity: its key in the network, its level of authority and its country.',
  schema: AGENCY_EXTENSION_SCHEMA_URL,
  extension_types: ['toplevel-property-extension'],
  extension_properties: ['x_popart_agency_key', 'x_popart_authority_level', 'x_popart_country'],
});

/** JSON Schema (draft 2020-12) of the properties the extension adds at the top level of an identity. */
export const agencyExtensionJsonSchema = Object.freeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: AGENCY_EXTENSION_SCHEMA_URL,
  title: 'POP-ART agency (STIX 2.1 top-level property extension of an identity)',
  type: 'object',
  properties: {
    x_popart_agency_key: { description: 'The agency\'s key in the network (pn, pj, …).', type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
    x_popart_authority_level: { description: 'Level of authority.', enum: ['national', 'partner', 'regional', 'local'] },
    x_popart_country: { description: 'ISO 3166-1 alpha-2 country.', type: 'string', pattern: '^[A-Z]{2}$' },
  },
});
