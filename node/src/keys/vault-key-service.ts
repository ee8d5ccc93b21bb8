/**
 * OpenBao / HashiCorp Vault key service (same HTTP API; OpenBao is the one tested here).
 *
 * - The agency's ECDSA P-256 signing key lives in the transit engine and never leaves it: the node hashes
 *   what it signs (SHA-256) and asks transit to sign the digest (`prehashed`), gets DER back and normalises S
 *   to the lower half of the curve order, as Fabric requires. Every version of the key stays usable to verify.
 * - Secrets (session token signing key, database password, webhook secrets) are KV v2 entries; rotation writes
 *   a new version and the previous one stays valid for verification.
 * - Authentication by AppRole (or a given token); the token is renewed before it expires, and the node logs in
 *   again when renewal is no longer possible.
 * - When the vault is unreachable or sealed, signing fails with KeysUnavailable (publishing waits in the outbox)
 *   and the message says which.
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import NodeVault from 'node-vault';
import { KeysUnavailable, NodeError } from '../errors.js';
import type { Logger } from '../log.js';
import { buildCsr, type CsrSubject } from './csr.js';
import { toLowS, verifyLowS } from './ecdsa.js';
import { SECRET_VERSIONS_KEPT, type KeyService } from './key-service.js';

export interface VaultKeyOptions {
  /** e.g. http://127.0.0.1:8200 (VAULT_ADDR). */
  address: string;
  /** A token (VAULT_TOKEN); ignored when appRole is given. */
  token?: string;
  /** AppRole credentials (VAULT_ROLE_ID, VAULT_SECRET_ID); the preferred way for a node. */
  appRole?: { roleId: string; secretId: string; mount?: string };
  /** Name of the transit key that signs the agency's transactions. */
  signingKey: string;
  /** KV v2 path under which the node's secrets live, e.g. popart/pn. */
  secretsPath: string;
  transitMount?: string;
  kvMount?: string;
  /** Deadline of one call to the vault. */
  timeoutMs?: number;
  log?: Logger;
}

interface VaultResponse { data?: Record<string, unknown>; auth?: { client_token: string; lease_duration: number; renewable: boolean } }

/** What went wrong talking to the vault, in words for the operator. */
export function describeVaultError(address: string, err: unknown): { message: string; unavailable: boolean } {
  const e = err as { code?: string; message?: string; response?: { statusCode?: number; body?: { errors?: string[] } } };
  const status = e.response?.statusCode;
  const detail = e.response?.body?.errors?.join('; ') || e.message || String(err);
  if (status === 503 && /sealed/i.test(detail)) {
    return { unavailable: true, message: `the vault at ${address} is sealed: unseal it (bao operator unseal) and the node carries on` };
  }
  if (status === undefined || status >= 500 || status === 429) {
    const what = e.code === 'ECONNREFUSED' ? 'refused the connection' : e.code === 'ECONNABORTED' || /timeout/i.test(detail) ? 'did not answer in time' : `failed (${detail})`;
    return { unavailable: true, message: `the vault at ${address} is unreachable: ${what}` };
  }
  if (status === 403) return { unavailable: false, message: `the vault at ${address} refused the node's token: ${detail}` };
  return { unavailable: false, message: `the vault at ${address} answered ${status}: ${detail}` };
}

const isNotFound = (err: unknown): boolean =>
  err instanceof NodeError && !(err instanceof KeysUnavailable) && (err.cause as { response?: { statusCode?: number } } | undefined)?.response?.statusCode === 404;

export class VaultKeyService implements KeyService {
  readonly kind = 'vault' as const;
  private publicPems: string[] = [];
  private renewTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly transit: string;
  private readonly kv: string;

  private constructor(private readonly client: NodeVault.client, private readonly opts: VaultKeyOptions) {
    this.transit = opts.transitMount ?? 'transit';
    this.kv = opts.kvMount ?? 'secret';
  }

  /** Logs in, makes sure the signing key exists in transit, and loads its public keys. */
  static async open(opts: VaultKeyOptions): Promise<VaultKeyService> {
    const client = NodeVault({
      endpoint: opts.address.replace(/\/+$/, ''),
      ...(opts.token ? { token: opts.token } : {}),
      requestOptions: { timeout: opts.timeoutMs ?? 5000 },
    });
    const service = new VaultKeyService(client, opts);
    await service.login();
    await service.ensureSigningKey();
    return service;
  }

  publicKeyPem(): string {
    return this.publicPems[this.publicPems.length - 1] as string;
  }

  publicKeyPems(): string[] {
    return [...this.publicPems];
  }

  private active = 0;

  sign(data: Uint8Array): Promise<Buffer> {
    return this.signWithVersion(this.activeSigningVersion(), data);
  }

  activeSigningVersion(): number {
    return this.active || this.publicPems.length;
  }

  activateSigningKey(version: number): void {
    if (!this.publicPems[version - 1]) throw new NodeError('KEYSTORE', `transit key ${this.opts.signingKey} has no version ${version}`);
    this.active = version;
  }

  async signWithVersion(version: number, data: Uint8Array): Promise<Buffer> {
    const publicPem = this.publicPems[version - 1];
    if (!publicPem) throw new NodeError('KEYSTORE', `transit key ${this.opts.signingKey} has no version ${version} (versions 1 to ${this.publicPems.length})`);
    const digest = createHash('sha256').update(data).digest('base64');
    const r = await this.call(() => this.client.write(`${this.transit}/sign/${this.opts.signingKey}`, {
      input: digest, prehashed: true, hash_algorithm: 'sha2-256', key_version: version, marshaling_algorithm: 'asn1',
    }));
    const signature = String(r.data?.signature ?? '');
    const match = /^vault:v(\d+):(.+)$/.exec(signature);
    if (!match || Number(match[1]) !== version) throw new NodeError('KEYSTORE', `transit answered an unexpected signature format for ${this.opts.signingKey}`);
    const der = toLowS(Buffer.from(match[2] as string, 'base64'));
    if (!verifyLowS(publicPem, data, der)) throw new NodeError('KEYSTORE', `the signature from transit key ${this.opts.signingKey} v${version} does not verify with its public key`);
    return der;
  }

  /**
   * Has the organisation's CA in OpenBao's PKI engine issue the X.509 certificate of the active signing key: the
   * CSR is built by the node and signed through transit (the key never leaves the vault), the PKI role then signs
   * it. This is the identity a Fabric MSP needs (signcert matching the key that signs transactions). `version`: the
   * key version the certificate is for (default the active one; a rotation certifies the new version before using it).
   */
  async issueCertificate(opts: { pkiMount: string; role: string; subject: CsrSubject; ttl?: string; version?: number }): Promise<{ certificatePem: string; caPem: string }> {
    const version = opts.version ?? this.activeSigningVersion();
    if (!this.publicPems[version - 1]) throw new NodeError('KEYSTORE', `transit key ${this.opts.signingKey} has no version ${version}`);
    const csr = await buildCsr(this.publicPems[version - 1] as string, opts.subject, (body) => this.signWithVersion(version, body));
    const r = await this.call(() => this.client.write(`${opts.pkiMount}/sign/${opts.role}`, { csr, common_name: opts.subject.commonName, ttl: opts.ttl ?? '8760h' }));
    const data = r.data as { certificate?: string; issuing_ca?: string } | undefined;
    if (!data?.certificate || !data.issuing_ca) throw new NodeError('KEYSTORE', `the PKI engine at ${opts.pkiMount} returned no certificate`);
    return { certificatePem: data.certificate, caPem: data.issuing_ca };
  }

  async rotateSigningKey(): Promise<number> {
    const active = this.activeSigningVersion();
    await this.call(() => this.client.write(`${this.transit}/keys/${this.opts.signingKey}/rotate`, {}));
    await this.loadPublicKeys();
    this.active = active;
    this.opts.log?.info('transit signing key rotated', { key: this.opts.signingKey, version: this.publicPems.length });
    return this.publicPems.length;
  }

  async secret(name: string): Promise<Buffer> {
    return (await this.secretVersions(name))[0] as Buffer;
  }

  async secretVersions(name: string): Promise<Buffer[]> {
    const current = await this.readSecret(name) ?? await this.createSecret(name);
    const out = [current.value];
    for (let v = current.version - 1; v >= 1 && out.length < SECRET_VERSIONS_KEPT; v--) {
      const older = await this.readSecret(name, v);
      if (older) out.push(older.value);
    }
    return out;
  }

  async rotateSecret(name: string): Promise<void> {
    const current = await this.readSecret(name);
    await this.writeSecret(name, current?.version ?? 0);
    this.opts.log?.info('secret rotated', { secret: name });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  // --- authentication and token renewal ---

  private async login(): Promise<void> {
    if (this.opts.appRole) {
      const { roleId, secretId, mount = 'approle' } = this.opts.appRole;
      const r = await this.call(() => this.client.write(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }), false) as VaultResponse;
      if (!r.auth?.client_token) throw new NodeError('KEYSTORE', `AppRole login at ${this.opts.address} returned no token`);
      this.client.token = r.auth.client_token;
      this.scheduleRenewal(r.auth.lease_duration, r.auth.renewable);
      this.opts.log?.info('logged in to the vault with AppRole', { address: this.opts.address, ttlSeconds: r.auth.lease_duration });
      return;
    }
    if (!this.opts.token) throw new NodeError('CONFIG_INVALID', 'the vault key service needs VAULT_TOKEN or AppRole credentials (VAULT_ROLE_ID and VAULT_SECRET_ID)');
    const self = await this.call(() => this.client.read('auth/token/lookup-self'), false);
    const ttl = Number(self.data?.ttl ?? 0);
    this.scheduleRenewal(ttl, self.data?.renewable === true);
  }

  private scheduleRenewal(ttlSeconds: number, renewable: boolean): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
    if (this.closed || ttlSeconds <= 0) return; // root tokens do not expire
    const delayMs = Math.max(500, ttlSeconds * 1000 * (2 / 3));
    this.renewTimer = setTimeout(() => void this.renew(renewable), delayMs);
    this.renewTimer.unref();
  }

  private async renew(renewable: boolean): Promise<void> {
    if (this.closed) return;
    try {
      if (renewable) {
        const r = await this.call(() => this.client.write('auth/token/renew-self', {}), false) as VaultResponse;
        const ttl = r.auth?.lease_duration ?? 0;
        // A token renewed to less than it asked for is near its max TTL: log in again instead when possible.
        if (ttl > 1 || !this.opts.appRole) {
          this.opts.log?.info('vault token renewed', { ttlSeconds: ttl });
          this.scheduleRenewal(ttl, r.auth?.renewable ?? false);
          return;
        }
      }
      if (this.opts.appRole) await this.login();
      else this.opts.log?.warn('the vault token cannot be renewed and will expire; give the node AppRole credentials');
    } catch (err) {
      this.opts.log?.warn('vault token renewal failed; retrying', { error: (err as Error).message });
      if (!this.closed) {
        this.renewTimer = setTimeout(() => void this.renew(renewable).catch(() => this.login().catch(() => undefined)), 2000);
        this.renewTimer.unref();
      }
    }
  }

  // --- transit ---

  private async ensureSigningKey(): Promise<void> {
    try {
      await this.loadPublicKeys();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.call(() => this.client.write(`${this.transit}/keys/${this.opts.signingKey}`, { type: 'ecdsa-p256', exportable: false }));
      this.opts.log?.info('created the agency signing key in transit', { key: this.opts.signingKey });
      await this.loadPublicKeys();
    }
  }

  private async loadPublicKeys(): Promise<void> {
    const r = await this.call(() => this.client.read(`${this.transit}/keys/${this.opts.signingKey}`));
    const data = r.data ?? {};
    if (data.type !== 'ecdsa-p256') throw new NodeError('KEYSTORE', `transit key ${this.opts.signingKey} is of type ${String(data.type)}, ecdsa-p256 is needed`);
    if (data.exportable === true) this.opts.log?.warn('the transit signing key is exportable: it should never leave the vault', { key: this.opts.signingKey });
    const keys = data.keys as Record<string, { public_key: string }>;
    const latest = Number(data.latest_version);
    const pems: string[] = [];
    for (let v = 1; v <= latest; v++) {
      const entry = keys[String(v)];
      if (!entry) throw new NodeError('KEYSTORE', `transit key ${this.opts.signingKey} version ${v} is not available (min_available_version raised?)`);
      pems.push(createPublicKey(entry.public_key).export({ type: 'spki', format: 'pem' }).toString());
    }
    this.publicPems = pems;
  }

  // --- KV v2 ---

  private secretPath(name: string): string {
    if (!/^[a-z0-9-]+$/.test(name)) throw new NodeError('KEYSTORE', `secret name "${name}" must be lowercase letters, digits, dashes`);
    return `${this.kv}/data/${this.opts.secretsPath}/${name}`;
  }

  private async readSecret(name: string, version?: number): Promise<{ value: Buffer; version: number } | null> {
    const path = this.secretPath(name) + (version ? `?version=${version}` : '');
    let r: VaultResponse;
    try {
      r = await this.call(() => this.client.read(path));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    const data = r.data as { data?: { value?: string } | null; metadata?: { version?: number } } | undefined;
    if (!data?.data?.value) return null; // deleted version
    return { value: Buffer.from(data.data.value, 'base64'), version: Number(data.metadata?.version ?? 1) };
  }

  private async createSecret(name: string): Promise<{ value: Buffer; version: number }> {
    try {
      return await this.writeSecret(name, 0);
    } catch (err) {
      // Another instance created it first (check-and-set refused): use theirs.
      const existing = await this.readSecret(name);
      if (existing) return existing;
      throw err;
    }
  }

  private async writeSecret(name: string, cas: number): Promise<{ value: Buffer; version: number }> {
    const value = randomBytes(32);
    const r = await this.call(() => this.client.write(this.secretPath(name), { data: { value: value.toString('base64') }, options: { cas } }));
    return { value, version: Number((r.data as { version?: number } | undefined)?.version ?? cas + 1) };
  }

  // --- errors ---

  /** Runs one vault call, turning its failures into node errors that say what to do. */
  private async call(fn: () => Promise<VaultResponse>, reloginOn403 = true): Promise<VaultResponse> {
    try {
      return await fn();
    } catch (err) {
      const status = (err as { response?: { statusCode?: number } }).response?.statusCode;
      if (status === 403 && reloginOn403 && this.opts.appRole && !this.closed) {
        await this.login();
        return this.call(fn, false);
      }
      const { message, unavailable } = describeVaultError(this.opts.address, err);
      if (unavailable) throw new KeysUnavailable(message, err);
      throw new NodeError('KEYSTORE', message, { cause: err });
    }
  }
}
