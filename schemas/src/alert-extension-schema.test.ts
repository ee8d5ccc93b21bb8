import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALERT_EXTENSION_ID, ALERT_EXTENSION_SCHEMA_URL, alertExtensionDefinition, validateAlertExtension } from './alert-extension.js';
import { ALERT_EXTENSION_SCHEMA_PATH, alertExtensionJsonSchema } from './alert-extension-schema.js';
import { alertIncident } from './test-objects.js';

const schema = alertExtensionJsonSchema as unknown as { $id: string; required: string[]; properties: Record<string, { enum?: string[] }> };

function withExtension(change: (ext: Record<string, unknown>) => void): Record<string, unknown> {
  const o = alertIncident();
  change((o.extensions as Record<string, Record<string, unknown>>)[ALERT_EXTENSION_ID] as Record<string, unknown>);
  return o;
}

describe('the JSON Schema of the alert extension', () => {
  it('is the one the extension definition names, served at that URL\'s path', () => {
    assert.equal(schema.$id, alertExtensionDefinition.schema);
    assert.equal(schema.$id, ALERT_EXTENSION_SCHEMA_URL);
    assert.equal(ALERT_EXTENSION_SCHEMA_PATH, '/schemas/public-space-alert-1.0.0.json');
  });

  it('requires what the validator requires, and nothing else', () => {
    for (const property of Object.keys(schema.properties)) {
      const errors = validateAlertExtension(withExtension((e) => { delete e[property]; }));
      const required = errors.some((i) => i.property.endsWith(`.${property}`));
      assert.equal(required, schema.required.includes(property), `${property}: required by the validator ${required}, by the schema ${schema.required.includes(property)}`);
    }
  });

  it('lists every property the validator accepts (additionalProperties false, like the validator)', () => {
    const unknown = validateAlertExtension(withExtension((e) => { e.x_other = 1; }));
    assert.ok(unknown.some((i) => i.property.endsWith('.x_other')), 'the validator refuses an unknown property');
    const full = withExtension((e) => { e.audience_refs = ['identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a01']; });
    assert.deepEqual(validateAlertExtension(full), []);
    const ext = (full.extensions as Record<string, Record<string, unknown>>)[ALERT_EXTENSION_ID]!;
    assert.deepEqual(Object.keys(ext).sort(), Object.keys(schema.properties).filter((k) => k in ext).sort());
  });

  it('has the same vocabularies as the validator: each enum value accepted, another refused', () => {
    for (const property of ['category', 'severity', 'sensor_kind']) {
      for (const value of schema.properties[property]!.enum!) {
        assert.deepEqual(validateAlertExtension(withExtension((e) => { e[property] = value; })), [], `${property} ${value}`);
      }
      assert.notDeepEqual(validateAlertExtension(withExtension((e) => { e[property] = 'not-a-value'; })), [], property);
    }
  });
});
