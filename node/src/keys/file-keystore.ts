/**
 * Encrypted file keystore (the embedded default): the agency's ECDSA P-256 private keys as PKCS#8 PEM
 * encrypted with PBES2 (scrypt with a per-file random salt, AES-256-CBC), and secrets as AES-256-GCM
 * sealed files under a key derived the same way (key-encryption.ts). Files are created with mode 0600
 * in a 0700 folder. Rotation writes a new version file next to the old ones: version 1 is
 * `agency-signing-key.pem` / `secret-<name>.sealed`, version n > 1 is `agency-signing-key.v<n>.pem` /
 * `secret-<name>.v<n>.sealed`.
 *
 * Files of the earlier format (keys under PBKDF2 with 2,048 iterations, secrets under one fixed salt per
 * name) are rewritten in the current format when the keystore opens, each replaced atomically once its
 * new form has been read back.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NodeError } from '../errors.js';
import { signLowS } from './ecdsa.js';
import { decryptPrivateKey, encryptPrivateKey, openSealedSecret, sealSecret } from './key-encryption.js';
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

  /** Secrets opened so far, by file name. */
  private readonly opened = new Map<string, Buffer>();
  /** Files rewritten from the earlier format when the keystore opened. */
  migrated: string[] = [];

  /** Opens the keystore in `dir`, creating the agency key on first use. */
  static async open(dir: string, passphrase: string): Promise<FileKeystore> {
    if (passphrase.length < 8) throw new NodeError('KEYSTORE', 'keystore passphrase must have at least 8 characters');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const privateKeys: KeyObject[] = [];
    const migrated: string[] = [];
    for (let v = 1; existsSync(join(dir, keyFile(v))); v++) {
      const path = join(dir, keyFile(v));
      const { key, legacy } = await decryptPrivateKey(await readFile(path, 'utf8'), passphrase, path);
      if (legacy) {
        const pem = await encryptPrivateKey(key, passphrase);
        const back = await decryptPrivateKey(pem, passphrase, path);
        if (spkiPem(back.key) !== spkiPem(key)) throw new NodeError('KEYSTORE', `rewriting ${path} in the scrypt format gave another key: file left as it was`);
        await replaceFile(path, pem);
        migrated.push(keyFile(v));
      }
      privateKeys.push(key);
    }
    const store = new FileKeystore(dir, privateKeys, privateKeys.map(spkiPem), passphrase);
    for (const file of (await readdir(dir)).sort()) {
      const m = /^secret-([a-z0-9-]+?)(?:\.v(\d+))?\.sealed$/.exec(file);
      if (!m?.[1]) continue;
      const name = m[1];
      const version = m[2] ? Number(m[2]) : 1;
      const text = await readFile(join(dir, file), 'utf8');
      if (text.trim().startsWith('{')) continue;
      const { secret } = await openSealedSecret(text, passphrase, name, sealLabel(name, version), `secret ${name} (version ${version})`);
      await replaceFile(join(dir, file), await sealSecret(secret, passphrase, sealLabel(name, version)));
      store.opened.set(file, secret);
      migrated.push(file);
    }
    store.migrated = migrated;
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
    const pem = await encryptPrivateKey(privateKey, this.passphrase);
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
    const secret = randomBytes(32);
    await writeFile(join(this.dir, secretFile(name, version)), await sealSecret(secret, this.passphrase, sealLabel(name, version)), { mode: 0o600, flag: 'wx' });
    this.opened.set(secretFile(name, version), secret);
  }

  async close(): Promise<void> {
    // Nothing runs in the background.
  }

  private async openSecret(name: string, version: number): Promise<Buffer> {
    const file = secretFile(name, version);
    const cached = this.opened.get(file);
    if (cached) return cached;
    const text = await readFile(join(this.dir, file), 'utf8');
    const { secret } = await openSealedSecret(text, this.passphrase, name, sealLabel(name, version), `secret ${name} (version ${version})`);
    this.opened.set(file, secret);
    return secret;
  }
}

/** What a sealed secret's ciphertext is bound to, so that files cannot be swapped between names or versions. */
function sealLabel(name: string, version: number): string {
  return `popart-secret:${name}:v${version}`;
}

/** Replaces a file atomically (a 0600 temporary file renamed over it). */
async function replaceFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
  await rename(tmp, path);
}

function spkiPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
}

function checkSecretName(name: string): void {
  if (!/^[a-z0-9-]+$/.test(name)) throw new NodeError('KEYSTORE', `secret name "${name}" must be lowercase letters, digits, dashes`);
}
