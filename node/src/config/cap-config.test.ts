import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { parseConfig } from './config.js';

const base = {
  agency: { key: 'pn', name: 'Policía Nacional', mspId: 'PnMSP', level: 'national', country: 'ES', identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01' },
  listen: { port: 0 }, dataDir: '/tmp/x', ledger: { kind: 'embedded', dir: '/tmp/l' },
  users: [{ username: 'a', displayName: 'A', role: 'analyst', passwordHash: 'scrypt$AAAA$BBBB' }],
};

function refusal(raw: unknown): ConfigError {
  try {
    parseConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('the configuration was accepted');
}

test('cap and webhooks have defaults: Actual messages in English, no webhooks', () => {
  const c = parseConfig(base);
  assert.deepEqual(c.cap, { exercise: false, language: 'en' });
  assert.deepEqual(c.webhooks, []);
  const w = parseConfig({ ...base, webhooks: [{ id: 'dispatch-112', url: 'https://112.example/hook', purpose: 'emergency dispatch' }] }).webhooks[0]!;
  assert.deepEqual([w.role, w.events, w.formats, w.maxAttempts, w.retryDelayMs], ['operator', ['alerts'], ['cap'], 6, 1000]);
});

test('an invalid webhook is refused naming its field and why', () => {
  const hook = { id: 'dispatch', url: 'https://112.example/hook' };
  const cases: [unknown[], string, RegExp][] = [
    [[{ ...hook, url: 'ftp://x.example/' }], 'webhooks.0.url', /http:\/\/ or https:\/\//],
    [[{ ...hook, url: 'not a url' }], 'webhooks.0.url', /absolute URL/],
    [[{ ...hook, id: 'Dispatch 112' }], 'webhooks.0.id', /lowercase/],
    [[hook, { ...hook }], 'webhooks.1.id', /names two webhooks/],
    [[{ ...hook, events: ['objects'], formats: ['cap'] }], 'webhooks.0.formats', /must include "stix"/],
    [[{ ...hook, events: [] }], 'webhooks.0.events', /at least one/],
    [[{ ...hook, role: 'admin' }], 'webhooks.0.role', /./],
    [[{ ...hook, purpose: '  ' }], 'webhooks.0.purpose', /./],
    [[{ ...hook, maxAttempts: 0 }], 'webhooks.0.maxAttempts', /./],
  ];
  for (const [webhooks, property, message] of cases) {
    const err = refusal({ ...base, webhooks });
    const issue = err.issues.find((i) => i.property === property);
    assert.ok(issue, `${JSON.stringify(webhooks)}: an issue on ${property}, got ${err.message}`);
    assert.match(issue.message, message);
    assert.match(err.message, new RegExp(property.replace(/\./g, '\\.')));
  }
  assert.equal(refusal({ ...base, cap: { language: 'español' } }).issues[0]?.property, 'cap.language');
});
