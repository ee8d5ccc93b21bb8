/** What a node does with the ledger's membership when it starts (see LedgerMembership in ledger.ts). */
import { NodeError } from '../errors.js';
import type { KeyService } from '../keys/key-service.js';
import type { Logger } from '../log.js';
import type { LedgerMembership } from './ledger.js';

/**
 * Makes sure the ledger trusts the key service's newest signing key: after a rotation that was interrupted
 * before the ledger recorded it (or a key rotated while the node was stopped), registers it in a membership
 * transaction signed with the newest version the ledger already trusts.
 */
export async function ensureKeyTrusted(ledger: LedgerMembership, keys: KeyService, log: Logger): Promise<void> {
  const trusted = new Set(ledger.trustedKeys());
  const pems = keys.publicKeyPems();
  const newest = pems.length;
  if (trusted.has(pems[newest - 1] as string)) return;
  let signer = newest - 1;
  while (signer >= 1 && !trusted.has(pems[signer - 1] as string)) signer--;
  if (signer < 1) {
    throw new NodeError('KEYSTORE', `none of this agency's ${newest} signing key version(s) is trusted by the ledger: ` +
      'is the key service the one this agency joined the ledger with?');
  }
  await ledger.registerKey(pems[newest - 1] as string, newest, signer);
  log.info('signing key registered with the ledger', { version: newest, signedWith: signer });
}
