/**
 * Rules every STIX 2.1 object follows (§3, §7): identifiers, timestamps, references, markings,
 * external references, extensions and custom property names.
 */
import { exerciseMarkIssue } from './exercise.js';
import { ALERT_EXTENSION_ID, checkAlertExtension } from './alert-extension.js';
import { Checker, isRecord } from './checker.js';
import { PROPERTY_NAME_RE } from './content-limits.js';
import { selectorResolves } from './selectors.js';
import {
  EXTENSION_TYPES, PREDEFINED_EXTENSIONS, SCO_TYPES, SDO_TYPES, SRO_TYPES, META_TYPES, isStixId, typeOfId,
} from './stix-vocab.js';
import { checkTlpExtension, TLP_EXTENSION_ID } from './tlp.js';
import { checkVenueExtension, VENUE_EXTENSION_ID } from './venue-extension.js';

/** How an object is treated: by its predefined category, or by its shape when the type is custom. */
export type ObjectKind = 'sdo' | 'sro' | 'meta' | 'sco' | 'custom-sdo' | 'custom-sco';

export function kindOf(type: string, obj: Record<string, unknown>): ObjectKind {
  if (SDO_TYPES.has(type)) return 'sdo';
  if (SRO_TYPES.has(type)) return 'sro';
  if (META_TYPES.has(type)) return 'meta';
  if (SCO_TYPES.has(type)) return 'sco';
  const exts = obj.extensions;
  if (isRecord(exts)) {
    for (const v of Object.values(exts)) {
      if (isRecord(v) && v.extension_type === 'new-sco') return 'custom-sco';
      if (isRecord(v) && (v.extension_type === 'new-sdo' || v.extension_type === 'new-sro')) return 'custom-sdo';
    }
  }
  const sdoLike = ['created', 'modified', 'created_by_ref'].some((p) => obj[p] !== undefined);
  return sdoLike ? 'custom-sdo' : 'custom-sco';
}

export function isCustomKind(kind: ObjectKind): boolean {
  return kind === 'custom-sdo' || kind === 'custom-sco';
}

function checkExternalReference(c: Checker, value: unknown, path: string): boolean {
  if (!isRecord(value)) {
    c.sink.error(path, 'must be an external reference object');
    return false;
  }
  const r = new Checker(c.sink, value, path);
  const before = c.sink.errors.length;
  r.string('source_name', { required: true });
  r.string('description');
  r.string('url');
  r.string('external_id');
  const hashes = r.dictionary('hashes');
  if (hashes) for (const [k, v] of Object.entries(hashes)) if (typeof v !== 'string') r.error(`hashes.${k}`, 'must be a string');
  if (!r.has('description') && !r.has('url') && !r.has('external_id')) {
    r.error('source_name', 'an external reference needs description, url or external_id besides source_name');
  }
  return c.sink.errors.length === before;
}

function checkGranularMarking(c: Checker, value: unknown, path: string): boolean {
  if (!isRecord(value)) {
    c.sink.error(path, 'must be a granular marking object');
    return false;
  }
  const g = new Checker(c.sink, value, path);
  const before = c.sink.errors.length;
  const selectors = g.stringList('selectors', true);
  if (selectors) {
    selectors.forEach((s, i) => {
      if (!selectorResolves(c.obj, s)) g.error(`selectors[${i}]`, `selector "${s}" does not point at a property of this object`);
    });
  }
  const hasRef = g.has('marking_ref');
  const hasLang = g.has('lang');
  if (hasRef && hasLang) g.error('lang', 'must not be present together with marking_ref');
  else if (!hasRef && !hasLang) g.error('marking_ref', 'either marking_ref or lang is required');
  g.ref('marking_ref', ['marking-definition']);
  g.string('lang');
  return c.sink.errors.length === before;
}

function checkExtensions(c: Checker, type: string, kind: ObjectKind): void {
  const exts = c.dictionary('extensions');
  if (!exts) return;
  if (Object.keys(exts).length === 0) c.error('extensions', 'must not be empty');
  for (const [key, value] of Object.entries(exts)) {
    const path = `extensions.${key}`;
    if (!isRecord(value)) {
      c.sink.error(path, 'must be an object');
      continue;
    }
    const e = new Checker(c.sink, value, path);
    if (key.startsWith('extension-definition--')) {
      if (!isStixId(key)) {
        c.sink.error(path, 'extension key must be extension-definition--<uuid>');
        continue;
      }
      const et = value.extension_type;
      if (et === undefined) {
        if (!isCustomKind(kind)) e.error('extension_type', 'is required for an extension of a predefined object type');
      } else if (typeof et !== 'string' || !EXTENSION_TYPES.has(et)) {
        e.error('extension_type', `must be one of ${[...EXTENSION_TYPES].join(', ')}`);
      } else if (et.startsWith('new-') && !isCustomKind(kind)) {
        e.error('extension_type', `${et} cannot extend the predefined type ${type}; use property-extension`);
      }
      if (key === ALERT_EXTENSION_ID) checkAlertExtension(e, c.obj.created);
      else if (key === TLP_EXTENSION_ID) checkTlpExtension(e, c.obj);
      else if (key === VENUE_EXTENSION_ID) checkVenueExtension(e, type);
    } else if (PREDEFINED_EXTENSIONS.has(key)) {
      const owner = PREDEFINED_EXTENSIONS.get(key);
      if (owner !== type) c.sink.error(path, `the predefined extension ${key} belongs to ${owner ?? '?'} objects, not ${type}`);
    } else if (/^x-[a-z0-9-]+$/.test(key) || key.endsWith('-ext')) {
      c.sink.warn(path, 'custom extension names are deprecated in STIX 2.1; use an extension-definition');
    } else {
      c.sink.error(path, 'extension key must be extension-definition--<uuid> or a predefined extension name');
    }
  }
}

/** Checks the common properties; `kind` says which are required. */
export function checkCommon(c: Checker, type: string, kind: ObjectKind): void {
  const coreLike = kind === 'sdo' || kind === 'sro' || kind === 'meta' || kind === 'custom-sdo';
  if (coreLike) c.require('spec_version', 'is required (STIX 2.1 objects carry spec_version "2.1")');
  if (c.has('spec_version') && c.obj.spec_version !== '2.1') {
    c.error('spec_version', `must be "2.1", got ${JSON.stringify(c.obj.spec_version)}`);
  }
  const needsModified = kind === 'sdo' || kind === 'sro' || kind === 'custom-sdo' || type === 'extension-definition' || type === 'language-content';
  c.timestamp('created', coreLike);
  c.timestamp('modified', needsModified);
  c.order('created', 'modified', false);
  c.ref('created_by_ref', ['identity']);
  c.boolean('revoked');
  c.stringList('labels');
  const exercise = exerciseMarkIssue(c.obj);
  if (exercise) c.error(exercise[0], exercise[1]);
  c.integer('confidence', 0, 100);
  c.string('lang');
  c.list('external_references', false, (v, p) => checkExternalReference(c, v, p));
  c.refList('object_marking_refs', ['marking-definition']);
  c.list('granular_markings', false, (v, p) => checkGranularMarking(c, v, p));
  if (kind === 'sco' || kind === 'custom-sco') c.boolean('defanged');
  checkExtensions(c, type, kind);
}

/** Custom property names and the generic rule that `*_ref`/`*_refs` hold identifiers. */
export function checkPropertyNames(c: Checker): void {
  for (const [key, value] of Object.entries(c.obj)) {
    if (key !== 'id' && !PROPERTY_NAME_RE.test(key)) continue; // reported by checkObjectContent
    if (c.checkedRefs.has(key) || value === undefined) continue;
    if (key.endsWith('_ref')) c.ref(key, 'any');
    else if (key.endsWith('_refs')) c.refList(key, 'any');
  }
}

/** Reference rule helpers used by type validators. */
export const ANY_SDO = { test: (t: string): boolean => !SCO_TYPES.has(t) && !SRO_TYPES.has(t) && !META_TYPES.has(t), words: 'an SDO' };
export const ANY_SCO = { test: (t: string): boolean => SCO_TYPES.has(t) || (!SDO_TYPES.has(t) && !SRO_TYPES.has(t) && !META_TYPES.has(t)), words: 'an SCO' };
export const SDO_OR_SCO = { test: (t: string): boolean => !SRO_TYPES.has(t) && !META_TYPES.has(t), words: 'an SDO or SCO' };

export { typeOfId };
