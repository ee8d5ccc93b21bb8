/** Type-specific rules of the STIX 2.1 Domain Objects (§4). */
import type { Checker } from './checker.js';
import { isRecord } from './checker.js';
import { PatternSyntaxError, SchemaError } from './errors.js';
import { parseStixPattern } from './pattern.js';
import { ANY_SCO } from './validate-common.js';

function killChainPhases(c: Checker): void {
  c.list('kill_chain_phases', false, (v, path) => {
    if (!isRecord(v) || typeof v.kill_chain_name !== 'string' || typeof v.phase_name !== 'string') {
      c.sink.error(path, 'a kill chain phase needs kill_chain_name and phase_name strings');
      return false;
    }
    return true;
  });
}

function seen(c: Checker): void {
  c.timestamp('first_seen');
  c.timestamp('last_seen');
  c.order('first_seen', 'last_seen', false);
}

function named(c: Checker): void {
  c.string('name', { required: true });
  c.string('description');
}

function indicator(c: Checker): void {
  c.string('name');
  c.string('description');
  c.stringList('indicator_types');
  const pattern = c.string('pattern', { required: true });
  const patternType = c.string('pattern_type', { required: true });
  c.string('pattern_version');
  c.timestamp('valid_from', true);
  c.timestamp('valid_until');
  c.order('valid_from', 'valid_until', true);
  killChainPhases(c);
  if (pattern !== undefined && patternType === 'stix') {
    try {
      parseStixPattern(pattern);
    } catch (err) {
      if (err instanceof PatternSyntaxError || err instanceof SchemaError) c.error('pattern', `STIX pattern syntax error: ${err.message}`);
      else throw err;
    }
  }
}

function location(c: Checker): void {
  c.string('name');
  c.string('description');
  c.number('latitude', -90, 90);
  c.number('longitude', -180, 180);
  c.number('precision', 0, Number.MAX_VALUE);
  for (const p of ['region', 'country', 'administrative_area', 'city', 'street_address', 'postal_code']) c.string(p);
  if (c.has('latitude') !== c.has('longitude')) c.error(c.has('latitude') ? 'longitude' : 'latitude', 'latitude and longitude must be given together');
  if (c.has('precision') && !(c.has('latitude') && c.has('longitude'))) c.error('precision', 'precision needs latitude and longitude');
  if (!c.has('region') && !c.has('country') && !(c.has('latitude') && c.has('longitude'))) {
    c.error('region', 'a location needs region, country, or latitude and longitude');
  }
}

function observedData(c: Checker): void {
  c.timestamp('first_observed', true);
  c.timestamp('last_observed', true);
  c.order('first_observed', 'last_observed', false);
  c.integer('number_observed', 1, 999_999_999, true);
  const hasObjects = c.has('objects');
  const hasRefs = c.has('object_refs');
  if (hasObjects === hasRefs) c.error('object_refs', 'exactly one of objects (deprecated) and object_refs must be present');
  if (hasObjects) {
    c.warn('objects', 'objects is deprecated in STIX 2.1; use object_refs');
    const objs = c.dictionary('objects');
    if (objs && Object.keys(objs).length === 0) c.error('objects', 'must not be empty');
    if (objs) for (const [k, v] of Object.entries(objs)) if (!isRecord(v) || typeof v.type !== 'string') c.error(`objects.${k}`, 'must be a cyber-observable object with a type');
  }
  c.refList('object_refs', { test: (t) => ANY_SCO.test(t) || t === 'relationship', words: 'an SCO or an SCO relationship' });
}

function malwareAnalysis(c: Checker): void {
  c.string('product', { required: true });
  for (const p of ['version', 'configuration_version', 'analysis_engine_version', 'analysis_definition_version', 'result_name', 'result']) c.string(p);
  c.timestamp('submitted');
  c.timestamp('analysis_started');
  c.timestamp('analysis_ended');
  c.order('analysis_started', 'analysis_ended', false);
  c.ref('host_vm_ref', ['software']);
  c.ref('operating_system_ref', ['software']);
  c.refList('installed_software_refs', ['software']);
  c.ref('sample_ref', ['file', 'artifact', 'network-traffic']);
  c.refList('analysis_sco_refs', ANY_SCO);
  if (!c.has('result') && !c.has('analysis_sco_refs')) c.error('result', 'a malware analysis needs result or analysis_sco_refs');
}

const OPINIONS = ['strongly-disagree', 'disagree', 'neutral', 'agree', 'strongly-agree'] as const;

/** Rules per SDO type; each receives a checker on the object. */
export const SDO_RULES: Readonly<Record<string, (c: Checker) => void>> = {
  'attack-pattern': (c) => { named(c); killChainPhases(c); },
  campaign: (c) => { named(c); seen(c); },
  'course-of-action': named,
  grouping: (c) => {
    c.string('name');
    c.string('context', { required: true });
    c.refList('object_refs', 'any', true);
  },
  identity: (c) => { named(c); c.stringList('roles'); c.stringList('sectors'); c.string('identity_class'); c.string('contact_information'); },
  incident: (c) => { named(c); killChainPhases(c); },
  indicator,
  infrastructure: (c) => { named(c); seen(c); killChainPhases(c); },
  'intrusion-set': (c) => { named(c); seen(c); },
  location,
  malware: (c) => {
    const isFamily = c.boolean('is_family', true);
    c.string('name', { required: isFamily === true });
    c.string('description');
    seen(c);
    killChainPhases(c);
    c.refList('operating_system_refs', ['software']);
    c.refList('sample_refs', ['file', 'artifact']);
  },
  'malware-analysis': malwareAnalysis,
  note: (c) => {
    c.string('abstract');
    c.string('content', { required: true });
    c.stringList('authors');
    c.refList('object_refs', 'any', true);
  },
  'observed-data': observedData,
  opinion: (c) => {
    c.string('explanation');
    c.stringList('authors');
    c.enumValue('opinion', OPINIONS, true);
    c.refList('object_refs', 'any', true);
  },
  report: (c) => {
    named(c);
    c.stringList('report_types');
    c.timestamp('published', true);
    c.refList('object_refs', 'any', true);
  },
  'threat-actor': (c) => { named(c); seen(c); c.stringList('aliases'); },
  tool: (c) => { named(c); killChainPhases(c); },
  vulnerability: named,
};
