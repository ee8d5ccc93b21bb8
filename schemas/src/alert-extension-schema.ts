/**
 * The JSON Schema (draft 2020-12) of the public-space alert extension: what the extension definition's `schema` URL
 * names, served by every node at that URL's path (node/src/modules/threat/schema-route.ts). It says in JSON Schema what
 * `checkAlertExtension` checks, for tools that read extensions generically; two checks need more than JSON Schema and
 * stay with the validator: `expires` later than the carrying object's `created`, and a polygon's last vertex equal to
 * its first. alert-extension-schema.test.ts keeps the two in step.
 */
import {
  ALERT_CATEGORIES, ALERT_EXTENSION_SCHEMA_URL, ALERT_SEVERITIES, MAX_GUIDANCE_CHARS, MAX_RADIUS_M, SENSOR_KINDS,
} from './alert-extension.js';

/** The path part of the schema URL: where a node serves the schema. */
export const ALERT_EXTENSION_SCHEMA_PATH = new URL(ALERT_EXTENSION_SCHEMA_URL).pathname;

const STIX_TIMESTAMP = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?Z$';
const IDENTITY_ID = '^identity--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
const NON_BLANK = '\\S';

const position = { type: 'array', prefixItems: [{ type: 'number', minimum: -180, maximum: 180 }, { type: 'number', minimum: -90, maximum: 90 }], items: false, minItems: 2 };

export const alertExtensionJsonSchema = Object.freeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: ALERT_EXTENSION_SCHEMA_URL,
  title: 'POP-ART public-space alert (STIX 2.1 property extension)',
  description:
    'The value of extensions["extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f"] on a STIX 2.1 object (an incident): ' +
    'an alert about a threat to a public space or mass gathering. Also: expires must be later than the carrying object\'s ' +
    'created, and a polygon is closed (its last vertex equals the first).',
  type: 'object',
  additionalProperties: false,
  required: ['extension_type', 'category', 'severity', 'detection_confidence', 'area', 'sensor_kind', 'venue', 'expires', 'guidance'],
  properties: {
    extension_type: { const: 'property-extension' },
    category: { description: 'What happened.', enum: [...ALERT_CATEGORIES] },
    severity: { description: 'How serious, from low to critical.', enum: [...ALERT_SEVERITIES] },
    detection_confidence: { description: 'Confidence of the detection, 0-100.', type: 'integer', minimum: 0, maximum: 100 },
    area: {
      description: 'The area concerned, in WGS 84.',
      oneOf: [
        {
          type: 'object', additionalProperties: false, required: ['shape', 'latitude', 'longitude', 'radius_m'],
          properties: {
            shape: { const: 'circle' },
            latitude: { type: 'number', minimum: -90, maximum: 90 },
            longitude: { type: 'number', minimum: -180, maximum: 180 },
            radius_m: { description: 'Radius in metres.', type: 'number', exclusiveMinimum: 0, maximum: MAX_RADIUS_M },
          },
        },
        {
          type: 'object', additionalProperties: false, required: ['shape', 'vertices'],
          properties: {
            shape: { const: 'polygon' },
            vertices: { description: 'A closed ring of [longitude, latitude] pairs (GeoJSON order).', type: 'array', minItems: 4, items: position },
          },
        },
      ],
    },
    sensor_kind: { description: 'The kind of sensor that detected it.', enum: [...SENSOR_KINDS] },
    venue: { description: 'The public space (stadium, square, route).', type: 'string', pattern: NON_BLANK, maxLength: 500 },
    event_name: { description: 'The gathering (match, concert, demonstration).', type: 'string', maxLength: 500 },
    expires: { description: 'When the alert stops being valid (STIX timestamp, UTC).', type: 'string', pattern: STIX_TIMESTAMP },
    guidance: { description: 'What operators should do.', type: 'string', pattern: NON_BLANK, maxLength: MAX_GUIDANCE_CHARS },
    audience_refs: {
      description: 'The agencies the alert is addressed to (identity ids).',
      type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: IDENTITY_ID },
    },
  },
});
