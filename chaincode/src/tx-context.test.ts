import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryState, SimulatedTxContext } from './tx-context.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const tx = { txId: 'tx-1', timestamp: new Date('2025-03-01T10:00:00.123Z'), mspId: 'PnMSP', clientId: 'x509::CN=a' };

describe('SimulatedTxContext', () => {
  it('reads committed state only and records reads and writes', async () => {
    const state = new MemoryState();
    state.apply([{ key: 'a', value: bytes('1') }], '1:0');
    const ctx = new SimulatedTxContext(state, tx);
    await ctx.stub.putState('a', bytes('2'));
    await ctx.stub.putState('b', bytes('3'));
    assert.deepEqual(await ctx.stub.getState('a'), bytes('1'));
    assert.equal((await ctx.stub.getState('b')).length, 0);
    const rw = ctx.stub.rwSet();
    assert.deepEqual(rw.reads, [{ key: 'a', version: '1:0' }, { key: 'b', version: null }]);
    assert.deepEqual(rw.writes.map((w) => w.key), ['a', 'b']);
  });

  it('gives the transaction time as a Fabric timestamp', () => {
    const ctx = new SimulatedTxContext(new MemoryState(), tx);
    assert.deepEqual(ctx.stub.getTxTimestamp(), { seconds: 1740823200, nanos: 123_000_000 });
    assert.equal(ctx.clientIdentity.getMSPID(), 'PnMSP');
  });

  it('refuses what fabric-shim refuses: empty composite key parts, range queries into composite keys', async () => {
    const ctx = new SimulatedTxContext(new MemoryState(), tx);
    assert.throws(() => ctx.stub.createCompositeKey('ver', ['id', '']), /non-zero length/);
    assert.throws(() => ctx.stub.createCompositeKey('', []), /non-zero length/);
    const key = ctx.stub.createCompositeKey('ver', ['id']);
    await assert.rejects(ctx.stub.getStateByRange(key, ''), /null character/);
  });

  it('iterates partial composite keys in key order and keeps only the last event', async () => {
    const state = new MemoryState();
    const probe = new SimulatedTxContext(state, tx);
    state.apply([
      { key: probe.stub.createCompositeKey('idx', ['b', '2']), value: bytes('b2') },
      { key: probe.stub.createCompositeKey('idx', ['a', '1']), value: bytes('a1') },
      { key: probe.stub.createCompositeKey('other', ['a']), value: bytes('x') },
    ], '1:0');
    const ctx = new SimulatedTxContext(state, tx);
    const it = await ctx.stub.getStateByPartialCompositeKey('idx', []);
    const seen: string[] = [];
    for await (const row of it) seen.push(new TextDecoder().decode(row.value));
    assert.deepEqual(seen, ['a1', 'b2']);
    ctx.stub.setEvent('first', bytes('1'));
    ctx.stub.setEvent('second', bytes('2'));
    assert.equal(ctx.stub.rwSet().event?.name, 'second');
  });
});
