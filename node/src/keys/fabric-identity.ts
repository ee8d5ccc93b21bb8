/**
 * The agency's Fabric identity when its key lives in the vault: the transit key signs every proposal, transaction
 * and request (through a fabric-gateway signer), and the MSP certificate of that key is issued by the agency's CA
 * in OpenBao's PKI engine, so the key never exists outside the vault and the node holds no private key file.
 *
 * How the MSP comes to trust it, with no change to the network: the organisation's CA (the one the channel's MSP
 * definition lists in cacerts: cryptogen's `<org>/ca/`, or the agency's own CA) is imported into the agency's PKI
 * mount (`importFabricCa`, run once by an administrator: `popart-node fabric-enroll`), with a role that issues client
 * certificates only (OU=client, which the NodeOUs of the MSP classify as a client). From then on the CA's key is in
 * the vault too; the node (its own AppRole may sign through that role and nothing else) has a certificate issued for
 * the active transit key version each time it starts, and again before it expires or when the key is rotated.
 */
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Signer } from '@hyperledger/fabric-gateway';
import { NodeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { KeyService } from './key-service.js';
import { provisionVault, vaultRequest, type AgencyVaultCredentials } from './vault-provision.js';
import type { VaultKeyService } from './vault-key-service.js';

/** The PKI role that issues the node's Fabric client certificates (its AppRole may sign through it: provisionVault). */
export const FABRIC_CLIENT_ROLE = 'fabric-client';

/** The agency's PKI mount, as provisionVault names it. */
export const pkiMountOf = (agencyKey: string): string => `pki-${agencyKey}`;

/**
 * A fabric-gateway signer that signs through the key service with one fixed key version. VaultKeyService hashes what
 * it is given (SHA-256, then transit signs the digest, low S), so the gateway is set to `hash.none` (signerHashes) and
 * hands it the whole message. The version is fixed so that a transaction started before a rotation is signed, at
 * every step, by the key its certificate names.
 */
export function keyServiceSigner(keys: KeyService, version: number): Signer {
  return (message: Uint8Array) => keys.signWithVersion(version, message);
}

/** The organisation's CA of an agency in a network-config state folder: `<org>/ca/` next to `<org>/users/`. */
export function orgCaFiles(connectionFile: string, agencyKey: string): { certPath: string; keyPath: string } {
  let userCert: string | undefined;
  try {
    const file = JSON.parse(readFileSync(connectionFile, 'utf8')) as { agencies?: Record<string, { user?: { certPath?: string } }> };
    userCert = file.agencies?.[agencyKey]?.user?.certPath;
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `cannot read the Fabric connection file ${connectionFile}: ${(err as Error).message}`, { cause: err });
  }
  if (!userCert) throw new NodeError('CONFIG_INVALID', `${connectionFile} has no client user for agency "${agencyKey}"`);
  // <org>/users/User1@<domain>/msp/signcerts/<cert>.pem
  const caDir = join(dirname(dirname(dirname(dirname(dirname(userCert))))), 'ca');
  let names: string[];
  try {
    names = readdirSync(caDir);
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `the organisation's CA folder ${caDir} cannot be read (${(err as Error).message}): give --ca-cert and --ca-key`, { cause: err });
  }
  const cert = names.find((n) => n.endsWith('-cert.pem'));
  if (!cert || !names.includes('priv_sk')) throw new NodeError('CONFIG_INVALID', `${caDir} holds no CA certificate (*-cert.pem) and key (priv_sk)`);
  return { certPath: join(caDir, cert), keyPath: join(caDir, 'priv_sk') };
}

export interface FabricCaImport {
  pkiMount: string;
  role: string;
  /** The PKI issuer id of the imported CA. */
  issuerId: string;
  /** SHA-256 fingerprint of the CA certificate (hex). */
  fingerprint: string;
}

/**
 * Makes the agency's PKI mount the organisation's Fabric CA (administrator token; idempotent): imports the CA's
 * certificate and key as an issuer (importing the same one again changes nothing), points the role `fabric-client`
 * at it, issuing client certificates (OU=client) for keys of type EC P-256 from CSRs, and lets the agency's AppRole
 * policy sign through that role. A CA imported earlier (an older network) stays as an issuer but is no longer used.
 */
export async function importFabricCa(address: string, adminToken: string, opts: {
  agency: string; caCertPem: string; caKeyPem: string; pkiMount?: string; role?: string; maxTtl?: string;
}): Promise<FabricCaImport> {
  const pkiMount = opts.pkiMount ?? pkiMountOf(opts.agency);
  const role = opts.role ?? FABRIC_CLIENT_ROLE;
  const call = (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> =>
    vaultRequest(address, method, path, body, adminToken, 'KEYSTORE', `importing ${opts.agency}'s Fabric CA into ${address}: `);
  const ca = new X509Certificate(opts.caCertPem);
  if (!ca.ca) throw new NodeError('CONFIG_INVALID', `the certificate given as ${opts.agency}'s CA (${ca.subject}) is not a CA certificate`);
  const caKey = createPublicKey(opts.caKeyPem).export({ type: 'spki', format: 'der' });
  if (!ca.publicKey.export({ type: 'spki', format: 'der' }).equals(caKey)) {
    throw new NodeError('CONFIG_INVALID', `the CA key given for ${opts.agency} is not the key of its CA certificate (${ca.subject})`);
  }
  const mounts = ((await call('GET', '/v1/sys/mounts')).data ?? {}) as Record<string, unknown>;
  if (!(`${pkiMount}/` in mounts)) await call('POST', `/v1/sys/mounts/${pkiMount}`, { type: 'pki', config: { max_lease_ttl: '87600h' } });
  const imported = (await call('POST', `/v1/${pkiMount}/issuers/import/bundle`, { pem_bundle: `${opts.caCertPem.trim()}\n${opts.caKeyPem.trim()}\n` })).data as { mapping?: Record<string, string> } | undefined;
  const issuerId = Object.keys(imported?.mapping ?? {})[0];
  if (!issuerId) throw new NodeError('KEYSTORE', `${pkiMount}: importing the CA ${ca.subject} returned no issuer`);
  await call('POST', `/v1/${pkiMount}/roles/${role}`, {
    issuer_ref: issuerId,
    allow_any_name: true, enforce_hostnames: false, allow_ip_sans: false, use_csr_common_name: true, use_csr_sans: false,
    // No extended key usage, as cryptogen's client certificates: the MSP verifies the chain with Go's default usage
    // (server authentication), which a certificate limited to client authentication fails ("incompatible key usage").
    key_type: 'ec', key_bits: 256, ou: ['client'], server_flag: false, client_flag: false, code_signing_flag: false, email_protection_flag: false,
    ext_key_usage: [], key_usage: ['DigitalSignature'], max_ttl: opts.maxTtl ?? '8760h', not_before_duration: '60s',
  });
  // The agency's AppRole policy (provisionVault writes it with this path; an older policy gets it added).
  const policyPath = `/v1/sys/policies/acl/popart-${opts.agency}`;
  const existing = await call('GET', policyPath).then((r) => String((r.data as { policy?: string } | undefined)?.policy ?? ''), () => null);
  const line = `path "${pkiMount}/sign/${role}" { capabilities = ["update"] }`;
  if (existing !== null && !existing.includes(`"${pkiMount}/sign/${role}"`)) await call('PUT', policyPath, { policy: `${existing.trim()}\n${line}\n` });
  return { pkiMount, role, issuerId, fingerprint: createHash('sha256').update(ca.raw).digest('hex') };
}

/**
 * Everything a vault needs for nodes on Fabric (administrator token; idempotent): provisionVault (transit, KV, one
 * AppRole per agency), then each agency's organisation CA from network-config's state (`orgCaFiles`) imported into its
 * PKI mount. Returns the AppRole credentials to give each node (VAULT_ROLE_ID, VAULT_SECRET_ID).
 */
export async function provisionVaultForFabric(address: string, adminToken: string, connectionFile: string, agencies: string[],
  opts: Parameters<typeof provisionVault>[3] = {}): Promise<AgencyVaultCredentials[]> {
  const creds = await provisionVault(address, adminToken, agencies, opts);
  for (const agency of agencies) {
    const files = orgCaFiles(connectionFile, agency);
    await importFabricCa(address, adminToken, { agency, caCertPem: readFileSync(files.certPath, 'utf8'), caKeyPem: readFileSync(files.keyPath, 'utf8') });
  }
  return creds;
}

export interface FabricIdentity {
  /** PEM certificate of the transit key version, issued by the organisation's CA. */
  certificate: string;
  signer: Signer;
  /** Always true: the key service hashes (hash.none). */
  signerHashes: true;
  /** The transit key version the certificate is for. */
  version: number;
  notAfter: Date;
}

export interface VaultFabricIdentityOptions {
  pkiMount: string;
  role: string;
  /** Subject CN of the node's certificate. */
  commonName: string;
  /** Lifetime asked for each certificate (default 720h); renewed when two thirds of it have passed. */
  ttl?: string;
  log?: Logger;
}

/**
 * Issues and renews the node's Fabric certificates for its transit key, and hands out the matching signer.
 */
export class VaultFabricIdentity {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly keys: VaultKeyService, private readonly opts: VaultFabricIdentityOptions) {}

  /** A certificate for `version` of the transit key (default the active one), from the agency's CA in the PKI engine. */
  async issue(version = this.keys.activeSigningVersion()): Promise<FabricIdentity> {
    let certificatePem: string;
    try {
      ({ certificatePem } = await this.keys.issueCertificate({
        pkiMount: this.opts.pkiMount, role: this.opts.role, subject: { commonName: this.opts.commonName }, ttl: this.opts.ttl ?? '720h', version,
      }));
    } catch (err) {
      const message = (err as Error).message;
      if (/unknown role|no handler|permission denied|403/i.test(message)) {
        throw new NodeError('KEYSTORE', `the agency's CA in ${this.opts.pkiMount} cannot issue its Fabric certificate (role ${this.opts.role}): ` +
          `run \`popart-node fabric-enroll --config FILE\` with an administrator VAULT_TOKEN first (${message})`, { cause: err });
      }
      throw err;
    }
    return this.identityOf(certificatePem, version);
  }

  /** A certificate the operator gives (ledger.identity.certPath): checked to be for that version of the transit key. */
  fromCertificate(certificatePem: string, version = this.keys.activeSigningVersion()): FabricIdentity {
    return this.identityOf(certificatePem, version);
  }

  private identityOf(certificatePem: string, version: number): FabricIdentity {
    const cert = new X509Certificate(certificatePem);
    const expected = this.keys.publicKeyPems()[version - 1];
    if (!expected || cert.publicKey.export({ type: 'spki', format: 'pem' }).toString() !== createPublicKey(expected).export({ type: 'spki', format: 'pem' }).toString()) {
      throw new NodeError('KEYSTORE', `the Fabric certificate ${cert.subject} is not for version ${version} of the transit signing key`);
    }
    return { certificate: certificatePem, signer: keyServiceSigner(this.keys, version), signerHashes: true, version, notAfter: new Date(cert.validTo) };
  }

  /**
   * Renews the certificate before it expires, for the same key version (the node may then be switched to it at any
   * time: the old certificate stays valid until its own expiry). `apply` installs the new identity.
   */
  keepRenewed(current: FabricIdentity, apply: (next: FabricIdentity) => void): void {
    this.schedule(current, apply);
  }

  private schedule(current: FabricIdentity, apply: (next: FabricIdentity) => void, retryMs?: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    const lifetime = current.notAfter.getTime() - Date.now();
    const delay = retryMs ?? Math.min(Math.max(1000, lifetime * (2 / 3)), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      const version = this.keys.activeSigningVersion();
      void this.issue(version).then((next) => {
        if (this.stopped) return;
        // A rotation switched to a newer version meanwhile (and scheduled its own renewal): this one is stale.
        if (version !== this.keys.activeSigningVersion()) return;
        apply(next);
        this.opts.log?.info('Fabric certificate renewed', { version: next.version, notAfter: next.notAfter.toISOString() });
        this.schedule(next, apply);
      }, (err: unknown) => {
        this.opts.log?.warn('renewing the Fabric certificate failed; retrying in 60 s', { error: (err as Error).message });
        this.schedule(current, apply, 60_000);
      });
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
