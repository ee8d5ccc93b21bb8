/** Relationship objects (§5) and meta objects (§7): marking-definition, extension-definition, language-content. */
import { Checker, isRecord } from './checker.js';
import { EXTENSION_TYPES } from './stix-vocab.js';
import { checkTlpMarkingObject } from './tlp.js';
import { ANY_SDO, SDO_OR_SCO } from './validate-common.js';

function relationship(c: Checker): void {
  const type = c.string('relationship_type', { required: true });
  if (type !== undefined && !/^[a-z0-9-]+$/.test(type)) c.error('relationship_type', 'must be lower case a–z, 0–9 and hyphens, such as related-to');
  c.string('description');
  c.ref('source_ref', SDO_OR_SCO, true);
  c.ref('target_ref', SDO_OR_SCO, true);
  c.timestamp('start_time');
  c.timestamp('stop_time');
  c.order('start_time', 'stop_time', true);
}

function sighting(c: Checker): void {
  c.string('description');
  c.timestamp('first_seen');
  c.timestamp('last_seen');
  c.order('first_seen', 'last_seen', false);
  c.integer('count', 0, 999_999_999);
  c.ref('sighting_of_ref', ANY_SDO, true);
  c.refList('observed_data_refs', ['observed-data']);
  c.refList('where_sighted_refs', ['identity', 'location']);
  c.boolean('summary');
}

function markingDefinition(c: Checker): void {
  c.string('name');
  const exts = c.obj.extensions;
  const hasExtension = isRecord(exts) && Object.keys(exts).length > 0;
  if (c.has('definition_type') || c.has('definition') || !hasExtension) {
    const type = c.string('definition_type', { required: true });
    const def = c.dictionary('definition', true);
    if (def && type === 'tlp') {
      const d = new Checker(c.sink, def, 'definition');
      d.enumValue('tlp', ['white', 'green', 'amber', 'red'] as const, true);
    } else if (def && type === 'statement') {
      new Checker(c.sink, def, 'definition').string('statement', { required: true });
    }
  }
  if (c.has('modified')) c.warn('modified', 'marking definitions have no modified property (they cannot be versioned)');
  checkTlpMarkingObject(c);
}

function extensionDefinition(c: Checker): void {
  c.ref('created_by_ref', ['identity'], true);
  c.string('name', { required: true });
  c.string('description');
  c.string('schema', { required: true });
  const version = c.string('version', { required: true });
  if (version !== undefined && !/^\d+\.\d+\.\d+/.test(version)) c.warn('version', 'should be a semantic version such as 1.0.0');
  c.list('extension_types', true, (v, path) => {
    if (typeof v === 'string' && EXTENSION_TYPES.has(v)) return true;
    c.sink.error(path, `must be one of ${[...EXTENSION_TYPES].join(', ')}, got ${JSON.stringify(v)}`);
    return false;
  });
  c.stringList('extension_properties');
}

function languageContent(c: Checker): void {
  c.ref('object_ref', 'any', true);
  c.timestamp('object_modified');
  const contents = c.dictionary('contents', true);
  if (contents) {
    if (Object.keys(contents).length === 0) c.error('contents', 'must not be empty');
    for (const [lang, v] of Object.entries(contents)) if (!isRecord(v)) c.error(`contents.${lang}`, 'must be a dictionary of translated properties');
  }
}

export const SRO_AND_META_RULES: Readonly<Record<string, (c: Checker) => void>> = {
  relationship,
  sighting,
  'marking-definition': markingDefinition,
  'extension-definition': extensionDefinition,
  'language-content': languageContent,
};
