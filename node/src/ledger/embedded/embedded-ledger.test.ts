import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ThreatExchangeContract } from '@popart/chaincode';
import { transactionNames } from './contract-runner.js';
import { EmbeddedLedger } from './embedded-ledger.js';
import { EndorsementError, LedgerError, LedgerUnavailableError } from './errors.js';
import { collect, highS, KvContract, MEMBERS, openLedger, ORGS, proposal, tempDir } from '../../../test/embedded-ledger-support.js';

const dirs: { remove(): Promise<void> }[] = [];
async function dir(): Promise<string> {
  const d = await tempDir();
  dirs.push(d);
  return d.path;
}
after(async () => { for (const d of dirs) await d.remove(); });

const isEndorsement = (pattern: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof EndorsementError, `expected EndorsementError, got ${String(err)}`);
  assert.equal(err.name, 'EndorsementError');
  assert.match(err.message, pattern);
  return true;
};

describe('EmbeddedLedger: submit and evaluate', () => {
  it('commits a transaction and answers queries from committed state', async () => {
    const contract = new KvContract();
    const ledger = await openLedger(await dir(), { contract });
    try {
      assert.equal(ledger.height(), 1, 'the genesis block');
      const p = proposal(ORGS.pn, 'put', ['alert-1', 'drone over stadium']);
      const r = await ledger.submit(p);
      assert.deepEqual(r, { txId: p.txId, blockNumber: 1, txIndex: 0, result: 'stored alert-1' });
      assert.equal(ledger.height(), 2);
      assert.equal(await ledger.evaluate('PjMSP', 'get', ['alert-1']), 'drone over stadium');
      assert.deepEqual(contract.hooks.slice(0, 2), [`before:${p.txId}`, 'after:stored alert-1'], 'before/afterTransaction run around the function');
      assert.equal(ledger.height(), 2, 'evaluate records nothing');
    } finally {
      await ledger.close();
    }
  });

  it('rejects a contract error with the original Error and writes nothing', async () => {
    const path = await dir();
    const ledger = await openLedger(path);
    try {
      await ledger.submit(proposal(ORGS.pn, 'put', ['a', '1']));
      const before = await readFile(join(path, 'blocks.jsonl'), 'utf8');
      await assert.rejects(ledger.submit(proposal(ORGS.pn, 'fail', [])), (err: unknown) => err instanceof Error && err.message === 'refused by the contract');
      await assert.rejects(ledger.submit(proposal(ORGS.pn, 'putThenFail', ['b'])), (err: unknown) => err instanceof RangeError && err.message === 'cannot store b');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(ledger.height(), 2);
      assert.equal(await readFile(join(path, 'blocks.jsonl'), 'utf8'), before);
      assert.equal(await ledger.evaluate('PnMSP', 'get', ['b']), '');
      const next = await ledger.submit(proposal(ORGS.pn, 'put', ['c', '3']));
      assert.equal(next.blockNumber, 2, 'the chain goes on after refusals');
    } finally {
      await ledger.close();
    }
  });

  it('refuses bad signatures, high S, unknown MSPs, duplicate txIds and non-transactions before simulating', async () => {
    const contract = new KvContract();
    const ledger = await openLedger(await dir(), { contract });
    try {
      const good = proposal(ORGS.pn, 'put', ['k', 'v']);
      await assert.rejects(ledger.submit({ ...good, args: ['k', 'forged'] }), isEndorsement(/signature does not verify/));
      await assert.rejects(ledger.submit({ ...good, mspId: 'PjMSP' }), isEndorsement(/signature does not verify with PjMSP/));
      await assert.rejects(ledger.submit({ ...good, signature: highS(good.signature) }), isEndorsement(/high S/));
      const stranger = proposal({ ...ORGS.pn, mspId: 'EvilMSP' }, 'put', ['k', 'v']);
      await assert.rejects(ledger.submit(stranger), isEndorsement(/unknown MSP EvilMSP/));
      await assert.rejects(ledger.submit({ ...good, timestamp: 'yesterday' }), isEndorsement(/timestamp/));
      for (const fn of ['constructor', '_helper', 'beforeTransaction', 'afterTransaction', 'unknownTransaction', 'createContext', 'getName', 'toString', 'nope']) {
        await assert.rejects(ledger.submit(proposal(ORGS.pn, fn, [])), isEndorsement(/is not a transaction function/), fn);
      }
      await assert.rejects(ledger.evaluate('PnMSP', '_helper', []), isEndorsement(/is not a transaction function/));
      await assert.rejects(ledger.evaluate('EvilMSP', 'get', ['k']), isEndorsement(/unknown MSP/));
      assert.equal(contract.hooks.length, 0, 'nothing was simulated');
      await ledger.submit(good);
      await assert.rejects(ledger.submit(good), isEndorsement(/duplicate txId/));
      assert.equal(ledger.height(), 2);
    } finally {
      await ledger.close();
    }
  });

  it('treats only the contract\'s own public methods as transactions (fabric Contract base methods excluded)', () => {
    const names = transactionNames(new ThreatExchangeContract());
    assert.ok(names.has('PublishBundle') && names.has('ReadObject'));
    for (const base of ['getName', 'beforeTransaction', 'afterTransaction', 'aroundTransaction', 'unknownTransaction', 'createContext', 'constructor']) {
      assert.ok(!names.has(base), base);
    }
  });

  it('passes transient data to the contract without recording it', async () => {
    const path = await dir();
    const ledger = await openLedger(path);
    try {
      await ledger.submit(proposal(ORGS.pn, 'secret', ['s'], { transient: { secret: 'the-informant-is-X' } }));
      assert.equal(await ledger.evaluate('PnMSP', 'get', ['s']), 'length 18');
      assert.ok(!(await readFile(join(path, 'blocks.jsonl'), 'utf8')).includes('the-informant-is-X'));
    } finally {
      await ledger.close();
    }
  });
});

describe('EmbeddedLedger: blocks', () => {
  it('puts concurrent submits into one block, later transactions seeing earlier ones', async () => {
    const ledger = await openLedger(await dir(), { batchTimeoutMs: 250 });
    try {
      const results = await Promise.all([
        ledger.submit(proposal(ORGS.pn, 'put', ['n', '10'])),
        ...Array.from({ length: 9 }, () => ledger.submit(proposal(ORGS.mad, 'incr', ['n']))),
      ]);
      assert.deepEqual(results.map((r) => r.blockNumber), Array(10).fill(1));
      assert.deepEqual(results.map((r) => r.txIndex), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual(results.slice(1).map((r) => r.result), ['11', '12', '13', '14', '15', '16', '17', '18', '19']);
      assert.equal(ledger.height(), 2);
      assert.equal(await ledger.evaluate('PnMSP', 'get', ['n']), '19');
    } finally {
      await ledger.close();
    }
  });

  it('cuts a block at batchMaxTx', async () => {
    const ledger = await openLedger(await dir(), { batchMaxTx: 4, batchTimeoutMs: 250 });
    try {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.submit(proposal(ORGS.pj, 'put', [`k${i}`, `${i}`]))));
      assert.deepEqual(results.map((r) => `${r.blockNumber}:${r.txIndex}`), ['1:0', '1:1', '1:2', '1:3', '2:0', '2:1', '2:2', '2:3', '3:0', '3:1']);
      assert.deepEqual(JSON.parse(await ledger.evaluate('PjMSP', 'list', ['k', 'l'])), Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
    } finally {
      await ledger.close();
    }
  });

  it('answers queries from committed state only', async () => {
    const ledger = await openLedger(await dir(), { batchTimeoutMs: 600 });
    try {
      const pending = ledger.submit(proposal(ORGS.pn, 'put', ['late', 'yes']));
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(await ledger.evaluate('PnMSP', 'get', ['late']), '', 'accepted but not yet in a durable block');
      await pending;
      assert.equal(await ledger.evaluate('PnMSP', 'get', ['late']), 'yes');
    } finally {
      await ledger.close();
    }
  });

  it('records each transaction with its signature, read/write set and event', async () => {
    const ledger = await openLedger(await dir());
    try {
      const seen: number[] = [];
      const unsubscribe = ledger.onBlock((b) => seen.push(b.number));
      const p = proposal(ORGS.crm, 'announce', ['zone-7', 'closed']);
      await ledger.submit(p);
      unsubscribe();
      await ledger.submit(proposal(ORGS.crm, 'del', ['zone-7']));
      assert.deepEqual(seen, [1]);
      const [genesis, b1, b2] = await collect(ledger.blocks(0), 3);
      assert.deepEqual(genesis?.orgs?.map((o) => o.mspId), ['PnMSP', 'PjMSP', 'MadMSP', 'CrmMSP']);
      assert.equal(b1?.previousHash, genesis?.hash);
      const tx = b1?.transactions[0];
      assert.deepEqual({ ...tx, rwset: undefined, event: undefined }, { ...p, rwset: undefined, event: undefined });
      assert.deepEqual(tx?.rwset.writes, [{ key: 'zone-7', value: Buffer.from('closed').toString('base64') }]);
      assert.deepEqual(JSON.parse(Buffer.from(tx?.event?.payload ?? '', 'base64').toString()), { key: 'zone-7', value: 'closed' });
      assert.equal(tx?.event?.name, 'announced');
      assert.equal(b1?.timestamp, p.timestamp);
      assert.deepEqual(b2?.transactions[0]?.rwset.writes, [{ key: 'zone-7', value: null }]);
      assert.deepEqual(ledger.orgs().map((o) => o.mspId), MEMBERS.map((o) => o.mspId));
    } finally {
      await ledger.close();
    }
  });

  it('blocks(from) replays committed blocks then continues live, with no gap and no repeat', async () => {
    const ledger = await openLedger(await dir(), { batchMaxTx: 3, batchTimeoutMs: 1 });
    try {
      for (let i = 0; i < 5; i++) await ledger.submit(proposal(ORGS.pn, 'put', [`a${i}`, 'x']));
      // Start iterators at several points while blocks keep being committed.
      const writers = (async () => {
        for (let i = 0; i < 20; i++) await Promise.all([0, 1].map((j) => ledger.submit(proposal(ORGS.pj, 'put', [`b${i}-${j}`, 'y']))));
      })();
      const readers: Promise<number[]>[] = [];
      for (const from of [0, 2, 6, 9]) {
        readers.push(collect(ledger.blocks(from), 12).then((bs) => bs.map((b) => b.number)));
        await new Promise((r) => setTimeout(r, 3));
      }
      await writers;
      const got = await Promise.all(readers);
      got.forEach((numbers, i) => {
        const from = [0, 2, 6, 9][i] as number;
        assert.deepEqual(numbers, Array.from({ length: 12 }, (_, k) => from + k), `from ${from}`);
      });
    } finally {
      await ledger.close();
    }
  });

  it('buffers for a slow consumer without holding the ledger back', async () => {
    const ledger = await openLedger(await dir());
    try {
      const iterator = ledger.blocks(1)[Symbol.asyncIterator]();
      for (let i = 0; i < 15; i++) await ledger.submit(proposal(ORGS.mad, 'put', [`k${i}`, 'v']));
      assert.equal(ledger.height(), 16);
      const numbers: number[] = [];
      for (let i = 0; i < 15; i++) numbers.push(((await iterator.next()).value as { number: number }).number);
      assert.deepEqual(numbers, Array.from({ length: 15 }, (_, i) => i + 1));
      assert.deepEqual(await iterator.return?.(), { done: true, value: undefined });
      assert.equal((await iterator.next()).done, true);
    } finally {
      await ledger.close();
    }
  });
});

describe('EmbeddedLedger: lifecycle', () => {
  it('keeps state and height across close and reopen, and continues the chain', async () => {
    const path = await dir();
    const first = await openLedger(path, { fsync: true });
    await Promise.all(Array.from({ length: 20 }, (_, i) => first.submit(proposal(ORGS.pn, 'put', [`k${String(i).padStart(2, '0')}`, `${i}`]))));
    await first.submit(proposal(ORGS.pj, 'del', ['k03']));
    const height = first.height();
    const lastHash = (await collect(first.blocks(height - 1), 1))[0]?.hash;
    await first.close();

    const second = await EmbeddedLedger.open({ dir: path, contract: new KvContract() });
    try {
      assert.equal(second.height(), height);
      assert.equal(await second.evaluate('PnMSP', 'get', ['k07']), '7');
      assert.equal(await second.evaluate('PnMSP', 'get', ['k03']), '');
      assert.equal(JSON.parse(await second.evaluate('PnMSP', 'list', ['k', 'l'])).length, 19);
      const r = await second.submit(proposal(ORGS.mad, 'incr', ['k07']));
      assert.deepEqual([r.blockNumber, r.result], [height, '8']);
      const [block] = await collect(second.blocks(height), 1);
      assert.equal(block?.previousHash, lastHash);
      assert.deepEqual(block?.transactions[0]?.rwset.reads, [{ key: 'k07', version: '1:7' }]);
    } finally {
      await second.close();
    }
    const third = await openLedger(path);
    assert.equal(third.height(), height + 1);
    await third.close();
  });

  it('refuses to create without orgs, to reopen with other orgs, and to open one directory twice', async () => {
    const path = await dir();
    await assert.rejects(EmbeddedLedger.open({ dir: path, contract: new KvContract() }), (e: unknown) => e instanceof LedgerError && /orgs are required/.test(e.message));
    await assert.rejects(openLedger(path, { orgs: [{ mspId: 'PnMSP', publicKeyPem: 'nope' }] }), /orgs\[0\]\.publicKeyPem \(PnMSP\) is not a public key/);
    const ledger = await openLedger(path);
    await assert.rejects(openLedger(path), /already open/);
    await ledger.close();
    await assert.rejects(openLedger(path, { orgs: MEMBERS.slice(0, 3) }), /do not match the membership/);
    const reordered = await openLedger(path, { orgs: [...MEMBERS].reverse() });
    await reordered.close();
  });

  it('rejects with LedgerUnavailableError once closed, and ends live iterators', async () => {
    const ledger = await openLedger(await dir(), { batchTimeoutMs: 20 });
    await ledger.submit(proposal(ORGS.pn, 'put', ['a', '1']));
    const live = collect(ledger.blocks(1), 10);
    const inFlight = ledger.submit(proposal(ORGS.pn, 'put', ['b', '2']));
    await new Promise((r) => setTimeout(r, 5));
    await ledger.close();
    assert.equal((await inFlight).blockNumber, 2, 'a transaction accepted before close is committed');
    assert.deepEqual((await live).map((b) => b.number), [1, 2], 'the iterator ends with the ledger');
    const unavailable = (err: unknown): boolean => err instanceof LedgerUnavailableError && err.name === 'LedgerUnavailableError';
    await assert.rejects(ledger.submit(proposal(ORGS.pn, 'put', ['c', '3'])), unavailable);
    await assert.rejects(ledger.evaluate('PnMSP', 'get', ['a']), unavailable);
    await assert.rejects(collect(ledger.blocks(0), 1), unavailable);
    await ledger.close();
  });

  it('closes itself when a block cannot be written, failing that block\'s submits', async () => {
    const path = await dir();
    const ledger = await openLedger(path);
    await ledger.submit(proposal(ORGS.pn, 'put', ['a', '1']));
    // Fault injection: the disk refuses the next append.
    (ledger as unknown as { writer: { append(b: Buffer): Promise<void> } }).writer.append = async () => { throw new Error('ENOSPC: no space left on device'); };
    await assert.rejects(ledger.submit(proposal(ORGS.pn, 'put', ['b', '2'])), (err: unknown) =>
      err instanceof LedgerUnavailableError && /writing block 2/.test(err.message) && /ENOSPC/.test(String((err.cause as Error).message)));
    await assert.rejects(ledger.submit(proposal(ORGS.pn, 'put', ['c', '3'])), LedgerUnavailableError);
    await ledger.close();
    const reopened = await openLedger(path);
    assert.equal(reopened.height(), 2);
    assert.equal(await reopened.evaluate('PnMSP', 'get', ['b']), '');
    await reopened.close();
  });
});
