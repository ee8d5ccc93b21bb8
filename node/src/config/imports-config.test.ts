import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { parseConfig } from './config.js';

const base = {
  agency: { key: 'pj', name: 'Polícia Judiciária', mspId: 'PjMSP', level: 'partner', country: 'PT', identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02' },
  listen: { port: 0 }, dataDir: '/tmp/x', ledger: { kind: 'embedded', dir: '/tmp/l' },
  users: [{ username: 'a', displayName: 'A', role: 'analyst', passwordHash: 'scrypt$AAAA$BBBB' }],
};
const taxii = { id: 'ec3', kind: 'taxii', url: 'https://partner.example/api1/', collection: 'indicators', defaultTlp: 'green' };

/** The issues of the refusal of `raw` (it must be refused with a ConfigError). */
const issuesOf = (raw: unknown): ConfigError['issues'] => {
  let issues: ConfigError['issues'] = [];
  assert.throws(() => parseConfig(raw), (err) => err instanceof ConfigError && Boolean(issues = err.issues));
  return issues;
};

test('an import has defaults: no imports at all, then every 5 minutes by 200 objects as an analyst', () => {
  assert.deepEqual(parseConfig(base).imports, []);
  const i = parseConfig({ ...base, imports: [taxii] }).imports[0]!;
  assert.deepEqual([i.intervalSeconds, i.pageSize, i.role, i.defaultTlp, i.auth], [300, 200, 'analyst', 'green', undefined]);
});

test('an invalid import is refused naming its field and why', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ ...taxii, url: 'ftp://partner.example/' }, 'imports.0.url', /http:\/\/ or https:\/\//],
    [{ ...taxii, url: 'https://me:secret@partner.example/' }, 'imports.0.url', /credentials/],
    [{ ...taxii, defaultTlp: undefined }, 'imports.0.defaultTlp', /Required/],
    [{ ...taxii, defaultTlp: 'white' }, 'imports.0.defaultTlp', /clear/],
    [{ ...taxii, auth: { username: 'u', password: 'secret' } }, 'imports.0.auth.passwordEnv', /Required/],
    [{ ...taxii, auth: { username: 'u', passwordEnv: 'my password' } }, 'imports.0.auth.passwordEnv', /environment variable/],
    [{ ...taxii, role: 'auditor' }, 'imports.0.role', /may not publish/],
    [{ ...taxii, pageSize: 5000 }, 'imports.0.pageSize', /1000/],
    [{ ...taxii, kind: 'opencti' }, 'imports.0.kind', /taxii/],
    [{ ...taxii, kind: 'misp' }, 'imports.0.collection', /MISP feed has no collections/],
  ];
  for (const [entry, property, message] of cases) {
    const issues = issuesOf({ ...base, imports: [entry] });
    const issue = issues.find((i) => i.property === property);
    assert.ok(issue, `${property} named in: ${JSON.stringify(issues)}`);
    assert.match(issue.message, message);
  }
  assert.deepEqual(issuesOf({ ...base, imports: [taxii, taxii] }).map((i) => i.property), ['imports.1.id']);
});
