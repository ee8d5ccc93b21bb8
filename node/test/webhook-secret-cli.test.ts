/** `popart-node webhook-secret`: the receiver's copy of a webhook's signing secret, from the node's key service. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { FileKeystore } from '../src/keys/file-keystore.js';
import { tempDir } from './support.js';

const CLI = fileURLToPath(new URL('../src/cli/node.js', import.meta.url));

test('webhook-secret prints the webhook\'s secret of the key service, the same each time; an unknown webhook is named', async () => {
  const dir = tempDir('popart-webhook-secret-');
  try {
    const config = join(dir.path, 'node.json');
    writeFileSync(config, JSON.stringify({
      agency: { key: 'pn', name: 'Policía Nacional', mspId: 'PnMSP', level: 'national', country: 'ES', identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01' },
      listen: { port: 0 }, dataDir: join(dir.path, 'data'), ledger: { kind: 'embedded', dir: join(dir.path, 'ledger') },
      users: [{ username: 'a', displayName: 'A', role: 'analyst', passwordHash: 'scrypt$AAAA$BBBB' }],
      webhooks: [{ id: 'dispatch-112', url: 'https://112.example/hook', purpose: 'dispatch' }],
    }));
    const env = { ...process.env, POPART_KEYSTORE_PASSPHRASE: 'test-passphrase' };
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'webhook-secret', '--config', config, ...args], { encoding: 'utf8', env });
    const first = run('--webhook', 'dispatch-112');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(run('--webhook', 'dispatch-112').stdout, first.stdout, 'the same secret each time');
    const keys = await FileKeystore.open(join(dir.path, 'data', 'keys'), 'test-passphrase');
    try {
      assert.equal((await keys.secret('webhook-dispatch-112')).toString('base64'), first.stdout.trim(), 'the secret the node signs with');
    } finally {
      await keys.close();
    }
    const unknown = run('--webhook', 'other');
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /no webhook "other" in .*node\.json \(its webhooks: dispatch-112\)/);
    const missing = run();
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /webhook-secret needs --config FILE --webhook ID/);
  } finally {
    dir.remove();
  }
});
