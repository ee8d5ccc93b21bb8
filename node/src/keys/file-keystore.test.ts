/**
 * The file keystore's encryption: scrypt with a per-file random salt for keys and secrets, and the
 * transparent migration of files written in the earlier format (PBKDF2 keys, fixed-salt secrets), which
 * this test writes itself the way the earlier code did.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeError } from '../errors.js';
import { verifyLowS } from './ecdsa.js';
import { FileKeystore } from './file-keystore.js';
import { encryptPrivateKey, keyFileKdf, SCRYPT_PARAMS } from './key-encryption.js';

const PASS = 'correct horse battery';

function sealedEnvelope(path: string): { format: string; kdf: { name: string; N: number; r: number; p: number; salt: string } } {
  return JSON.parse(readFileSync(path, 'utf8')) as { format: string; kdf: { name: string; N: number; r: number; p: number; salt: string } };
}

/** A keystore folder as the earlier code wrote it: key under PBKDF2 (2,048 iterations), secrets under scrypt(passphrase, fixed salt). */
function legacyKeystore(passphrase: string): { dir: string; publicPem: string; secrets: Buffer[] } {
  const dir = mkdtempSync(join(tmpdir(), 'popart-legacy-keys-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'agency-signing-key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }), { mode: 0o600 });
  const secrets = [randomBytes(32), randomBytes(32)];
  secrets.forEach((secret, i) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', scryptSync(passphrase, 'popart-secret-session-token', 32), iv);
    const body = Buffer.concat([cipher.update(secret), cipher.final()]);
    const file = i === 0 ? 'secret-session-token.sealed' : 'secret-session-token.v2.sealed';
    writeFileSync(join(dir, file), Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), { mode: 0o600 });
  });
  return { dir, publicPem: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(), secrets };
}

test('new key and secret files use scrypt with a salt of their own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-keys-'));
  const store = await FileKeystore.open(dir, PASS);
  await store.rotateSigningKey();
  await store.secret('session-token');
  await store.rotateSecret('session-token');

  const k1 = keyFileKdf(readFileSync(join(dir, 'agency-signing-key.pem'), 'utf8'));
  const k2 = keyFileKdf(readFileSync(join(dir, 'agency-signing-key.v2.pem'), 'utf8'));
  assert.equal(k1.name, 'scrypt', 'the key file is encrypted under scrypt, not PBKDF2');
  assert.ok((k1.params?.N ?? 0) >= 2 ** 15 && (k1.params?.r ?? 0) >= 8, `memory-hard parameters: ${JSON.stringify(k1.params)}`);
  assert.equal(k1.salt?.length, 16);
  assert.notDeepEqual(k1.salt, k2.salt, 'each key file has its own salt');

  const s1 = sealedEnvelope(join(dir, 'secret-session-token.sealed'));
  const s2 = sealedEnvelope(join(dir, 'secret-session-token.v2.sealed'));
  assert.equal(s1.format, 'popart-sealed/2');
  assert.deepEqual({ name: s1.kdf.name, N: s1.kdf.N, r: s1.kdf.r, p: s1.kdf.p }, { name: 'scrypt', ...SCRYPT_PARAMS });
  assert.notEqual(s1.kdf.salt, s2.kdf.salt, 'each sealed secret has its own salt');

  const other = mkdtempSync(join(tmpdir(), 'popart-keys-'));
  await (await FileKeystore.open(other, PASS)).secret('session-token');
  assert.notEqual(sealedEnvelope(join(other, 'secret-session-token.sealed')).kdf.salt, s1.kdf.salt, 'two keystores with one passphrase share no salt');

  const reopened = await FileKeystore.open(dir, PASS);
  assert.deepEqual(reopened.migrated, []);
  assert.deepEqual(await reopened.secretVersions('session-token'), await store.secretVersions('session-token'));
  assert.deepEqual(reopened.publicKeyPems(), store.publicKeyPems());
});

test('the key file is standard PKCS#8 PBES2/scrypt: OpenSSL decrypts it (with parameters inside its default memory bound)', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = await encryptPrivateKey(privateKey, PASS, { N: 2 ** 14, r: 8, p: 1 });
  assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  const back = createPrivateKey({ key: pem, format: 'pem', passphrase: PASS });
  assert.equal(createPublicKey(back).export({ format: 'pem', type: 'spki' }), createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }));
});

test('a keystore written in the earlier format is migrated when opened: same key, same secrets, files rewritten under scrypt', async () => {
  const legacy = legacyKeystore(PASS);
  assert.equal(keyFileKdf(readFileSync(join(legacy.dir, 'agency-signing-key.pem'), 'utf8')).name, 'pbkdf2', 'the test really wrote the old format');

  const store = await FileKeystore.open(legacy.dir, PASS);
  assert.equal(store.publicKeyPem(), legacy.publicPem, 'the same agency key');
  assert.deepEqual(await store.secretVersions('session-token'), [legacy.secrets[1], legacy.secrets[0]], 'the same secrets, newest first');
  assert.deepEqual(store.migrated.sort(), ['agency-signing-key.pem', 'secret-session-token.sealed', 'secret-session-token.v2.sealed']);

  const keyPem = readFileSync(join(legacy.dir, 'agency-signing-key.pem'), 'utf8');
  assert.equal(keyFileKdf(keyPem).name, 'scrypt', 'the key file was rewritten under scrypt');
  assert.equal(sealedEnvelope(join(legacy.dir, 'secret-session-token.sealed')).kdf.name, 'scrypt');
  assert.equal(sealedEnvelope(join(legacy.dir, 'secret-session-token.v2.sealed')).kdf.name, 'scrypt');

  const again = await FileKeystore.open(legacy.dir, PASS);
  assert.deepEqual(again.migrated, [], 'nothing left to migrate');
  assert.equal(again.publicKeyPem(), legacy.publicPem);
  assert.deepEqual(await again.secretVersions('session-token'), [legacy.secrets[1], legacy.secrets[0]]);
  const data = Buffer.from('signed after the migration');
  assert.ok(verifyLowS(legacy.publicPem, data, await again.sign(data)));
});

test('a legacy keystore opened with the wrong passphrase is refused and left untouched', async () => {
  const legacy = legacyKeystore(PASS);
  const before = ['agency-signing-key.pem', 'secret-session-token.sealed'].map((f) => readFileSync(join(legacy.dir, f), 'utf8'));
  await assert.rejects(FileKeystore.open(legacy.dir, 'wrong passphrase!'), (err: unknown) =>
    err instanceof NodeError && err.code === 'KEYSTORE' && /wrong passphrase/.test(err.message));
  const after = ['agency-signing-key.pem', 'secret-session-token.sealed'].map((f) => readFileSync(join(legacy.dir, f), 'utf8'));
  assert.deepEqual(after, before);
});

test('sealed secrets are bound to their name and version: a file swapped for another version is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-keys-'));
  const store = await FileKeystore.open(dir, PASS);
  await store.secret('session-token');
  await store.rotateSecret('session-token');
  const v1 = join(dir, 'secret-session-token.sealed');
  const v2 = join(dir, 'secret-session-token.v2.sealed');
  renameSync(v1, `${v1}.x`);
  renameSync(v2, v1);
  renameSync(`${v1}.x`, v2);
  const reopened = await FileKeystore.open(dir, PASS);
  await assert.rejects(reopened.secretVersions('session-token'), (err: unknown) => err instanceof NodeError && err.code === 'KEYSTORE' && /session-token \(version 2\)/.test(err.message));
});
