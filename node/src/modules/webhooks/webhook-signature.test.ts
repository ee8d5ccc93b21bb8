import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { signDelivery, verifyDelivery } from './webhook-signature.js';

test('a delivery signature verifies with the secret, over the same body, within the tolerance', () => {
  const secret = randomBytes(32);
  const at = new Date('2026-06-01T18:30:00Z');
  const header = signDelivery(secret, '{"a":1}', at);
  assert.match(header, /^t=1780338600,v1=[0-9a-f]{64}$/);
  assert.equal(verifyDelivery([secret], header, '{"a":1}', at), null);
  assert.equal(verifyDelivery([randomBytes(32), secret], header, '{"a":1}', new Date(at.getTime() + 299_000)), null, 'any kept secret version');
});

test('a changed body, another secret, an old timestamp or a malformed header are refused, saying why', () => {
  const secret = randomBytes(32);
  const at = new Date('2026-06-01T18:30:00Z');
  const header = signDelivery(secret, 'body', at);
  assert.equal(verifyDelivery([secret], header, 'body!', at), 'the signature does not match the body');
  assert.equal(verifyDelivery([randomBytes(32)], header, 'body', at), 'the signature does not match the body');
  assert.match(verifyDelivery([secret], header, 'body', new Date(at.getTime() + 301_000)) ?? '', /more than 300 s/);
  assert.match(verifyDelivery([secret], undefined, 'body', at) ?? '', /no x-popart-signature header/);
  assert.match(verifyDelivery([secret], 't=abc,v1=00', 'body', at) ?? '', /no timestamp/);
  assert.match(verifyDelivery([secret], `t=${Math.floor(at.getTime() / 1000)},v1=xyz`, 'body', at) ?? '', /no v1=/);
  // the same body and signature under a shifted timestamp: the timestamp is signed too
  const forged = header.replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) + 60}`);
  assert.equal(verifyDelivery([secret], forged, 'body', at), 'the signature does not match the body');
});
