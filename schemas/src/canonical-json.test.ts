import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { SchemaError } from './errors.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('orders keys by UTF-16 code units, like RFC 8785', () => {
    // "\u20ac" (€) < "\ud83d\ude00" (😀, a surrogate pair) < "\ufb33" in UTF-16, although 😀 is the largest code point.
    const value = { '\ufb33': 3, '😀': 2, '€': 1, a: 0, B: -1, '1': 4 };
    assert.equal(canonicalJson(value), '{"1":4,"B":-1,"a":0,"€":1,"😀":2,"דּ":3}');
  });

  it('writes numbers and strings as JSON.stringify does', () => {
    assert.equal(canonicalJson([1e21, 0.1, -0, 1.5e-7, 100, 'é\n"\\', '\u2028']), '[1e+21,0.1,0,1.5e-7,100,"é\\n\\"\\\\","\u2028"]');
  });

  it('is the same for objects built in different key orders', () => {
    const a = { type: 'indicator', id: 'x', labels: ['a', 'b'], nested: { q: 1, p: 2 } };
    const b = { nested: { p: 2, q: 1 }, labels: ['a', 'b'], id: 'x', type: 'indicator' };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(sha256Hex(a), sha256Hex(b));
  });

  it('omits undefined-valued properties', () => {
    assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
  });

  it('refuses values JSON cannot represent faithfully, naming where', () => {
    for (const [value, what] of [
      [{ a: [1, Number.NaN] }, /non-finite number NaN at \$\.a\[1\]/],
      [{ a: Infinity }, /non-finite/],
      [[undefined], /undefined value at \$\[0\]/],
      [{ f: () => 1 }, /function value at \$\.f/],
      [{ n: 10n }, /bigint/],
      [new Date(0), /non-plain object \(Date\)/],
      [new Map(), /non-plain object/],
      [undefined, /undefined value at \$/],
    ] as const) {
      assert.throws(() => canonicalJson(value), (err: unknown) => err instanceof SchemaError && err.name === 'SchemaError' && what.test(err.message));
    }
  });

  it('refuses cycles but accepts the same object twice', () => {
    const shared = { x: 1 };
    assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => canonicalJson(cyclic), /circular reference at \$\.self/);
  });

  it('accepts objects without a prototype', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.b = 2;
    o.a = 1;
    assert.equal(canonicalJson(o), '{"a":1,"b":2}');
  });
});

describe('sha256Hex', () => {
  it('is the SHA-256 of the canonical UTF-8 text', () => {
    const value = { b: 'ñ', a: 1 };
    const expected = createHash('sha256').update(Buffer.from('{"a":1,"b":"ñ"}', 'utf8')).digest('hex');
    assert.equal(sha256Hex(value), expected);
    assert.equal(sha256Hex({}), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
