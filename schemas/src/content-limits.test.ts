import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTENT_LIMITS } from './content-limits.js';
import type { StixIssue } from './issues.js';
import { alertIncident, BUNDLE, errorsOf, T0, valid } from './test-objects.js';
import { validateBundle, validateObject } from './validate.js';

function bundleOf(...objects: unknown[]): unknown {
  return { type: 'bundle', id: BUNDLE, objects };
}

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { x_level: v };
  return v;
}

function only(errors: StixIssue[], property: string, fragment: string | RegExp): StixIssue {
  const hit = errors.find((e) => e.property === property);
  assert.ok(hit, `an issue on ${property}; got ${JSON.stringify(errors)}`);
  if (typeof fragment === 'string') assert.ok(hit.message.includes(fragment), `"${hit.message}" mentions "${fragment}"`);
  else assert.match(hit.message, fragment);
  return hit;
}

describe('content limits: characters storage refuses', () => {
  it('U+0000 anywhere (value or property name) is refused with the object, the property and the position', () => {
    const o = { ...valid('note'), content: 'drone\u0000over gate 3' };
    const r = validateBundle(bundleOf(o));
    const issue = only(errorsOf(r), 'content', 'U+0000 (NUL) at character 5');
    assert.equal(issue.objectIndex, 0);
    assert.equal(issue.objectId, o.id);
    const k = { ...valid('note'), x_custom: { 'a\u0000b': 1 } };
    only(errorsOf(validateObject(k)), 'x_custom["a\ufffdb"]', 'property name holds U+0000');
  });

  it('unpaired surrogates are refused, paired ones (emoji) are kept', () => {
    only(errorsOf(validateObject({ ...valid('note'), content: 'a\ud83dz' })), 'content', 'unpaired high surrogate U+D83D');
    only(errorsOf(validateObject({ ...valid('note'), content: '\ude00' })), 'content', 'unpaired low surrogate U+DE00');
    only(errorsOf(validateObject({ ...valid('note'), content: 'end\ud83d' })), 'content', 'unpaired high surrogate');
    assert.ok(validateObject({ ...valid('note'), content: 'drone 🚁 at gate 3 — ñ' }).ok);
  });
});

describe('content limits: sizes and depth', () => {
  it('nesting beyond the limit is one issue with the path and the limit, and does not overflow the stack at 100,000 levels', () => {
    const shallow = { ...valid('note'), x_tree: nested(CONTENT_LIMITS.maxDepth - 1) };
    assert.ok(validateObject(shallow).ok, 'just inside the limit');
    const deep = { ...valid('note'), x_tree: nested(100_000) };
    const errors = errorsOf(validateObject(deep));
    assert.equal(errors.length, 1, JSON.stringify(errors).slice(0, 400));
    assert.match(errors[0]?.message ?? '', new RegExp(`nested ${CONTENT_LIMITS.maxDepth + 1} levels deep; the limit is ${CONTENT_LIMITS.maxDepth}`));
    assert.ok(errors[0]?.property.startsWith('x_tree.x_level'));
  });

  it('a string, an object and a bundle each have a size limit named in the refusal', () => {
    only(errorsOf(validateObject({ ...valid('note'), content: 'a'.repeat(CONTENT_LIMITS.maxStringLength + 1) })), 'content', `the limit is ${CONTENT_LIMITS.maxStringLength}`);
    const wide = { ...valid('note'), x_parts: Array.from({ length: 40 }, () => 'b'.repeat(10_000)) };
    only(errorsOf(validateObject(wide)), 'x_parts', `larger than ${CONTENT_LIMITS.maxObjectBytes} bytes`);
    const many = Array.from({ length: CONTENT_LIMITS.maxBundleObjects + 1 }, () => valid('note'));
    only(errorsOf(validateBundle(bundleOf(...many))), 'objects', `the limit is ${CONTENT_LIMITS.maxBundleObjects}`);
    const big = Array.from({ length: 45 }, (_, i) => ({ ...valid('note'), id: `note--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c${String(i).padStart(2, '0')}`, content: 'c'.repeat(99_000) + 'é'.repeat(500) }));
    only(errorsOf(validateBundle(bundleOf(...big))), 'objects', `larger than ${CONTENT_LIMITS.maxBundleBytes} bytes`);
  });

  it('a property name longer than 250 characters is refused at any level', () => {
    const o = { ...valid('note'), x_map: { ['k'.repeat(251)]: 1 } };
    const [issue] = errorsOf(validateObject(o));
    assert.match(issue?.message ?? '', /property name is 251 characters long; the limit is 250/);
    assert.ok((issue?.property.length ?? 0) < 100, 'the path shows the name shortened');
    only(errorsOf(validateObject({ ...valid('note'), x_map: { '': 1 } })), 'x_map[""]', 'not allowed');
  });
});

describe('content limits: numbers, ids, names, times', () => {
  it('numbers must be finite and integers exact (±2^53 − 1)', () => {
    only(errorsOf(validateObject({ ...valid('note'), x_n: Number.POSITIVE_INFINITY })), 'x_n', 'finite');
    only(errorsOf(validateObject({ ...valid('note'), x_n: [1, Number.NaN] })), 'x_n[1]', 'finite');
    only(errorsOf(validateObject(JSON.parse(`{"type":"note","spec_version":"2.1","id":"note--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2b","created":"${T0}","modified":"${T0}","content":"x","object_refs":["identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a01"],"x_n":1e400}`))), 'x_n', 'finite');
    only(errorsOf(validateObject({ ...valid('note'), x_n: 2 ** 60 })), 'x_n', 'beyond ±9007199254740991');
    assert.ok(validateObject({ ...valid('note'), x_n: [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1.5e-300, 12345.678, 5e-324, -0] }).ok);
    only(errorsOf(validateObject({ ...valid('note'), x_n: 1e300 })), 'x_n', 'send it as a string');
  });

  it('ids and references only in their canonical lower-case form', () => {
    const o = valid('note');
    const upper = { ...o, id: o.id.toUpperCase().replace('NOTE--', 'note--') };
    only(errorsOf(validateObject(upper)), 'id', 'must be in lower case');
    const ref = { ...o, object_refs: ['identity--0C1E7E4E-8A61-4F55-B0A8-0D6C3B1F1A01'] };
    only(errorsOf(validateObject(ref)), 'object_refs[0]', 'write "identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a01"');
    const incident = alertIncident();
    const ext = incident.extensions as Record<string, unknown>;
    const [key, body] = Object.entries(ext)[0] as [string, unknown];
    const upperExt = { ...incident, extensions: { [key.replace(/[a-f]/g, (c) => c.toUpperCase()).replace('EXTENSION-DEFINITION', 'extension-definition')]: body } };
    assert.ok(errorsOf(validateObject(upperExt)).some((e) => e.message.includes('extension definition ids must be in lower case')));
  });

  it('property names follow STIX 2.1 (a letter first): __proto__, _x and 9ab are refused', () => {
    const proto = JSON.parse(JSON.stringify(valid('note')).replace('{', '{"__proto__":{"polluted":true},')) as Record<string, unknown>;
    assert.ok(Object.hasOwn(proto, '__proto__'));
    only(errorsOf(validateObject(proto)), '__proto__', 'not allowed');
    only(errorsOf(validateObject({ ...valid('note'), _xyz: 1 })), '_xyz', 'starting with a letter');
    only(errorsOf(validateObject({ ...valid('note'), '9ab': 1 })), '9ab', 'starting with a letter');
    const nestedProto = JSON.parse(`{"x_custom":{"__proto__":{"a":1}}}`) as Record<string, unknown>;
    only(errorsOf(validateObject({ ...valid('note'), ...nestedProto })), 'x_custom.__proto__', 'not allowed');
  });

  it('created and modified may not lie after the transaction time by more than the clock skew', () => {
    const now = new Date(Date.parse(T0) + 3_600_000);
    const far = { ...valid('note'), modified: '9999-12-31T23:59:59.999Z' };
    only(errorsOf(validateObject(far, undefined, { now })), 'modified', `at most ${CONTENT_LIMITS.maxClockSkewMs / 1000} s of clock skew`);
    const skewed = new Date(now.getTime() + CONTENT_LIMITS.maxClockSkewMs - 1000).toISOString();
    assert.ok(validateObject({ ...valid('note'), created: T0, modified: skewed }, undefined, { now }).ok, 'within the skew');
    const ahead = new Date(now.getTime() + CONTENT_LIMITS.maxClockSkewMs + 1000).toISOString();
    only(errorsOf(validateObject({ ...valid('note'), created: ahead, modified: ahead }, undefined, { now })), 'created', 's after the transaction time');
    assert.ok(validateObject(far).ok, 'without a reference time only the grammar is checked');
  });
});
