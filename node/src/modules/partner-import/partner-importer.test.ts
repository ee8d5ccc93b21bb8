import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../config/config.js';
import { ConfigError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { ImportStore } from './import-store.js';
import { nextPullDelayMs, PartnerImporter } from './partner-importer.js';

test('after failures of the partner the next pull waits twice as long each time, up to an hour', () => {
  assert.deepEqual([0, 1, 2, 3].map((f) => nextPullDelayMs(300, f)), [300_000, 600_000, 1_200_000, 2_400_000]);
  assert.equal(nextPullDelayMs(300, 10), 3_600_000);
  assert.equal(nextPullDelayMs(7200, 3), 7_200_000, 'an interval longer than an hour is the ceiling');
});

test('an import whose password variable is not set stops the node at start, naming the field', () => {
  const config = parseConfig({
    agency: { key: 'pj', name: 'Polícia Judiciária', mspId: 'PjMSP', level: 'partner', country: 'PT', identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02' },
    listen: { port: 0 }, dataDir: '/tmp/x', ledger: { kind: 'embedded', dir: '/tmp/l' },
    users: [{ username: 'a', displayName: 'A', role: 'analyst', passwordHash: 'scrypt$AAAA$BBBB' }],
    imports: [{ id: 'ec3', kind: 'taxii', url: 'https://partner.example/c/', defaultTlp: 'green', auth: { username: 'u', passwordEnv: 'POPART_TEST_UNSET_PASSWORD' } }],
  });
  const deps = {
    publisher: { publish: () => Promise.reject(new Error('not called')) }, stored: async () => false, store: {} as ImportStore,
    agency: { key: 'pj', mspId: 'PjMSP', identityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02', level: 'partner' as const }, log: createLogger('t', 'silent'),
  };
  assert.throws(() => new PartnerImporter(config.imports, { ...deps, env: {} }),
    (err) => err instanceof ConfigError && err.issues[0]?.property === 'imports.0.auth.passwordEnv' && /POPART_TEST_UNSET_PASSWORD is not set/.test(err.message));
  assert.doesNotThrow(() => new PartnerImporter(config.imports, { ...deps, env: { POPART_TEST_UNSET_PASSWORD: 'x' } }));
});
