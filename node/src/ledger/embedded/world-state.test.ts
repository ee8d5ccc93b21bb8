import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { canonicalJson } from '@popart/schemas';
import { compareKeys, MemoryState } from '@popart/chaincode';
import { sealBlock, sealBlockLine } from './block.js';
import { blockHeader } from './block-header.js';
import { DiskState, keyProblem } from './world-state.js';
import { tempDir } from '../../../test/embedded-ledger-support.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const dirs: { remove(): Promise<void> }[] = [];
after(async () => { for (const d of dirs) await d.remove(); });

async function store(): Promise<{ state: DiskState; path: string }> {
  const d = await tempDir();
  dirs.push(d);
  const { state, seal } = await DiskState.open(`${d.path}/state`, false);
  assert.equal(seal, 'unsealed');
  return { state, path: `${d.path}/state` };
}

/** A deterministic pseudo-random sequence (tests must not depend on luck). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('DiskState (the world state on disk)', () => {
  it('agrees with MemoryState on gets and ranges through inserts, overwrites and deletes, in UTF-8 byte order', async () => {
    const { state } = await store();
    const model = new MemoryState();
    const rnd = lcg(11);
    // ASCII, composite-key separators, a character above U+FFFF and one in U+E000–U+FFFF (their UTF-16 and UTF-8 orders differ).
    const parts = ['a', 'b', '\u0000', 'obj~', '\u{1F681}', '\uFFFD', 'z'];
    const key = (): string => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => parts[Math.floor(rnd() * parts.length)]).join('');
    for (let block = 1; block <= 60; block++) {
      state.commit(block + 1, `hash-${block}`, () => {
        for (let tx = 0; tx < 5; tx++) {
          const writes = Array.from({ length: 4 }, (_, i) => ({ key: key(), value: rnd() < 0.3 ? null : bytes(`v${block}.${tx}.${i}`) }));
          state.apply(writes, `${block}:${tx}`);
          model.apply(writes, `${block}:${tx}`);
        }
      });
    }
    assert.equal(state.size, model.size);
    const all = model.keys();
    assert.deepEqual(all, [...all].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), 'MemoryState sorts by UTF-8 bytes');
    assert.deepEqual([...state.range('', '\u{10FFFF}')].map((r) => r.key), all);
    for (let q = 0; q < 100; q++) {
      const [a, b] = [key(), key()].sort(compareKeys) as [string, string];
      const got = [...state.range(a, b)].map((r) => `${r.key}=${text(r.value)}@${r.version}`);
      const want = [...model.range(a, b)].map((r) => `${r.key}=${text(r.value)}@${r.version}`);
      assert.deepEqual(got, want, `range [${a}, ${b})`);
    }
    for (const k of all) assert.equal(text(state.get(k)?.value ?? bytes('')), text(model.get(k)?.value ?? bytes('')));
    assert.equal(state.head()?.height, 61);
    assert.equal(state.scanDigest(), state.head()?.digest, 'the digest kept on each write is that of the entries');
    await state.close();
  });

  it('keeps what a failed commit wrote out, and its head and txIds across a reopen', async () => {
    const { state, path } = await store();
    state.commit(2, 'h1', () => {
      state.apply([{ key: 'a', value: bytes('1') }], '1:0');
      state.recordTx('tx-1', '1:0');
    });
    assert.throws(() => state.commit(3, 'h2', () => {
      state.apply([{ key: 'a', value: bytes('2') }, { key: 'b', value: bytes('2') }], '2:0');
      throw new Error('disk full');
    }), /disk full/);
    assert.deepEqual([state.get('a')?.version, state.get('b'), state.head()?.height], ['1:0', undefined, 2]);
    await state.close();
    const again = await DiskState.open(path, false);
    assert.equal(again.seal, 'intact', 'closing sealed the store');
    assert.deepEqual([again.state.head()?.height, again.state.head()?.lastHash, again.state.hasTx('tx-1'), again.state.hasTx('tx-2')], [2, 'h1', true, false]);
    assert.equal(again.state.scanDigest(), again.state.head()?.digest);
    await again.state.close();
  });

  it('the world state opens no private-data databases: asking it for private data is refused by name; an organisation\'s store has them', async () => {
    const { state } = await store();
    try {
      assert.throws(() => state.privateGet('PnMSP', 'private-PnMSP', 'k'), /holds no private data: open it with \{ privateData: true \}/);
      assert.throws(() => state.transientGet('tx1'), /holds no private data/);
      state.clear(); // (clearing touches only what it opened)
    } finally {
      await state.close();
    }
    const d = await tempDir();
    dirs.push(d);
    const { state: own } = await DiskState.open(`${d.path}/store`, false, { privateData: true });
    try {
      own.transaction(() => own.privatePut('PnMSP', 'private-PnMSP', 'k', Buffer.from('v')));
      assert.equal(own.privateGet('PnMSP', 'private-PnMSP', 'k')?.toString(), 'v');
    } finally {
      await own.close();
    }
  });

  it('refuses keys it cannot store: too long, or not well-formed Unicode', () => {
    assert.equal(keyProblem('obj~indicator--1'), null);
    assert.match(keyProblem('x'.repeat(3000)) ?? '', /3000 bytes is longer than the 1978 bytes/);
    assert.match(keyProblem('a\uD800b') ?? '', /not well-formed Unicode/);
    assert.equal(keyProblem('\u{1F681}'), null);
  });
});

describe('block lines', () => {
  it('are the canonical JSON of the sealed block, and their header checks from the bytes', () => {
    const content = { number: 3, previousHash: 'a'.repeat(64), timestamp: '2026-01-01T00:00:00.000Z', transactions: [] };
    const { block, line } = sealBlockLine(content);
    assert.deepEqual(block, sealBlock(content));
    assert.equal(line.toString('utf8'), canonicalJson(block) + '\n');
    const header = blockHeader(line.subarray(0, -1));
    assert.deepEqual(header, { number: 3, hash: block.hash, contentHash: block.hash, previousHash: 'a'.repeat(64) });
    const edited = Buffer.from(line.toString('utf8').replace('2026-01-01', '2026-01-02'));
    assert.notEqual(blockHeader(edited.subarray(0, -1))?.contentHash, block.hash, 'an edited line no longer hashes to its recorded hash');
    assert.equal(blockHeader(Buffer.from(JSON.stringify({ number: 3, hash: block.hash }))), null, 'a line not in canonical form is parsed instead');
  });
});
