import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canonicalJson } from '@popart/schemas';
import { sealBlock, type Block } from './block.js';
import { LedgerIntegrityError } from './errors.js';
import { signProposal } from './proposal.js';
import { openLedger, ORGS, proposal, tempDir } from '../../../test/embedded-ledger-support.js';

/**
 * A ledger of 6 blocks: 1–4 hold one put each, block 5 holds two increments of the same counter
 * (the second reads the first's write). Each test tampers with a copy of its block log.
 */
let source = '';
const cleanups: (() => Promise<void>)[] = [];
after(async () => { for (const c of cleanups) await c(); });

before(async () => {
  const d = await tempDir();
  cleanups.push(d.remove);
  const ledger = await openLedger(d.path, { batchTimeoutMs: 20 });
  for (let i = 1; i <= 4; i++) await ledger.submit(proposal(ORGS.pn, 'put', [`key-${i}`, `value-${i}`]));
  await Promise.all([ledger.submit(proposal(ORGS.pj, 'incr', ['counter'])), ledger.submit(proposal(ORGS.mad, 'incr', ['counter']))]);
  assert.equal(ledger.height(), 6);
  await ledger.close();
  source = await readFile(join(d.path, 'blocks.jsonl'), 'utf8');
});

const blocksOf = (text: string): Block[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Block);
const textOf = (blocks: Block[]): string => blocks.map((b) => canonicalJson(b)).join('\n') + '\n';

/** Recomputes hashes and links from block `from` on, as a forger who rewrites the tail would. */
function rechain(blocks: Block[], from: number): Block[] {
  const out = blocks.slice(0, from);
  for (const b of blocks.slice(from)) {
    const { hash: _hash, ...rest } = b;
    out.push(sealBlock({ ...rest, previousHash: out[out.length - 1]?.hash ?? rest.previousHash }));
  }
  return out;
}

async function openTampered(text: string, blockNumber: number, what: RegExp): Promise<void> {
  const d = await tempDir();
  cleanups.push(d.remove);
  await writeFile(join(d.path, 'blocks.jsonl'), text);
  await assert.rejects(openLedger(d.path), (err: unknown) => {
    assert.ok(err instanceof LedgerIntegrityError, `expected LedgerIntegrityError, got ${String(err)}`);
    assert.equal(err.name, 'LedgerIntegrityError');
    assert.equal(err.blockNumber, blockNumber, err.message);
    assert.match(err.message, new RegExp(`^block ${blockNumber} of blocks\\.jsonl: `));
    assert.match(err.message, what);
    return true;
  });
}

describe('opening a block log verifies the whole chain', () => {
  it('opens the untouched log', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    await writeFile(join(d.path, 'blocks.jsonl'), source);
    const ledger = await openLedger(d.path);
    assert.equal(ledger.height(), 6);
    assert.equal(await ledger.evaluate('PnMSP', 'get', ['counter']), '2');
    await ledger.close();
  });

  it('an edited value', async () => {
    await openTampered(source.replace('value-3', 'value-X'), 3, /hash does not match its content/);
  });

  it('an edited write set', async () => {
    const blocks = blocksOf(source);
    const tx = blocks[2]?.transactions[0];
    if (tx?.rwset.writes[0]) tx.rwset.writes[0].value = Buffer.from('forged').toString('base64');
    await openTampered(textOf(blocks), 2, /hash does not match/);
  });

  it('an edited block whose own hash was recomputed', async () => {
    const blocks = blocksOf(source);
    const b = blocks[2] as Block;
    const write = b.transactions[0]?.rwset.writes[0];
    if (write) write.value = Buffer.from('forged').toString('base64');
    blocks[2] = sealBlock({ number: b.number, previousHash: b.previousHash, timestamp: b.timestamp, transactions: b.transactions });
    // Re-execution catches the altered write in block 2 itself, before the broken link to block 3.
    await openTampered(textOf(blocks), 2, /recorded value of "key-2" differs/);
  });

  it('a deleted block', async () => {
    const lines = source.split('\n');
    lines.splice(3, 1);
    await openTampered(lines.join('\n'), 3, /holds block number 4/);
  });

  it('the last block deleted is not detectable from the log alone, but the chain still opens consistently', async () => {
    const lines = source.split('\n').filter(Boolean);
    const d = await tempDir();
    cleanups.push(d.remove);
    await writeFile(join(d.path, 'blocks.jsonl'), lines.slice(0, -1).join('\n') + '\n');
    const ledger = await openLedger(d.path);
    assert.equal(ledger.height(), 5);
    await ledger.close();
  });

  it('reordered blocks', async () => {
    const lines = source.split('\n');
    [lines[2], lines[3]] = [lines[3] as string, lines[2] as string];
    await openTampered(lines.join('\n'), 2, /holds block number 3/);
  });

  it('an edited write set with every later hash recomputed (caught by re-executing the transaction)', async () => {
    const blocks = blocksOf(source);
    const tx = blocks[2]?.transactions[0];
    assert.ok(tx?.rwset.writes[0]);
    tx.rwset.writes[0].value = Buffer.from('forged').toString('base64');
    await openTampered(textOf(rechain(blocks, 2)), 2, /recorded value of .* differs from what put writes \(the write set was altered/);
  });

  it('an added write with every later hash recomputed', async () => {
    const blocks = blocksOf(source);
    const tx = blocks[1]?.transactions[0];
    assert.ok(tx);
    tx.rwset.writes.push({ key: 'planted', value: Buffer.from('x').toString('base64') });
    await openTampered(textOf(rechain(blocks, 1)), 1, /writes 1 keys, the block records 2/);
  });

  it('a forged signature, even with every hash recomputed', async () => {
    const blocks = blocksOf(source);
    const tx = blocks[4]?.transactions[0];
    assert.ok(tx);
    // pj signs a transaction that claims to come from pn.
    tx.args = ['key-4', 'pj wrote this'];
    tx.signature = signProposal({ txId: tx.txId, mspId: tx.mspId, clientId: tx.clientId, timestamp: tx.timestamp, fn: tx.fn, args: tx.args }, ORGS.pj.privateKey).signature;
    await openTampered(textOf(rechain(blocks, 4)), 4, /signature does not verify with PnMSP's key/);
  });

  it('a transaction moved into another MSP\'s name, hashes recomputed', async () => {
    const blocks = blocksOf(source);
    const tx = blocks[1]?.transactions[0];
    assert.ok(tx);
    tx.mspId = 'EvilMSP';
    await openTampered(textOf(rechain(blocks, 1)), 1, /EvilMSP, which is not a member/);
  });

  it('transactions reordered inside a block, hashes recomputed (replay of read versions fails)', async () => {
    const blocks = blocksOf(source);
    const b5 = blocks[5] as Block;
    b5.transactions.reverse();
    b5.timestamp = (b5.transactions[b5.transactions.length - 1] as { timestamp: string }).timestamp;
    await openTampered(textOf(rechain(blocks, 5)), 5, /replay mismatch, the read of "counter" recorded version 5:0 but the chain gives none/);
  });

  it('a replayed transaction (duplicate txId), hashes recomputed', async () => {
    const blocks = blocksOf(source);
    const copy = structuredClone(blocks[1]?.transactions[0]);
    assert.ok(copy);
    blocks[3]?.transactions.push(copy);
    (blocks[3] as Block).timestamp = copy.timestamp;
    await openTampered(textOf(rechain(blocks, 3)), 3, /txId was already committed/);
  });

  it('a changed membership in the genesis block', async () => {
    const blocks = blocksOf(source);
    blocks[0]?.orgs?.splice(1, 1); // PjMSP, who signed a transaction of block 5
    await openTampered(textOf(blocks), 0, /hash does not match/);
    await openTampered(textOf(rechain(blocks, 0).slice(0, 2)) + source.split('\n').slice(2).join('\n'), 2, /previousHash does not match the hash of block 1/);
    await openTampered(textOf(rechain(blocks, 0)), 5, /submitted by PjMSP, which is not a member/);
  });

  it('a whole chain rewritten around a smaller membership is refused by the configured orgs', async () => {
    const blocks = blocksOf(source);
    blocks[0]?.orgs?.splice(3, 1); // CrmMSP signed nothing
    const d = await tempDir();
    cleanups.push(d.remove);
    await writeFile(join(d.path, 'blocks.jsonl'), textOf(rechain(blocks, 0)));
    await assert.rejects(openLedger(d.path), /the orgs given do not match the membership in the genesis block .*\(PnMSP, PjMSP, MadMSP\)/);
  });

  it('a truncated last line (crash while writing a block)', async () => {
    const lines = source.split('\n').filter(Boolean);
    const last = lines[lines.length - 1] as string;
    await openTampered(lines.slice(0, -1).join('\n') + '\n' + last.slice(0, last.length / 2), 5, /last line is incomplete/);
    await openTampered(source.slice(0, -1), 5, /last line is incomplete/);
  });

  it('garbage, an empty line, or an empty file', async () => {
    await openTampered(source + 'not json\n', 6, /not valid JSON/);
    await openTampered(source.replace('\n', '\n\n'), 1, /not valid JSON/);
    await openTampered('', 0, /empty/);
  });

  it('a chain that verifies again after appending to a copy (the reopened ledger continues it)', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    const path = join(d.path, 'blocks.jsonl');
    await writeFile(path, source);
    const ledger = await openLedger(d.path);
    await ledger.submit(proposal(ORGS.crm, 'incr', ['counter']));
    await ledger.close();
    await appendFile(path, '{"number":7');
    await openTampered(await readFile(path, 'utf8'), 7, /incomplete/);
  });
});
