import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { asksIntrospection, operationLimitsRule, REQUEST_LIMITS } from './request-limits.js';
import { buildSchema } from './schema.js';

const schema = buildSchema('test');

function check(query: string): GraphQLError[] {
  return [...validate(schema, parse(query), [...specifiedRules, operationLimitsRule()])];
}

function refused(query: string, limit: string): GraphQLError {
  const errors = check(query);
  assert.equal(errors.length, 1, JSON.stringify(errors.map((e) => e.message)));
  const [err] = errors as [GraphQLError];
  assert.equal(err.extensions.code, 'QUERY_TOO_COMPLEX');
  assert.equal(err.extensions.limit, limit, err.message);
  assert.match(err.message, /too complex: .*the limit is \d+/);
  return err;
}

const SUMMARY = 'id type name modified tlp category severity revoked bbox agency { key name } stix';

test('the portal\'s own operations pass', () => {
  for (const q of [
    `query($f: ThreatFilter, $first: Int, $after: String, $purpose: String) {
      threats(filter: $f, first: $first, after: $after, purpose: $purpose) { edges { cursor node { ${SUMMARY} } } pageInfo { hasNextPage endCursor } } }`,
    `query($id: ID!, $purpose: String) {
      threat(id: $id, purpose: $purpose) { ${SUMMARY}
        provenance { transactionId blockNumber signatureVerified ledger publishingAgency { key name } }
        sightings { ${SUMMARY} provenance { transactionId blockNumber signatureVerified } }
        history { modified transactionId blockNumber }
        responses { id status responder agency { key name } at note } }
      explain(id: $id) { id known visible rule reasons redacted tlp publisher policyRevision } }`,
    `query($purpose: String) { threats(filter: { types: ["relationship"] }, first: 200, purpose: $purpose) { edges { node { ${SUMMARY} } } } }`,
    'query { me { username agency { key name jurisdiction { geometry bbox centre } } } }',
    'query { exportBundle(limit: 5000) }',
    `subscription { alerts { ${SUMMARY} } }`,
  ]) assert.deepEqual(check(q).map((e) => e.message), []);
});

test('1,000 aliases of threats(first: 200) are refused before execution, naming the limit', () => {
  const q = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: threats(first: 200) { edges { node { id } } }`).join(' ')} }`;
  const err = refused(q, 'aliases');
  assert.equal(err.extensions.actual, 1000);
  assert.equal(err.extensions.max, REQUEST_LIMITS.maxAliases);
});

test('the cost counts a list by its first/limit argument times what it selects', () => {
  // 20 aliases (under the alias limit) of a 200-item page: 20 × 601.
  const err = refused(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: threats(first: 200) { edges { node { id sightings { id } } } }`).join(' ')} }`, 'cost');
  assert.ok(Number(err.extensions.actual) > REQUEST_LIMITS.maxCost);
  assert.deepEqual(check(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: threats(first: 5) { edges { node { id } } }`).join(' ')} }`), []);
  refused('{ a: exportBundle(limit: 5000) b: exportBundle(limit: 5000) c: exportBundle(limit: 5000) d: exportBundle(limit: 5000) e: exportBundle(limit: 5000) }', 'cost');
  refused('query($n: Int) { threats(first: $n) { edges { node { sightings { sightings { sightings { id } } } } } } }', 'cost');
  assert.deepEqual(check('query($n: Int = 2) { threats(first: $n) { edges { node { sightings { sightings { id } } } } } }'), [], 'a variable\'s default counts');
});

test('depth, and field counts with fragments expanded, are bounded; a fragment bomb is measured quickly', () => {
  let deep = 'id';
  for (let i = 0; i < 15; i++) deep = `sightings { ${deep} }`;
  refused(`{ threat(id: "x") { ${deep} } }`, 'depth');

  const fragments = ['fragment F0 on Threat { id name }'];
  for (let i = 1; i <= 30; i++) fragments.push(`fragment F${i} on Threat { ...F${i - 1} ...F${i - 1} }`);
  const started = Date.now();
  refused(`{ threat(id: "x") { ...F30 } } ${fragments.join(' ')}`, 'fields');
  assert.ok(Date.now() - started < 1000, 'stops counting once far over the limit (2^31 fields expanded)');
});

test('introspection is detected in operations and fragments; __typename alone is not introspection', () => {
  assert.ok(asksIntrospection(parse('{ __schema { types { name } } }')));
  assert.ok(asksIntrospection(parse('query { ...F } fragment F on Query { __type(name: "Threat") { name } }')));
  assert.ok(!asksIntrospection(parse('{ __typename me { __typename } }')));
});
