import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecisionCache, subjectKey } from './decision-cache.js';

describe('DecisionCache', () => {
  test('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new DecisionCache(2);
    cache.set('a', { allow: true });
    cache.set('b', { allow: false });
    assert.deepEqual(cache.get('a'), { allow: true }, 'a is now the most recently used');
    cache.set('c', { allow: true });
    assert.equal(cache.get('b'), undefined, 'b went first');
    assert.deepEqual(cache.get('a'), { allow: true });
    assert.deepEqual(cache.get('c'), { allow: true });
    assert.deepEqual(cache.stats, { size: 2, hits: 3, misses: 1 });
  });

  test('kept decisions are frozen, so no caller can change what the next one gets', () => {
    const cache = new DecisionCache(4);
    cache.set('k', { allow: true, remove: ['x_popart_persons'], coarsen: [{ path: 'latitude', decimals: 2 }] });
    const kept = cache.get('k') as { remove: string[]; coarsen: { decimals: number }[] };
    assert.throws(() => kept.remove.push('name'), TypeError);
    assert.throws(() => { (kept.coarsen[0] as { decimals: number }).decimals = 5; }, TypeError);
  });

  test('nothing is kept with capacity 0, and an undefined decision is never kept', () => {
    const off = new DecisionCache(0);
    off.set('k', { allow: true });
    assert.equal(off.get('k'), undefined);
    const on = new DecisionCache(2);
    on.set('k', undefined);
    assert.equal(on.stats.size, 0);
  });

  test('a subject key holds only the fields named, in their order; without a list, the whole subject', () => {
    const fields = ['agency', 'exercise', 'role'];
    assert.equal(subjectKey({ agency: 'pn', role: 'analyst', username: 'ana' }, fields), subjectKey({ role: 'analyst', username: 'bea', agency: 'pn' }, fields));
    assert.notEqual(subjectKey({ agency: 'pn', role: 'analyst' }, fields), subjectKey({ agency: 'pj', role: 'analyst' }, fields));
    assert.notEqual(subjectKey({ agency: 'pn', role: 'analyst' }, fields), subjectKey({ agency: 'pn', role: 'analyst', exercise: 'd-1' }, fields));
    assert.notEqual(subjectKey({ agency: 'pn', username: 'ana' }, undefined), subjectKey({ agency: 'pn', username: 'bea' }, undefined));
  });
});
