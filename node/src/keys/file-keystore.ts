/**
 * Encrypted file keystore: the agency's ECDSA P-256 private key as PKCS#8 PEM encrypted with
 * AES-256-CBC under a passphrase (scrypt-derived by OpenSSL's PBES2), and secrets as AES-256-GCM
 * sealed files. Files are created with mode 0600.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NodeError } from '../errors.js';
import { signLowS } from './ecdsa.js';
import type { KeyService } from './key-service.js';

export class FileKeystore implements KeyService {
  private constructor(
    private readonly dir: string,
    private readonly privateKey: KeyObject,
    private readonly publicPem: string,
    private readonly passphrase: string,
  ) {}

  /** Opens the keystore in `dir`, creating the agency key on first use. */
  static async open(dir: string, passphrase: string): Promise<FileKeystore> {
    if (passphrase.length < 8) throw new NodeError('KEYSTORE', 'keystore passphrase must have at least 8 characters');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keyPath = join(dir, 'agency-signing-key.pem');
    let privateKey: KeyObject;
    if (existsSync(keyPath)) {
      try {
        privateKey = createPrivateKey({ key: await readFile(keyPath, 'utf8'), format: 'pem', passphrase });
      } catch (cause) {
        throw new NodeError('KEYSTORE', `cannot decrypt ${keyPath}: wrong passphrase or damaged file`, { cause });
      }
    } else {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      privateKey = pair.privateKey;
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase });
      await writeFile(keyPath, pem, { mode: 0o600 });
    }
    const publicPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    return new FileKeystore(dir, privateKey, publicPem, passphrase);
  }

  publicKeyPem(): string {
    return this.publicPem;
  }

  async sign(data: Uint8Array): Promise<Buffer> {
    return signLowS(this.privateKey, data);
  }

  async secret(name: string): Promise<Buffer> {
    if (!/^[a-z0-9-]+$/.test(name)) throw new NodeError('KEYSTORE', `secret name "${name}" must be lowercase letters, digits, dashes`);
    const path = join(this.dir, `secret-${name}.sealed`);
    const salt = 'popart-secret-' + name;
    const key = scryptSync(this.passphrase, salt, 32);
    if (existsSync(path)) {
      const sealed = Buffer.from(await readFile(path, 'utf8'), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        decipher.setAuthTag(sealed.subarray(12, 28));
        return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
      } catch (cause) {
        throw new NodeError('KEYSTORE', `cannot open secret ${name}: wrong passphrase or damaged file`, { cause });
      }
    }
    const value = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(value), cipher.final()]);
    await writeFile(path, Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), { mode: 0o600 });
    return value;
  }
}
