import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LedgerIntegrityError } from './errors.js';
import { openLedger, ORGS, proposal, tempDir } from '../../../test/embedded-ledger-support.js';

const SECRET = 'the-informant-is-X';
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('embedded ledger: private data collections', () => {
  it('keeps a private value with its collection\'s member only, its hash in the block; readable by the member, hash by anyone', async () => {
    const dir = await tempDir();
    try {
      let ledger = await openLedger(dir.path);
      const r = await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k'], { transient: { secret: SECRET } }));
      assert.equal(r.result, 'kept');
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), SECRET);
      await assert.rejects(ledger.evaluate('PjMSP', 'readPrivate', ['private-PnMSP', 'k']), /does not have read access/);
      assert.equal(await ledger.evaluate('PjMSP', 'privateHash', ['private-PnMSP', 'k']), sha(SECRET));
      assert.deepEqual(ledger.privateDataOf('PjMSP'), []);
      await ledger.close();

      const blocks = await readFile(join(dir.path, 'blocks.jsonl'), 'utf8');
      assert.ok(!blocks.includes(SECRET) && !blocks.includes(Buffer.from(SECRET).toString('base64')), 'never in the block log');
      assert.ok((await readFile(join(dir.path, 'private', 'PnMSP.jsonl'), 'utf8')).includes(Buffer.from(SECRET).toString('base64')));
      await assert.rejects(readFile(join(dir.path, 'private', 'PjMSP.jsonl')), /ENOENT/);

      // Reopened: the chain is executed again (the transient data kept by the submitter's store) and the value is back.
      ledger = await openLedger(dir.path);
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), SECRET);
      await ledger.close();
    } finally {
      await dir.remove();
    }
  });

  it('refuses to open when a private store holds a value whose hash the block does not record', async () => {
    const dir = await tempDir();
    try {
      const ledger = await openLedger(dir.path);
      await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k'], { transient: { secret: SECRET } }));
      await ledger.close();
      const file = join(dir.path, 'private', 'PnMSP.jsonl');
      const altered = (await readFile(file, 'utf8')).replace(Buffer.from(SECRET).toString('base64'), Buffer.from('someone-else').toString('base64'));
      await writeFile(file, altered);
      await assert.rejects(openLedger(dir.path), (err: unknown) => err instanceof LedgerIntegrityError && /PnMSP's private value of "k" in private-PnMSP does not match the hash/.test(err.message));
      // Without re-execution the hashes are still checked.
      await assert.rejects(openLedger(dir.path, { reexecuteOnOpen: false }), LedgerIntegrityError);
    } finally {
      await dir.remove();
    }
  });

  it('drops private lines of a block that never reached the log (a crash between the two appends)', async () => {
    const dir = await tempDir();
    try {
      let ledger = await openLedger(dir.path);
      await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k'], { transient: { secret: SECRET } }));
      await ledger.close();
      const file = join(dir.path, 'private', 'PnMSP.jsonl');
      await appendFile(file, JSON.stringify({ block: 2, tx: 0, txId: 'lost', writes: [{ collection: 'private-PnMSP', key: 'k', value: Buffer.from('lost').toString('base64') }] }) + '\n');
      ledger = await openLedger(dir.path);
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), SECRET);
      assert.ok(!(await readFile(file, 'utf8')).includes('lost'));
      const next = await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k'], { transient: { secret: 'second' } }));
      assert.equal(next.blockNumber, 2);
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), 'second');
      await ledger.close();
    } finally {
      await dir.remove();
    }
  });
});
