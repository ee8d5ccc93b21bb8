import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema } from './schema.js';

test('the schema builds when every operation has an access directive', () => {
  const schema = buildSchema('test');
  assert.ok(schema.getQueryType()?.getFields().threats);
  assert.ok(schema.getSubscriptionType()?.getFields().alerts);
});

test('the schema refuses to build when an operation lacks @auth or @public', () => {
  assert.throws(
    () => buildSchema('test', ['extend type Query { leaky: String }', 'extend type Mutation { alsoLeaky: Boolean }']),
    /without an @auth or @public directive: Query\.leaky, Mutation\.alsoLeaky/,
  );
});
