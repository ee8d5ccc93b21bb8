import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AuthError } from '../errors.js';
import { openDatabase } from '../read-model/database.js';
import { migrate } from '../read-model/migrations.js';
import { LoginGuard } from './login-guard.js';
import { hashPassword } from './passwords.js';
import { RevokedTokens } from './revoked-tokens.js';
import { Sessions, signInAuditRecord, type SignInEvent } from './sessions.js';

const agency = { key: 'pn', mspId: 'PnMSP', identityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01', level: 'national' as const };
const MIN = 60_000;

async function setup(opts: { revoked?: RevokedTokens } = {}) {
  const clock = { now: Date.parse('2026-11-24T10:00:00Z') };
  const events: SignInEvent[] = [];
  const hash = await hashPassword('demo');
  const users = ['pn-analyst', 'pn-operator'].map((username) => ({ username, displayName: username, role: 'analyst' as const, minSeverity: 'low' as const, passwordHash: hash }));
  const sessions = new Sessions(users, agency, [randomBytes(32)], 8, {
    guard: new LoginGuard({}, () => clock.now),
    ...(opts.revoked ? { revoked: opts.revoked } : {}),
    onEvent: async (e) => {
      events.push(e);
    },
  });
  return { clock, events, sessions };
}

function isRateLimited(scope: 'user' | 'address', seconds: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof AuthError, String(err));
    assert.equal(err.code, 'LOGIN_RATE_LIMITED');
    assert.equal(err.extensions.scope, scope);
    assert.equal(err.extensions.retryAfterSeconds, seconds, err.message);
    assert.match(err.message, /try again in \d+ s/);
    return true;
  };
}

test('5 wrong passwords lock the user for 15 min, even with the right password; the next lock lasts twice as long', async () => {
  const { clock, events, sessions } = await setup();
  for (let i = 0; i < 4; i++) await assert.rejects(sessions.login('pn-analyst', 'wrong', new Date(), '10.0.0.1'), (e: unknown) => e instanceof AuthError && e.code === 'UNAUTHENTICATED');
  await assert.rejects(sessions.login('pn-analyst', 'wrong', new Date(), '10.0.0.1'), isRateLimited('user', 900));
  await assert.rejects(sessions.login('pn-analyst', 'demo', new Date(), '10.0.0.2'), isRateLimited('user', 900), 'locked whatever the address and the password');
  assert.ok(await sessions.login('pn-operator', 'demo', new Date(), '10.0.0.1'), 'another user is not locked');

  const locking = events.filter((e) => e.kind === 'login-failed' && e.locks.length);
  assert.equal(events.length, 5, 'each refused password is an event; the attempt refused while locked is not');
  assert.deepEqual(locking.map((e) => e.kind === 'login-failed' && e.locks), [[{ scope: 'user', lockedForMs: 15 * MIN, failures: 5 }]]);
  const record = signInAuditRecord(locking[0] as SignInEvent, agency);
  assert.equal(record.action, 'authentication');
  assert.equal(record.actor.username, 'pn-analyst');
  assert.deepEqual(record.details, { event: 'login-failed', address: '10.0.0.1', knownUser: true, locked: [{ scope: 'user', seconds: 900, failures: 5 }] });

  clock.now += 15 * MIN + 1000;
  for (let i = 0; i < 4; i++) await assert.rejects(sessions.login('pn-analyst', 'wrong', new Date(), '10.0.0.3'), /wrong password/);
  await assert.rejects(sessions.login('pn-analyst', 'wrong', new Date(), '10.0.0.3'), isRateLimited('user', 1800), 'exponential backoff');
  clock.now += 30 * MIN + 1000;
  assert.ok(await sessions.login('pn-analyst', 'demo', new Date(), '10.0.0.3'), 'the lock ends');
});

test('unknown user names lock like real ones, so a lock reveals no user name', async () => {
  const { sessions } = await setup();
  for (let i = 0; i < 4; i++) await assert.rejects(sessions.login('nobody', 'x', new Date(), '10.0.0.1'), /unknown user or wrong password/);
  await assert.rejects(sessions.login('nobody', 'x', new Date(), '10.0.0.1'), isRateLimited('user', 900));
});

test('20 failures from one address lock the address for every user name; a success does not reset the address budget', async () => {
  const { sessions, events } = await setup();
  for (let i = 0; i < 19; i++) {
    await assert.rejects(sessions.login(`guess-${i % 4}-${Math.floor(i / 4)}`, 'x', new Date(), '10.9.9.9'), /wrong password/);
    if (i === 10) assert.ok(await sessions.login('pn-operator', 'demo', new Date(), '10.9.9.9'));
  }
  await assert.rejects(sessions.login('guess-last', 'x', new Date(), '10.9.9.9'), isRateLimited('address', 900));
  await assert.rejects(sessions.login('pn-analyst', 'demo', new Date(), '10.9.9.9'), isRateLimited('address', 900));
  assert.ok(await sessions.login('pn-analyst', 'demo', new Date(), '10.0.0.7'), 'other addresses still sign in');
  const last = events.at(-1);
  assert.ok(last?.kind === 'login-failed' && last.locks[0]?.scope === 'address');
  assert.equal(signInAuditRecord(last, agency).actor.role, 'unknown');
});

test('too many attempts from one address in a minute are refused before any password check', async () => {
  const guard = new LoginGuard({ addressAttemptsPerMinute: 3 }, () => 0);
  for (let i = 0; i < 3; i++) guard.check('pn-analyst', '10.0.0.1');
  assert.throws(() => guard.check('pn-analyst', '10.0.0.1'), isRateLimited('address', 60));
  guard.check('pn-analyst', '10.0.0.2');
});

test('password checks run a few at a time; past the waiting room the node answers busy', async () => {
  const guard = new LoginGuard({ maxConcurrentChecks: 2, maxWaiting: 1, checkGapMs: 0 });
  let running = 0;
  let peak = 0;
  const release: (() => void)[] = [];
  const job = () => guard.withSlot(async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise<void>((r) => release.push(r));
    running--;
  });
  const jobs = [job(), job(), job()];
  await assert.rejects(job(), (e: unknown) => e instanceof AuthError && e.code === 'LOGIN_RATE_LIMITED' && /busy/.test(e.message));
  while (release.length || running) {
    release.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(jobs);
  assert.equal(peak, 2);
});

test('password checks are spaced: a burst of ten takes at least nine gaps, whoever sends it', async () => {
  const guard = new LoginGuard({ maxConcurrentChecks: 1, checkGapMs: 30 });
  const started = Date.now();
  const ends: number[] = [];
  await Promise.all(Array.from({ length: 10 }, () => guard.withSlot(async () => void ends.push(Date.now() - started))));
  assert.ok((ends[9] as number) >= 9 * 30 - 5, `the tenth check started after ${ends[9]} ms`);
  assert.ok((ends[0] as number) < 30, 'the first one at once');
});

test('logout revokes the token until it expires, also for a node restarted on the same database', async () => {
  const db = await openDatabase({ kind: 'pglite', dir: null });
  try {
    await migrate(db);
    const first = await setup({ revoked: new RevokedTokens(db) });
    const a = await first.sessions.login('pn-analyst', 'demo');
    const b = await first.sessions.login('pn-analyst', 'demo');
    assert.notEqual(a.token, b.token, 'each sign-in has its own token');
    await first.sessions.logout(a.token, '10.0.0.1');
    assert.equal(first.sessions.verify(a.token), undefined, 'the revoked token is refused');
    assert.equal(first.sessions.verify(b.token)?.username, 'pn-analyst', 'another token of the same user still works');
    await assert.rejects(first.sessions.logout(a.token), (e: unknown) => e instanceof AuthError && e.code === 'UNAUTHENTICATED');
    assert.deepEqual(first.events.map((e) => e.kind), ['logout']);
    assert.deepEqual(signInAuditRecord(first.events[0] as SignInEvent, agency).details, { event: 'logout', address: '10.0.0.1' });

    const revoked = new RevokedTokens(db);
    await revoked.load();
    assert.ok(revoked.has(a.token), 'the revocation survives a restart');
    assert.ok(!revoked.has(b.token));
    const later = new RevokedTokens(db);
    await later.load(new Date(Date.now() + 9 * 3_600_000));
    assert.equal(later.size, 0, 'revocations are dropped once the token has expired');
  } finally {
    await db.close();
  }
});
