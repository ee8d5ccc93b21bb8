import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AuthError } from '../errors.js';
import { hashPassword } from './passwords.js';
import { Sessions } from './sessions.js';

const agency = { key: 'pn', mspId: 'PnMSP', identityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01', level: 'national' as const };

async function sessions(secret = randomBytes(32)): Promise<Sessions> {
  const users = [{ username: 'pn-analyst', displayName: 'Analyst', role: 'analyst' as const, minSeverity: 'low' as const, passwordHash: await hashPassword('demo') }];
  return new Sessions(users, agency, [secret], 8);
}

test('login gives a token that identifies the user and their agency', async () => {
  const s = await sessions();
  const session = await s.login('pn-analyst', 'demo');
  const viewer = s.verify(session.token);
  assert.equal(viewer?.username, 'pn-analyst');
  assert.equal(viewer?.role, 'analyst');
  assert.deepEqual(viewer?.agency, agency);
  assert.equal(viewer?.minSeverity, 'low');
});

test('wrong password and unknown user get the same error', async () => {
  const s = await sessions();
  for (const [u, p] of [['pn-analyst', 'nope'], ['nobody', 'demo']] as const) {
    await assert.rejects(s.login(u, p), (err: unknown) => err instanceof AuthError && err.code === 'UNAUTHENTICATED' && err.message === 'unknown user or wrong password');
  }
});

test('forged, tampered and expired tokens are refused', async () => {
  const s = await sessions();
  const { token } = await s.login('pn-analyst', 'demo', new Date('2026-11-24T10:00:00Z'));
  assert.ok(s.verify(token, new Date('2026-11-24T17:59:59Z')));
  assert.equal(s.verify(token, new Date('2026-11-24T18:00:01Z')), undefined, 'expired after 8 hours');
  const [payload, mac] = token.split('.') as [string, string];
  const forgedPayload = Buffer.from(JSON.stringify({ sub: 'pn-analyst', exp: Date.parse('2030-01-01') })).toString('base64url');
  assert.equal(s.verify(`${forgedPayload}.${mac}`), undefined);
  assert.equal(s.verify(`${payload}.${mac.slice(0, -2)}xx`), undefined);
  const other = await sessions();
  assert.equal(other.verify(token, new Date('2026-11-24T11:00:00Z')), undefined, 'a token of another node (other secret) is refused');
  assert.equal(s.verify(undefined), undefined);
  assert.equal(s.verify('garbage'), undefined);
});

test('after a rotation of the token signing secret, tokens signed with the kept previous secret stay valid and new ones use the new secret', async () => {
  const old = randomBytes(32);
  const s = await sessions(old);
  const now = new Date('2026-11-24T10:00:00Z');
  const before = await s.login('pn-analyst', 'demo', now);
  const fresh = randomBytes(32);
  s.setSecrets([fresh, old]);
  assert.equal(s.verify(before.token, now)?.username, 'pn-analyst', 'no one is signed out by the rotation');
  const after = await s.login('pn-analyst', 'demo', now);
  const onlyNew = await sessions(fresh);
  assert.equal(onlyNew.verify(after.token, now)?.username, 'pn-analyst', 'new tokens are signed with the new secret');
  s.setSecrets([randomBytes(32), fresh]);
  assert.equal(s.verify(before.token, now), undefined, 'a secret rotated out of the kept versions no longer verifies');
  assert.throws(() => s.setSecrets([]), AuthError);
});
