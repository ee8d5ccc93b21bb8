/**
 * `popart-node audit-verify`: verifies an agency's audit log offline, from its configuration: the hash
 * chain in the read model's database and the anchors on the ledger. Run it while the node is stopped
 * when the read model is PGlite or the ledger is embedded (both are single-process); on a running node
 * use the verifyAuditLog query instead.
 */
import { ThreatExchangeContract } from '@popart/chaincode';
import { join } from 'node:path';
import type { NodeConfig } from '../../config/config.js';
import { NodeError } from '../../errors.js';
import type { KeyService } from '../../keys/key-service.js';
import { EmbeddedLedgerGateway } from '../../ledger/embedded-gateway.js';
import { EmbeddedLedger } from '../../ledger/embedded/index.js';
import { openDatabase } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { LedgerAuditAnchors } from './audit-anchorer.js';
import { AuditLog, type AuditVerification } from './audit-log.js';

/** Verification reads the ledger only: no key is needed, none is used. */
const readOnlyKeys: Pick<KeyService, 'sign' | 'signWithVersion'> = {
  sign: () => Promise.reject(new NodeError('KEYSTORE', 'audit verification does not sign')),
  signWithVersion: () => Promise.reject(new NodeError('KEYSTORE', 'audit verification does not sign')),
};

export async function verifyAuditOffline(config: NodeConfig): Promise<AuditVerification> {
  if (config.ledger.kind !== 'embedded') throw new NodeError('CONFIG_INVALID', 'audit-verify supports the embedded ledger only in this build');
  const ledger = await EmbeddedLedger.open({ dir: config.ledger.dir, contract: new ThreatExchangeContract() });
  try {
    const db = await openDatabase(config.readModel.kind === 'postgres'
      ? { kind: 'postgres', url: config.readModel.url }
      : { kind: 'pglite', dir: join(config.dataDir, 'read-model') });
    try {
      await migrate(db);
      const gateway = new EmbeddedLedgerGateway({ current: ledger }, { mspId: config.agency.mspId, clientId: `x509::CN=${config.agency.key}-audit-verify::O=${config.agency.name}` }, readOnlyKeys);
      return await new AuditLog(db, { anchors: new LedgerAuditAnchors(gateway, config.agency.mspId) }).verify();
    } finally {
      await db.close();
    }
  } finally {
    await ledger.close();
  }
}

/** The verdict in words, for a terminal. */
export function describeVerification(agency: { key: string; name: string }, v: AuditVerification): string {
  const who = `audit log of ${agency.key} (${agency.name})`;
  const anchored = v.lastAnchoredSeq === null ? 'no ledger anchor' : `anchored up to entry ${v.lastAnchoredSeq}`;
  if (v.ok) {
    return `${who}: INTACT\n  ${v.entries} entries, head ${v.head.seq} ${v.head.hash}\n  ${v.anchorsChecked} ledger anchors match the local chain (${anchored})\n`;
  }
  return `${who}: NOT VERIFIED\n  ${v.problem ?? 'unknown problem'}\n` +
    (v.firstBadSeq === null ? '' : `  first bad entry: ${v.firstBadSeq}\n`) +
    `  ${v.entries} entries in the local log, ${v.anchorsChecked} ledger anchors checked (${anchored})\n`;
}
