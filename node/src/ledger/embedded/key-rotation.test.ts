import assert from 'node:assert/strict';
import { randomUUID, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson } from '@popart/schemas';
import { signLowS } from '../../keys/ecdsa.js';
import { sealBlock, type Block } from './block.js';
import { EndorsementError, LedgerIntegrityError } from './errors.js';
import { ROTATE_KEY_FN, rotationProofInput } from './proposal.js';
import { makeOrg, openLedger, ORGS, proposal, tempDir, type TestOrg } from '../../../test/embedded-ledger-support.js';

/** A rotation proposal: signed by `signer` (an org key the ledger trusts), adding `next`'s key with its proof. */
function rotation(signer: TestOrg, next: TestOrg, opts: { proofKey?: KeyObject } = {}) {
  const txId = randomUUID();
  const proof = signLowS(opts.proofKey ?? next.privateKey, rotationProofInput({ txId, mspId: signer.mspId }, next.publicKeyPem));
  return proposal(signer, ROTATE_KEY_FN, [next.publicKeyPem, proof.toString('base64')], { txId });
}

/** The same org (MSP id) with a new key pair. */
const nextKeyOf = (org: TestOrg): TestOrg => ({ ...makeOrg(org.mspId) });

describe('key rotation on the embedded ledger', () => {
  it('a rotated-in key signs from then on, the old key stays valid, and a reopened ledger replays both', async () => {
    const d = await tempDir();
    try {
      const ledger = await openLedger(d.path);
      await ledger.submit(proposal(ORGS.pn, 'put', ['before', '1']));
      const pn2 = nextKeyOf(ORGS.pn);
      await assert.rejects(ledger.submit(proposal(pn2, 'put', ['early', 'x'])), EndorsementError, 'the new key is not trusted before its rotation');
      const receipt = await ledger.submit(rotation(ORGS.pn, pn2));
      assert.equal(receipt.result, '');
      await ledger.submit(proposal(pn2, 'put', ['after', '2']));
      await ledger.submit(proposal(ORGS.pn, 'put', ['old-key-still', '3']));
      assert.equal(ledger.orgKeys().get('PnMSP')?.length, 2);
      assert.equal(ledger.orgKeys().get('PjMSP')?.length, 1, 'other orgs are untouched');
      await ledger.close();

      const again = await openLedger(d.path);
      assert.equal(again.orgKeys().get('PnMSP')?.[1], pn2.publicKeyPem, 'the rotation is replayed from the block log');
      assert.equal(await again.evaluate('PnMSP', 'get', ['after']), '2');
      await again.submit(proposal(pn2, 'put', ['after-reopen', '4']));
      await again.close();
    } finally {
      await d.remove();
    }
  });

  it('refuses a rotation without proof of possession, signed by another org, or from a non-member, and nothing is recorded', async () => {
    const d = await tempDir();
    try {
      const ledger = await openLedger(d.path);
      const height = ledger.height();
      const pn2 = nextKeyOf(ORGS.pn);
      await assert.rejects(ledger.submit(rotation(ORGS.pn, pn2, { proofKey: ORGS.pj.privateKey })), /proof of possession does not verify/);
      const outsider = makeOrg('EvilMSP');
      await assert.rejects(ledger.submit(rotation(outsider, nextKeyOf(outsider))), /unknown MSP EvilMSP/);
      // pj signs a rotation claiming to be pn: the signature does not verify with pn's keys.
      const forged = { ...rotation(ORGS.pj, { ...pn2, mspId: 'PjMSP' }), mspId: 'PnMSP' };
      await assert.rejects(ledger.submit(forged), /signature does not verify/);
      await assert.rejects(ledger.submit(proposal(ORGS.pn, ROTATE_KEY_FN, ['not a key', 'AAAA'])), /new key is not a public key/);
      await assert.rejects(ledger.submit(proposal(ORGS.pn, ROTATE_KEY_FN, [pn2.publicKeyPem])), /takes 2 arguments/);
      assert.equal(ledger.height(), height, 'no block was written');
      assert.equal(ledger.orgKeys().get('PnMSP')?.length, 1);
      await ledger.close();
    } finally {
      await d.remove();
    }
  });

  it('a block log whose rotation was swapped for an attacker key is refused on open, naming the block', async () => {
    const d = await tempDir();
    try {
      const ledger = await openLedger(d.path);
      const pn2 = nextKeyOf(ORGS.pn);
      const { blockNumber } = await ledger.submit(rotation(ORGS.pn, pn2));
      await ledger.close();
      const file = join(d.path, 'blocks.jsonl');
      const blocks = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Block);
      const attacker = makeOrg('PnMSP');
      const target = blocks[blockNumber] as Block;
      const tx = target.transactions[0] as Block['transactions'][number];
      tx.args = [attacker.publicKeyPem, tx.args[1] as string];
      const { hash: _h, ...rest } = target;
      blocks[blockNumber] = sealBlock(rest);
      await writeFile(file, blocks.map((b) => canonicalJson(b)).join('\n') + '\n');
      await assert.rejects(openLedger(d.path), (err: unknown) => err instanceof LedgerIntegrityError && err.message.includes(`block ${blockNumber}`));
    } finally {
      await d.remove();
    }
  });
});
