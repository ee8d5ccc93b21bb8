import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { describe, it } from 'node:test';
import { isLowS } from '../../keys/ecdsa.js';
import { proposalDigestInput, signProposal, verifyProposal } from './proposal.js';
import { highS, ORGS } from '../../../test/embedded-ledger-support.js';

const unsigned = {
  txId: 'tx-1', mspId: 'PnMSP', clientId: 'x509::CN=pn-node', timestamp: '2025-03-01T10:00:00.000Z', fn: 'put', args: ['k', 'v'],
};

describe('proposals', () => {
  it('signs the canonical JSON of txId, mspId, clientId, timestamp, fn and args', () => {
    assert.equal(proposalDigestInput({ ...unsigned, transient: { secret: 'x' } }),
      '{"args":["k","v"],"clientId":"x509::CN=pn-node","fn":"put","mspId":"PnMSP","timestamp":"2025-03-01T10:00:00.000Z","txId":"tx-1"}');
  });

  it('verifies with the signer\'s key only, and not once a signed field changes', () => {
    const p = signProposal(unsigned, ORGS.pn.privateKey);
    assert.equal(verifyProposal(p, ORGS.pn.publicKeyPem), true);
    assert.equal(verifyProposal(p, ORGS.pj.publicKeyPem), false);
    assert.equal(verifyProposal({ ...p, args: ['k', 'w'] }, ORGS.pn.publicKeyPem), false);
    assert.equal(verifyProposal({ ...p, timestamp: '2025-03-01T10:00:00.001Z' }, ORGS.pn.publicKeyPem), false);
    assert.equal(verifyProposal({ ...p, mspId: 'PjMSP' }, ORGS.pn.publicKeyPem), false);
    assert.equal(verifyProposal({ ...p, signature: 'not base64!' }, ORGS.pn.publicKeyPem), false);
    assert.equal(verifyProposal({ ...p, signature: '' }, ORGS.pn.publicKeyPem), false);
  });

  it('always produces low-S signatures', () => {
    for (let i = 0; i < 300; i++) {
      const p = signProposal({ ...unsigned, txId: `tx-${i}` }, ORGS.pj.privateKey);
      assert.ok(isLowS(Buffer.from(p.signature, 'base64')), `signature ${i} has a low S`);
      assert.equal(verifyProposal(p, ORGS.pj.publicKeyPem), true);
    }
  });

  it('refuses a high-S signature that plain ECDSA accepts', () => {
    const p = signProposal(unsigned, ORGS.pn.privateKey);
    const malleated = { ...p, signature: highS(p.signature) };
    const plain = createVerify('SHA256').update(proposalDigestInput(p)).verify(ORGS.pn.publicKeyPem, Buffer.from(malleated.signature, 'base64'));
    assert.equal(plain, true, 'the malleated signature is valid ECDSA');
    assert.equal(verifyProposal(malleated, ORGS.pn.publicKeyPem), false);
  });
});
