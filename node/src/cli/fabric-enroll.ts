/**
 * `popart-node fabric-enroll --config FILE`: makes the agency's CA in the vault the organisation's Fabric CA and
 * issues the node's first certificate for its transit key, so the node can run on Fabric with keys in the vault.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { openKeys } from '../agency-node.js';
import type { NodeConfig } from '../config/config.js';
import { NodeError } from '../errors.js';
import { importFabricCa, orgCaFiles, pkiMountOf, VaultFabricIdentity, type FabricCaImport } from '../keys/fabric-identity.js';
import { provisionVault, type AgencyVaultCredentials } from '../keys/vault-provision.js';
import { VaultKeyService } from '../keys/vault-key-service.js';

export interface FabricEnrolment {
  ca: FabricCaImport;
  caSubject: string;
  certificatePem: string;
  subject: string;
  notAfter: Date;
  keyVersion: number;
  /** The agency's AppRole (provisioned or already there) with a new secret id, for the node. */
  appRole: AgencyVaultCredentials;
}

/**
 * Provisions the vault for the agency (provisionVault: engines, policy, AppRole) and imports the organisation's CA (default: `<org>/ca/` of the network-config state the connection file belongs to)
 * into the agency's PKI mount with the administrator token `adminToken`, then opens the node's key service as the
 * node does (its AppRole from VAULT_ROLE_ID/VAULT_SECRET_ID, else VAULT_TOKEN) and has the CA issue the transit
 * key's certificate, checked to chain to that CA. `out`: also write the certificate there (for ledger.identity).
 */
export async function fabricEnroll(config: NodeConfig, opts: { adminToken: string; caCertPath?: string; caKeyPath?: string; out?: string }, env: NodeJS.ProcessEnv = process.env): Promise<FabricEnrolment> {
  if (config.ledger.kind !== 'fabric') throw new NodeError('CONFIG_INVALID', 'fabric-enroll: the config\'s ledger.kind must be "fabric"');
  if (config.keystore.kind !== 'vault') throw new NodeError('CONFIG_INVALID', 'fabric-enroll: the config\'s keystore.kind must be "vault" (POPART_KEYS=vault)');
  const files = opts.caCertPath && opts.caKeyPath ? { certPath: opts.caCertPath, keyPath: opts.caKeyPath } : orgCaFiles(config.ledger.connection, config.agency.key);
  const caCertPem = readFileSync(files.certPath, 'utf8');
  const ks = config.keystore;
  const pkiMount = ks.pkiMount ?? pkiMountOf(config.agency.key);
  // The vault's engines, the agency's transit key policy and AppRole (idempotent; a new secret id each time).
  const [appRole] = await provisionVault(ks.address, opts.adminToken, [config.agency.key]);
  const ca = await importFabricCa(ks.address, opts.adminToken, {
    agency: config.agency.key, caCertPem, caKeyPem: readFileSync(files.keyPath, 'utf8'), pkiMount, role: ks.pkiRole,
  });
  // As the node (its AppRole when given), else with the administrator's token.
  const keys = await openKeys(config, env.VAULT_ROLE_ID || env.VAULT_TOKEN ? env : { ...env, VAULT_TOKEN: opts.adminToken });
  try {
    if (!(keys instanceof VaultKeyService)) throw new NodeError('INTERNAL', 'fabric-enroll: the key service is not the vault');
    const identity = await new VaultFabricIdentity(keys, { pkiMount, role: ks.pkiRole, commonName: `${config.agency.key}-node`, ttl: ks.certificateTtl }).issue();
    const cert = new X509Certificate(identity.certificate);
    const caCert = new X509Certificate(caCertPem);
    if (!cert.verify(caCert.publicKey) || cert.issuer !== caCert.subject) {
      throw new NodeError('KEYSTORE', `fabric-enroll: the certificate issued by ${pkiMount} does not chain to the organisation's CA ${caCert.subject}`);
    }
    if (opts.out) writeFileSync(opts.out, identity.certificate, { mode: 0o644 });
    return { appRole: appRole as AgencyVaultCredentials, ca, caSubject: caCert.subject, certificatePem: identity.certificate, subject: cert.subject, notAfter: identity.notAfter, keyVersion: identity.version };
  } finally {
    await keys.close();
  }
}
