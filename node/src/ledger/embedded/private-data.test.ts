import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LedgerIntegrityError } from './errors.js';
import { DiskState } from './world-state.js';
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
      assert.ok((await readFile(join(dir.path, 'private', 'PnMSP-store', 'data.mdb'))).includes(SECRET), 'in pn\'s own store');
      await assert.rejects(readFile(join(dir.path, 'private', 'PjMSP.jsonl')), /ENOENT/);
      for (const file of [join('state', 'data.mdb'), join('private', 'PjMSP-store', 'data.mdb')]) {
        assert.ok(!(await readFile(join(dir.path, file))).includes(SECRET), `not in ${file}`);
      }

      // Reopened: the chain is executed again (the transient data kept by the submitter's store) and the value is back.
      ledger = await openLedger(dir.path);
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), SECRET);
      await ledger.close();
    } finally {
      await dir.remove();
    }
  });

  it('refuses to open when an organisation\'s private log was altered or shortened below its store\'s mark', async () => {
    const dir = await tempDir();
    try {
      const ledger = await openLedger(dir.path);
      await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k'], { transient: { secret: SECRET } }));
      await ledger.close();
      const file = join(dir.path, 'private', 'PnMSP.jsonl');
      const original = await readFile(file, 'utf8');
      const b64 = (t: string): string => Buffer.from(t).toString('base64');
      // The same length: only the hash of the log up to the snapshot's mark tells.
      await writeFile(file, original.replace(b64(SECRET), b64('the-informant-is-Y')));
      await assert.rejects(openLedger(dir.path), (err: unknown) => err instanceof LedgerIntegrityError &&
        /PnMSP's private log \(private\/PnMSP\.jsonl\) no longer has the SHA-256 it had when its store recorded it/.test(err.message));
      await assert.rejects(openLedger(dir.path, { reexecuteOnOpen: false }), LedgerIntegrityError);
      await writeFile(file, original.replace(b64(SECRET), b64('someone')));
      await assert.rejects(openLedger(dir.path), /PnMSP's private log \(private\/PnMSP\.jsonl\) is shorter \(\d+ bytes\) than the \d+ bytes its store holds.*restore private\/PnMSP\.jsonl from a backup/);
      // Put back as it was, the ledger opens and serves the value.
      await writeFile(file, original);
      const again = await openLedger(dir.path);
      assert.equal(await again.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), SECRET);
      await again.close();
    } finally {
      await dir.remove();
    }
  });

  it('refuses to open when the snapshot holds a private value whose hash the world state does not record (a store left unsealed)', async () => {
    const dir = await tempDir();
    try {
      const ledger = await openLedger(dir.path);
      await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k'], { transient: { secret: SECRET } }));
      await ledger.close();
      // A sealed store changed is refused by its seal.
      const storeDir = join(dir.path, 'private', 'PnMSP-store');
      const sealed = await readFile(join(storeDir, 'snapshot.json'), 'utf8');
      await writeFile(join(storeDir, 'snapshot.json'), sealed.replace(/"fileSha256":"[0-9a-f]/, '"fileSha256":"x'));
      await assert.rejects(openLedger(dir.path), /PnMSP's private store \(private\/PnMSP-store\/\) changed since the ledger closed it.*Refusing to open; remove the folder private\/PnMSP-store\//);
      // As if the ledger had stopped without closing (no seal), and someone then changed the value in the store's file.
      await rm(join(storeDir, 'snapshot.json'), { force: true });
      const { state } = await DiskState.open(storeDir, false, { privateData: true });
      state.transaction(() => state.privatePut('PnMSP', 'private-PnMSP', 'k', Buffer.from('someone-else')));
      await state.close(false);
      await assert.rejects(openLedger(dir.path), (err: unknown) => err instanceof LedgerIntegrityError &&
        /PnMSP's private value of "k" in private-PnMSP does not match the hash the world state records.*remove the folder private\/PnMSP-store\//.test(err.message));
      // As the message says: without the store, it is rebuilt from the log and the value is the committed one again.
      await rm(storeDir, { recursive: true });
      const rebuilt = await openLedger(dir.path);
      assert.equal(await rebuilt.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), SECRET);
      await rebuilt.close();
    } finally {
      await dir.remove();
    }
  });

  it('applies on reopen the private values of blocks after the snapshot, read from the end of the logs only', async () => {
    const dir = await tempDir();
    try {
      let ledger = await openLedger(dir.path);
      await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k'], { transient: { secret: SECRET } }));
      await ledger.close();
      // A copy of the snapshot after block 1; block 2 is then committed, and the old snapshot put back:
      // reopening replays block 2 from the log, with the private line after the old snapshot's mark.
      await cp(join(dir.path, 'state'), join(dir.path, 'state-after-1'), { recursive: true });
      ledger = await openLedger(dir.path);
      await ledger.submit(proposal(ORGS.pn, 'keepPrivate', ['private-PnMSP', 'k2'], { transient: { secret: 'second' } }));
      await ledger.submit(proposal(ORGS.pj, 'keepPrivate', ['private-PjMSP', 'j'], { transient: { secret: 'pj-only' } }));
      await ledger.close();
      await rm(join(dir.path, 'state'), { recursive: true });
      await rename(join(dir.path, 'state-after-1'), join(dir.path, 'state'));
      ledger = await openLedger(dir.path);
      assert.equal(ledger.height(), 4);
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), SECRET);
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k2']), 'second');
      assert.equal(await ledger.evaluate('PjMSP', 'readPrivate', ['private-PjMSP', 'j']), 'pj-only');
      assert.deepEqual(ledger.privateDataOf('PjMSP').map((e) => [e.collection, e.key, Buffer.from(e.value).toString()]), [['private-PjMSP', 'j', 'pj-only']]);
      await ledger.close();
      // A value of the replayed block altered in the log is refused (its hash is checked against the block's).
      const file = join(dir.path, 'private', 'PjMSP.jsonl');
      await rm(join(dir.path, 'state'), { recursive: true });
      await writeFile(file, (await readFile(file, 'utf8')).replace(Buffer.from('pj-only').toString('base64'), Buffer.from('pj-oops').toString('base64')));
      await assert.rejects(openLedger(dir.path), (err: unknown) => err instanceof LedgerIntegrityError && err.blockNumber === 3 && /PjMSP's private value of "j"/.test(err.message));
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
      // A whole line that is not JSON is no crash's doing: refused, naming where it is.
      const kept = await readFile(file, 'utf8');
      await appendFile(file, 'not json\n');
      await assert.rejects(openLedger(dir.path), new RegExp(`PnMSP's private log holds a line at byte ${Buffer.byteLength(kept)} that is not JSON`));
      await writeFile(file, kept);
      // The ledger stopped in the middle of a line (no newline): that line is cut off too.
      const whole = await readFile(file, 'utf8');
      await appendFile(file, '{"block":3,"tx":0,"txId":"half","wri');
      ledger = await openLedger(dir.path);
      assert.equal(await readFile(file, 'utf8'), whole);
      assert.equal(await ledger.evaluate('PnMSP', 'readPrivate', ['private-PnMSP', 'k']), 'second');
      await ledger.close();
    } finally {
      await dir.remove();
    }
  });
});
