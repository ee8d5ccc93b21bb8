import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { open } from 'lmdb';
import { canonicalJson } from '@popart/schemas';
import { sealBlock, type Block } from './block.js';
import type { EmbeddedLedgerOptions } from './embedded-ledger.js';
import { EndorsementError, LedgerIntegrityError } from './errors.js';
import { DiskState } from './world-state.js';
import { KvContract, openLedger, ORGS, proposal, tempDir } from '../../../test/embedded-ledger-support.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => { for (const c of cleanups) await c(); });

/** A closed ledger of 5 blocks (genesis + 4 puts): its directory. */
async function ledgerOf4(): Promise<string> {
  const d = await tempDir();
  cleanups.push(d.remove);
  const ledger = await openLedger(d.path);
  for (let i = 1; i <= 4; i++) await ledger.submit(proposal(ORGS.pn, 'put', [`key-${i}`, `value-${i}`]));
  assert.equal(ledger.height(), 5);
  await ledger.close();
  return d.path;
}

async function refused(dir: string, blockNumber: number, what: RegExp, opts: Partial<EmbeddedLedgerOptions> = {}): Promise<void> {
  await assert.rejects(openLedger(dir, opts), (err: unknown) => {
    assert.ok(err instanceof LedgerIntegrityError, `expected LedgerIntegrityError, got ${String(err)}`);
    assert.equal(err.blockNumber, blockNumber, err.message);
    assert.match(err.message, what);
    return true;
  });
}

const blocksOf = async (dir: string): Promise<Block[]> => (await readFile(join(dir, 'blocks.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Block);
const writeBlocks = (dir: string, blocks: Block[]): Promise<void> => writeFile(join(dir, 'blocks.jsonl'), blocks.map((b) => canonicalJson(b)).join('\n') + '\n');

describe('reopening from the world-state snapshot', () => {
  it('executes nothing again when the snapshot is at the end of the log, and replays only the blocks after it', async () => {
    const dir = await ledgerOf4();
    const stale = `${dir}-state-at-5`;
    cleanups.push(() => rm(stale, { recursive: true, force: true }));
    await cp(join(dir, 'state'), stale, { recursive: true });

    const contract = new KvContract();
    let ledger = await openLedger(dir, { contract });
    assert.deepEqual(contract.hooks, [], 'no transaction was executed again');
    assert.equal(await ledger.evaluate('PjMSP', 'get', ['key-3']), 'value-3');
    await ledger.submit(proposal(ORGS.pj, 'put', ['key-5', 'value-5']));
    await ledger.submit(proposal(ORGS.mad, 'incr', ['counter']));
    await ledger.close();

    // The state as it was after block 4, as after a crash before blocks 5 and 6 were applied: they are replayed.
    await rm(join(dir, 'state'), { recursive: true });
    await cp(stale, join(dir, 'state'), { recursive: true });
    const replaying = new KvContract();
    ledger = await openLedger(dir, { contract: replaying });
    assert.equal(replaying.hooks.filter((h) => h.startsWith('before:')).length, 2, 'blocks 5 and 6 were executed again');
    assert.equal(ledger.height(), 7);
    assert.equal(await ledger.evaluate('PnMSP', 'get', ['key-5']), 'value-5');
    assert.equal((await ledger.submit(proposal(ORGS.crm, 'incr', ['counter']))).result, '2');
    await assert.rejects(ledger.submit(proposal(ORGS.pn, 'put', ['k', 'v'], { txId: (await blocksOf(dir))[2]?.transactions[0]?.txId as string })), /duplicate txId/);
    await ledger.close();

    // Without the snapshot, every block is verified and executed again, and the state rebuilt.
    await rm(join(dir, 'state'), { recursive: true });
    const rebuilding = new KvContract();
    ledger = await openLedger(dir, { contract: rebuilding });
    assert.equal(rebuilding.hooks.filter((h) => h.startsWith('before:')).length, 7);
    assert.equal(await ledger.evaluate('PnMSP', 'get', ['counter']), '2');
    await ledger.close();
  });

  it('refuses a block below the snapshot edited in place, naming it', async () => {
    const dir = await ledgerOf4();
    const path = join(dir, 'blocks.jsonl');
    await writeFile(path, (await readFile(path, 'utf8')).replace('value-2', 'value-X'));
    await refused(dir, 2, /^block 2 of blocks\.jsonl: the block hash does not match its content/);
  });

  it('refuses a log rewritten below the snapshot with every hash recomputed', async () => {
    const dir = await ledgerOf4();
    const blocks = await blocksOf(dir);
    const write = blocks[2]?.transactions[0]?.rwset.writes[0];
    assert.ok(write);
    write.value = Buffer.from('forged').toString('base64');
    const rechained: Block[] = [blocks[0] as Block, blocks[1] as Block];
    for (const b of blocks.slice(2)) {
      const { hash: _hash, ...rest } = b;
      rechained.push(sealBlock({ ...rest, previousHash: (rechained[rechained.length - 1] as Block).hash }));
    }
    await writeBlocks(dir, rechained);
    await refused(dir, 4, /its hash differs from the one the world-state snapshot recorded for it: the block log was rewritten/);
  });

  it('refuses a log that lost blocks the snapshot holds', async () => {
    const dir = await ledgerOf4();
    await writeBlocks(dir, (await blocksOf(dir)).slice(0, 3));
    await refused(dir, 3, /the block log ends at block 2 but the world-state snapshot is at height 5/);
  });

  it('refuses a snapshot altered after it was sealed, and one altered without its seal', async () => {
    const dir = await ledgerOf4();
    const forge = async (): Promise<void> => {
      const env = open({ path: join(dir, 'state'), encoding: 'binary', keyEncoding: 'binary', compression: false, maxDbs: 6 });
      const db = env.openDB({ name: 'state', encoding: 'binary', keyEncoding: 'binary', compression: false });
      const entry = db.get(Buffer.from('key-2')) as Buffer;
      db.putSync(Buffer.from('key-2'), Buffer.concat([entry.subarray(0, 4), Buffer.from('forged')]));
      await env.close();
    };
    await forge();
    await refused(dir, 4, /the world-state snapshot taken after this block \(state\/\) was altered: its data file or its seal changed/);
    // The refusal does not seal the altered store: opened again (now without a seal), its entries are hashed.
    await refused(dir, 4, /was altered: its entries do not hash to the digest recorded with it/);
    await rm(join(dir, 'state'), { recursive: true });
    const rebuilt = await openLedger(dir);
    assert.equal(await rebuilt.evaluate('PnMSP', 'get', ['key-2']), 'value-2', 'rebuilt from the block log');
    await rebuilt.close();
  });

  it('refuses an altered sealed snapshot behind the log before replaying anything into it (its file hashed while the log is checked)', async () => {
    const dir = await ledgerOf4();
    const stale = `${dir}-state-at-5`;
    cleanups.push(() => rm(stale, { recursive: true, force: true }));
    await cp(join(dir, 'state'), stale, { recursive: true });
    const ledger = await openLedger(dir);
    await ledger.submit(proposal(ORGS.pj, 'put', ['key-5', 'value-5']));
    await ledger.submit(proposal(ORGS.mad, 'put', ['key-6', 'value-6']));
    await ledger.close();
    await rm(join(dir, 'state'), { recursive: true });
    await cp(stale, join(dir, 'state'), { recursive: true });
    const env = open({ path: join(dir, 'state'), encoding: 'binary', keyEncoding: 'binary', compression: false, maxDbs: 6 });
    const db = env.openDB({ name: 'state', encoding: 'binary', keyEncoding: 'binary', compression: false });
    db.putSync(Buffer.from('key-2'), Buffer.concat([(db.get(Buffer.from('key-2')) as Buffer).subarray(0, 4), Buffer.from('forged')]));
    await env.close();
    await refused(dir, 4, /the world-state snapshot taken after this block \(state\/\) was altered: its data file or its seal changed/);
    const after = open({ path: join(dir, 'state'), encoding: 'binary', keyEncoding: 'binary', compression: false, maxDbs: 6 });
    const head = JSON.parse((after.openDB({ name: 'meta', encoding: 'binary', keyEncoding: 'binary', compression: false }).get(Buffer.from('head')) as Buffer).toString()) as { height: number };
    const key5 = after.openDB({ name: 'state', encoding: 'binary', keyEncoding: 'binary', compression: false }).get(Buffer.from('key-5'));
    await after.close();
    assert.equal(head.height, 5, 'blocks 5 and 6 were not replayed into the refused store');
    assert.equal(key5, undefined);
  });

  it('takes a snapshot rewritten with its digest and seal as it is, unless opened with the full check', async () => {
    const dir = await ledgerOf4();
    const { state } = await DiskState.open(join(dir, 'state'), false);
    const head = state.head();
    assert.ok(head);
    state.commit(head.height, head.lastHash, () => state.apply([{ key: 'key-2', value: Buffer.from('forged') }], '2:0'));
    await state.close();
    const fooled = await openLedger(dir);
    assert.equal(await fooled.evaluate('PnMSP', 'get', ['key-2']), 'forged', 'the fast open does not re-verify the state below the snapshot');
    await fooled.close();
    await refused(dir, 4, /the world-state snapshot \(state\/\) differs from the state the fully verified chain gives/, { fullCheckOnOpen: true });
    await rm(join(dir, 'state'), { recursive: true });
    const checked = await openLedger(dir, { fullCheckOnOpen: true });
    assert.equal(await checked.evaluate('PnMSP', 'get', ['key-2']), 'value-2');
    await checked.close();
  });

  it('refuses a transaction writing a key the world state cannot store, before it joins a block', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    const ledger = await openLedger(d.path);
    try {
      for (const key of ['k'.repeat(2000), 'lone \uD800 surrogate']) {
        await assert.rejects(ledger.submit(proposal(ORGS.pn, 'put', [key, 'v'])), (err: unknown) =>
          err instanceof EndorsementError && /put refused: it writes a key the ledger cannot store/.test(err.message));
      }
      assert.equal(ledger.height(), 1);
      assert.equal((await ledger.submit(proposal(ORGS.pn, 'put', ['fine', 'v']))).blockNumber, 1);
    } finally {
      await ledger.close();
    }
  });
});
