import assert from 'node:assert/strict';
import { createPublicKey, createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeError } from '../errors.js';
import { isLowS, parseDerSignature, signLowS, toLowS, verifyLowS } from './ecdsa.js';
import { FileKeystore } from './file-keystore.js';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

test('signatures are always low-S and verify; high-S ones are refused', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from('proposal bytes');
  let sawHigh = false;
  for (let i = 0; i < 64; i++) {
    const raw = createSign('SHA256').update(data).sign(privateKey);
    if (!isLowS(raw)) {
      sawHigh = true;
      const low = toLowS(raw);
      assert.ok(isLowS(low));
      assert.equal(parseDerSignature(low).s, N - parseDerSignature(raw).s);
      assert.equal(parseDerSignature(low).r, parseDerSignature(raw).r);
      assert.equal(verifyLowS(publicKey, data, raw), false, 'a high-S signature must be refused');
      assert.equal(verifyLowS(publicKey, data, low), true);
    }
    const sig = signLowS(privateKey, data);
    assert.ok(isLowS(sig));
    assert.equal(verifyLowS(publicKey, data, sig), true);
    assert.equal(verifyLowS(publicKey, Buffer.from('other bytes'), sig), false);
  }
  assert.ok(sawHigh, 'in 64 raw signatures at least one has a high S (probability of none is 2^-64)');
});

test('the file keystore keeps the key encrypted and the same across reopenings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-keys-'));
  const a = await FileKeystore.open(dir, 'correct horse battery');
  const pem = readFileSync(join(dir, 'agency-signing-key.pem'), 'utf8');
  assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
  assert.equal(statSync(join(dir, 'agency-signing-key.pem')).mode & 0o777, 0o600);
  const secret = await a.secret('session-token');
  assert.equal(secret.length, 32);
  const b = await FileKeystore.open(dir, 'correct horse battery');
  assert.equal(b.publicKeyPem(), a.publicKeyPem());
  assert.deepEqual(await b.secret('session-token'), secret);
  const sig = await b.sign(Buffer.from('x'));
  assert.equal(verifyLowS(createPublicKey(a.publicKeyPem()), Buffer.from('x'), sig), true);
});

test('a wrong passphrase is refused with a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-keys-'));
  await FileKeystore.open(dir, 'correct horse battery');
  await assert.rejects(FileKeystore.open(dir, 'wrong passphrase!'), (err: unknown) =>
    err instanceof NodeError && err.code === 'KEYSTORE' && /wrong passphrase/.test(err.message));
  await assert.rejects(FileKeystore.open(dir, 'short'), /at least 8 characters/);
});

test('the file keystore rotates its signing key and secrets: new versions are kept encrypted, old ones still verify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-keys-'));
  const a = await FileKeystore.open(dir, 'correct horse battery');
  const data = Buffer.from('signed before and after');
  const v1 = a.publicKeyPem();
  const version = await a.rotateSigningKey();
  assert.equal(version, 2);
  assert.equal(a.activeSigningVersion(), 1, 'signing stays on the old key until the new one is activated');
  assert.ok(verifyLowS(v1, data, await a.sign(data)));
  a.activateSigningKey(2);
  assert.ok(verifyLowS(a.publicKeyPem(), data, await a.sign(data)));
  assert.ok(verifyLowS(v1, data, await a.signWithVersion(1, data)), 'the old version can still sign a rotation proof');
  assert.throws(() => a.activateSigningKey(3), /no version 3/);
  assert.match(readFileSync(join(dir, 'agency-signing-key.v2.pem'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  assert.equal(statSync(join(dir, 'agency-signing-key.v2.pem')).mode & 0o777, 0o600);

  const s1 = await a.secret('session-token');
  await a.rotateSecret('session-token');
  const [s2, kept] = await a.secretVersions('session-token');
  assert.notDeepEqual(s2, s1);
  assert.deepEqual(kept, s1);
  const b = await FileKeystore.open(dir, 'correct horse battery');
  assert.deepEqual(b.publicKeyPems(), a.publicKeyPems(), 'both versions come back on reopening');
  assert.equal(b.activeSigningVersion(), 2, 'a reopened keystore signs with the newest version');
  assert.deepEqual(await b.secretVersions('session-token'), [s2, s1]);
});
