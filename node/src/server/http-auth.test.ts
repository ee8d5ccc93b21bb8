import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiKeys, newApiKey, parseApiKeyToken } from '../auth/api-keys.js';
import { LoginGuard, rateLimited } from '../auth/login-guard.js';
import { AuthError } from '../errors.js';
import type { AgencySubject, Viewer } from '../identity.js';
import { HttpAuthenticator, HttpAuthError } from './http-auth.js';

const agency: AgencySubject = { key: 'pj', mspId: 'PjMSP', identityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02', level: 'partner' };
const analyst: Viewer = { username: 'pj-analyst', displayName: 'Analyst', role: 'analyst', agency };
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Sessions that know one user ("pj-analyst" / "right") and one token ("good"), counting password checks. */
function fakeSessions(guard: LoginGuard): { checks: number; verify(t?: string): Viewer | undefined; authenticate(u: string, p: string, a?: string): Promise<Viewer> } {
  return {
    checks: 0,
    verify: (t) => (t === 'good' ? analyst : undefined),
    async authenticate(u, p, a = 'unknown') {
      guard.check(u, a);
      this.checks++;
      if (u === 'pj-analyst' && p === 'right') return analyst;
      const lock = guard.failed(u, a)[0];
      if (lock) throw rateLimited(lock.scope, lock.lockedForMs, 'locked');
      throw new AuthError('UNAUTHENTICATED', 'unknown user or wrong password');
    },
  };
}

describe('HTTP authentication of the partner interfaces', () => {
  const key = newApiKey('misp-gnr');

  function setup(now = { t: 0 }): { auth: HttpAuthenticator; sessions: ReturnType<typeof fakeSessions> } {
    const guard = new LoginGuard({ checkGapMs: 0 }, () => now.t);
    const sessions = fakeSessions(guard);
    const keys = new ApiKeys([{ id: 'misp-gnr', name: 'MISP', role: 'analyst', purpose: 'partner exchange', minSeverity: 'low', secretHash: key.secretHash }], agency, guard);
    return { auth: new HttpAuthenticator(sessions, keys, { clock: () => now.t }), sessions };
  }

  test('Basic users, bearer tokens and API keys (bearer token, or Basic with the key id) give their principal', async () => {
    const { auth } = setup();
    assert.deepEqual(await auth.authenticate(basic('pj-analyst', 'right'), 'a'), { viewer: analyst, method: 'basic', partner: null, purpose: null });
    assert.deepEqual(await auth.authenticate('Bearer good', 'a'), { viewer: analyst, method: 'bearer', partner: null, purpose: null });
    const byToken = await auth.authenticate(`Bearer ${key.token}`, 'a');
    assert.deepEqual([byToken.method, byToken.partner, byToken.purpose, byToken.viewer.username, byToken.viewer.role], ['api-key', 'misp-gnr', 'partner exchange', 'misp-gnr', 'analyst']);
    assert.equal((await auth.authenticate(basic('misp-gnr', key.secret), 'a')).partner, 'misp-gnr');
    assert.equal((await auth.authenticate(basic('misp-gnr', key.token), 'a')).partner, 'misp-gnr');
    assert.deepEqual(parseApiKeyToken(key.token), { id: 'misp-gnr', secret: key.secret });
    assert.equal(parseApiKeyToken('popart_misp-gnr_short'), undefined);
  });

  test('refusals: 401 with the challenge (none, unknown scheme, wrong secret, bad token); a lock is 429 with Retry-After', async () => {
    const { auth } = setup();
    for (const header of [undefined, 'Digest x', basic('pj-analyst', 'wrong'), 'Bearer bad', `Bearer popart_misp-gnr_${'0'.repeat(64)}`, 'Basic !!!']) {
      const err = await auth.authenticate(header, 'b').then(() => null, (e: unknown) => e);
      assert.ok(err instanceof HttpAuthError && err.status === 401, `${header}: ${String(err)}`);
      assert.match(err.headers['www-authenticate'] ?? '', /^Basic realm="POP-ART"/);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await auth.authenticate(basic('intruder', `g${i}`), 'c').then(() => 200, (e: HttpAuthError) => e.status));
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    const locked = await auth.authenticate(basic('intruder', 'g7'), 'c').catch((e: HttpAuthError) => e);
    assert.ok(locked instanceof HttpAuthError && Number(locked.headers['retry-after']) > 0);
  });

  test('a successful password check is remembered for a minute (one scrypt check, not one per request); a wrong one never', async () => {
    const now = { t: 0 };
    const { auth, sessions } = setup(now);
    for (let i = 0; i < 5; i++) await auth.authenticate(basic('pj-analyst', 'right'), 'd');
    assert.equal(sessions.checks, 1);
    for (let i = 0; i < 3; i++) await auth.authenticate(basic('pj-analyst', 'wrong'), 'd').catch(() => undefined);
    assert.equal(sessions.checks, 4, 'every wrong password is checked');
    now.t += 61_000;
    await auth.authenticate(basic('pj-analyst', 'right'), 'd');
    assert.equal(sessions.checks, 5, 'checked again after a minute');
  });
});
