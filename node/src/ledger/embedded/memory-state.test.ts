import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryState } from '@popart/chaincode';
import { PendingState } from './pending-state.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A deterministic pseudo-random sequence (tests must not depend on luck). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('MemoryState ranges', () => {
  it('returns [start, end) in ascending key order through inserts, overwrites and deletes', () => {
    const state = new MemoryState();
    const model = new Map<string, string>();
    const rnd = lcg(7);
    const key = (): string => `k${Math.floor(rnd() * 500).toString(36)}\u0000${Math.floor(rnd() * 3)}`;
    for (let i = 0; i < 5000; i++) {
      const k = key();
      if (rnd() < 0.3) {
        state.apply([{ key: k, value: null }], `1:${i}`);
        model.delete(k);
      } else {
        state.apply([{ key: k, value: bytes(String(i)) }], `1:${i}`);
        model.set(k, String(i));
      }
    }
    assert.equal(state.size, model.size);
    const all = [...model.keys()].sort();
    assert.deepEqual(state.keys(), all);
    for (let q = 0; q < 200; q++) {
      const [a, b] = [key(), key()].sort() as [string, string];
      const got = [...state.range(a, b)].map((r) => r.key);
      assert.deepEqual(got, all.filter((k) => k >= a && k < b), `range [${a}, ${b})`);
    }
    const first = [...state.range('', '\u{10FFFF}')][0];
    assert.equal(first && new TextDecoder().decode(first.value), model.get(all[0] as string));
  });

  it('serves a range over 100k keys without sorting them per query', () => {
    const state = new MemoryState();
    const writes = Array.from({ length: 100_000 }, (_, i) => ({ key: `obj:${String(i).padStart(6, '0')}`, value: bytes('x') }));
    state.apply(writes, '1:0');
    const rows = [...state.range('obj:050000', 'obj:050010')];
    assert.deepEqual(rows.map((r) => r.key), Array.from({ length: 10 }, (_, i) => `obj:0500${String(i).padStart(2, '0')}`));
  });
});

describe('PendingState', () => {
  it('overlays accepted writes (including deletes) on committed state, in key order', () => {
    const committed = new MemoryState();
    committed.apply(['a', 'c', 'e', 'g'].map((k) => ({ key: k, value: bytes(`c-${k}`) })), '1:0');
    const pending = new PendingState(committed);
    pending.accept([{ key: 'b', value: bytes('p-b') }, { key: 'c', value: bytes('p-c') }, { key: 'e', value: null }, { key: 'h', value: bytes('p-h') }], '2:0');
    const rows = [...pending.range('a', 'z')].map((r) => `${r.key}=${new TextDecoder().decode(r.value)}@${r.version}`);
    assert.deepEqual(rows, ['a=c-a@1:0', 'b=p-b@2:0', 'c=p-c@2:0', 'g=c-g@1:0', 'h=p-h@2:0']);
    assert.equal(pending.get('e'), undefined);
    assert.equal(committed.get('e')?.version, '1:0');
    pending.accept([{ key: 'b', value: bytes('p2-b') }], '2:1');
    pending.commit([{ key: 'b', value: bytes('p-b') }, { key: 'c', value: bytes('p-c') }, { key: 'e', value: null }, { key: 'h', value: bytes('p-h') }], '2:0');
    assert.equal(pending.get('b')?.version, '2:1', 'a later pending write still shows over the committed one');
    assert.equal(pending.pendingKeys, 1);
    assert.deepEqual([...committed.range('a', 'z')].map((r) => r.key), ['a', 'b', 'c', 'g', 'h']);
  });
});
