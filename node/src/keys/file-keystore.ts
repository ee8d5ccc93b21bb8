/**
 * Encrypted file keystore (the embedded default): the agency's ECDSA P-256 private keys as PKCS#8 PEM
 * encrypted with AES-256-CBC under a passphrase (scrypt-derived by OpenSSL's PBES2), and secrets as
 * AES-256-GCM sealed files under a scrypt-derived key. Files are created with mode 0600 in a 0700 folder.
 * Rotation writes a new version file next to the old ones: version 1 is `agency-signing-key.pem` /
 * `secret-<name>.sealed`, version n > 1 is `agency-signing-key.v<n>.pem` / `secret-<name>.v<n>.sealed`.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NodeError } from '../errors.js';
import { signLowS } from './ecdsa.js';
import { SECRET_VERSIONS_KEPT, type KeyService } from './key-service.js';

const keyFile = (version: number): string => (version === 1 ? 'agency-signing-key.pem' : `agency-signing-key.v${version}.pem`);
const secretFile = (name: string, version: number): string => (version === 1 ? `secret-${name}.sealed` : `secret-${name}.v${version}.sealed`);

export class FileKeystore implements KeyService {
  readonly kind = 'file' as const;

  private constructor(
    private readonly dir: string,
    private readonly privateKeys: KeyObject[],
    private readonly publicPems: string[],
    private readonly passphrase: string,
  ) {}

  /** Opens the keystore in `dir`, creating the agency key on first use. */
  static async open(dir: string, passphrase: string): Promise<FileKeystore> {
    if (passphrase.length < 8) throw new NodeError('KEYSTORE', 'keystore passphrase must have at least 8 characters');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const privateKeys: KeyObject[] = [];
    for (let v = 1; existsSync(join(dir, keyFile(v))); v++) {
      const path = join(dir, keyFile(v));
      try {
        privateKeys.push(createPrivateKey({ key: await readFile(path, 'utf8'), format: 'pem', passphrase }));
      } catch (cause) {
        throw new NodeError('KEYSTORE', `cannot decrypt ${path}: wrong passphrase or damaged file`, { cause });
      }
    }
    const store = new FileKeystore(dir, privateKeys, privateKeys.map(spkiPem), passphrase);
    if (privateKeys.length === 0) store.activateSigningKey(await store.rotateSigningKey());
    return store;
  }

  publicKeyPem(): string {
    return this.publicPems[this.publicPems.length - 1] as string;
  }

  publicKeyPems(): string[] {
    return [...this.publicPems];
  }

  private active = 0;

  async sign(data: Uint8Array): Promise<Buffer> {
    return this.signWithVersion(this.activeSigningVersion(), data);
  }

  activeSigningVersion(): number {
    return this.active || this.privateKeys.length;
  }

  activateSigningKey(version: number): void {
    if (!this.privateKeys[version - 1]) throw new NodeError('KEYSTORE', `the signing key has no version ${version}`);
    this.active = version;
  }

  async signWithVersion(version: number, data: Uint8Array): Promise<Buffer> {
    const key = this.privateKeys[version - 1];
    if (!key) throw new NodeError('KEYSTORE', `the signing key has no version ${version} (versions 1 to ${this.privateKeys.length})`);
    return signLowS(key, data);
  }

  async rotateSigningKey(): Promise<number> {
    const version = this.privateKeys.length + 1;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: this.passphrase });
    await writeFile(join(this.dir, keyFile(version)), pem, { mode: 0o600, flag: 'wx' });
    this.privateKeys.push(privateKey);
    this.publicPems.push(spkiPem(privateKey));
    return version;
  }

  async secret(name: string): Promise<Buffer> {
    return (await this.secretVersions(name))[0] as Buffer;
  }

  async secretVersions(name: string): Promise<Buffer[]> {
    checkSecretName(name);
    let latest = 0;
    while (existsSync(join(this.dir, secretFile(name, latest + 1)))) latest++;
    if (latest === 0) {
      await this.rotateSecret(name);
      latest = 1;
    }
    const out: Buffer[] = [];
    for (let v = latest; v >= 1 && out.length < SECRET_VERSIONS_KEPT; v--) out.push(await this.openSecret(name, v));
    return out;
  }

  async rotateSecret(name: string): Promise<void> {
    checkSecretName(name);
    let version = 1;
    while (existsSync(join(this.dir, secretFile(name, version)))) version++;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secretKey(name), iv);
    const body = Buffer.concat([cipher.update(randomBytes(32)), cipher.final()]);
    await writeFile(join(this.dir, secretFile(name, version)), Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), { mode: 0o600, flag: 'wx' });
  }

  async close(): Promise<void> {
    // Nothing runs in the background.
  }

  private secretKey(name: string): Buffer {
    return scryptSync(this.passphrase, 'popart-secret-' + name, 32);
  }

  private async openSecret(name: string, version: number): Promise<Buffer> {
    const sealed = Buffer.from(await readFile(join(this.dir, secretFile(name, version)), 'utf8'), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.secretKey(name), sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    } catch (cause) {
      throw new NodeError('KEYSTORE', `cannot open secret ${name} (version ${version}): wrong passphrase or damaged file`, { cause });
    }
  }
}

function spkiPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
}

function checkSecretName(name: string): void {
  if (!/^[a-z0-9-]+$/.test(name)) throw new NodeError('KEYSTORE', `secret name "${name}" must be lowercase letters, digits, dashes`);
}
