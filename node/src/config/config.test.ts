import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { loadConfigFile, parseConfig } from './config.js';

const hash = 'scrypt$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';
const valid = {
  agency: { key: 'pn', name: 'Policía Nacional', mspId: 'PnMSP', level: 'national', country: 'ES', identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01' },
  listen: { port: 4001 },
  dataDir: '/tmp/pn',
  ledger: { kind: 'embedded', dir: '/tmp/ledger' },
  users: [{ username: 'pn-analyst', displayName: 'Analyst', role: 'analyst', passwordHash: hash }],
};

test('a valid config gets its defaults', () => {
  const c = parseConfig(valid);
  assert.equal(c.listen.host, '127.0.0.1');
  assert.deepEqual(c.readModel, { kind: 'pglite' });
  assert.deepEqual(c.keystore, { kind: 'file', passphraseEnv: 'POPART_KEYSTORE_PASSPHRASE' });
  assert.equal(c.sessionHours, 8);
});

test('environment variables overlay the file', () => {
  const c = parseConfig(valid, { POPART_LISTEN_PORT: '4100', POPART_DATA_DIR: '/srv/pn', POPART_PG_URL: 'postgres://u@127.0.0.1:5432/pn' });
  assert.equal(c.listen.port, 4100);
  assert.equal(c.dataDir, '/srv/pn');
  assert.deepEqual(c.readModel, { kind: 'postgres', url: 'postgres://u@127.0.0.1:5432/pn' });
});

test('every invalid field is named with its reason', () => {
  const bad = structuredClone(valid) as Record<string, unknown>;
  (bad.agency as Record<string, unknown>).mspId = 'pn';
  (bad.listen as Record<string, unknown>).port = 70000;
  (bad.users as Record<string, unknown>[])[0]!.role = 'admin';
  assert.throws(() => parseConfig(bad), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map((i) => i.property).sort(), ['agency.mspId', 'listen.port', 'users.0.role']);
    assert.match(err.message, /agency\.mspId: must look like "PnMSP"/);
    return true;
  });
});

test('a config file that is not JSON is refused with its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-config-'));
  const path = join(dir, 'node.json');
  writeFileSync(path, '{ "agency": ');
  await assert.rejects(loadConfigFile(path, {}), (err: unknown) => err instanceof ConfigError && err.message.includes(path) && /not valid JSON/.test(err.message));
  await assert.rejects(loadConfigFile(join(dir, 'missing.json'), {}), /cannot read config file/);
});

test('POPART_KEYS=vault with VAULT_ADDR puts the node on the vault; a vault without an address is refused by name', () => {
  const c = parseConfig(valid, { POPART_KEYS: 'vault', VAULT_ADDR: 'http://127.0.0.1:8200' });
  assert.equal(c.keystore.kind, 'vault');
  assert.ok(c.keystore.kind === 'vault' && c.keystore.address === 'http://127.0.0.1:8200' && c.keystore.transitMount === 'transit');
  assert.throws(() => parseConfig(valid, { POPART_KEYS: 'vault' }), (err: Error & { issues?: { property: string }[] }) =>
    err.issues?.some((i) => i.property === 'keystore.address') === true);
  assert.throws(() => parseConfig(valid, { POPART_KEYS: 'hsm' }), /keystore\.kind/);
});

test('POPART_POLICY_WORKERS sets the wasm policy workers; a negative or fractional count is refused by name', () => {
  assert.deepEqual(parseConfig(valid, { POPART_POLICY_WORKERS: '4' }).policy, { runtime: 'wasm', workers: 4 });
  assert.deepEqual(parseConfig(valid).policy, { runtime: 'wasm' }, 'no count: the node picks one from the cores');
  for (const bad of [-1, 1.5]) {
    assert.throws(() => parseConfig({ ...valid, policy: { runtime: 'wasm', workers: bad } }), (err: unknown) =>
      err instanceof ConfigError && err.issues.some((i) => i.property === 'policy.workers'));
  }
});
