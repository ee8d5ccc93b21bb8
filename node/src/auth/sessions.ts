/**
 * Sign-in and bearer tokens. A token is "<payload base64url>.<HMAC-SHA256 base64url>", signed with a
 * secret the key service keeps, so tokens survive a restart and cannot be forged. Sign-in attempts go
 * through the LoginGuard (lockout per user and per address); logout revokes a token until it expires.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditRecord } from '../audit-record.js';
import type { NodeConfig } from '../config/config.js';
import { AuthError, InputError } from '../errors.js';
import type { AgencySubject, Viewer } from '../identity.js';
import { LoginGuard, rateLimited, type LockImposed } from './login-guard.js';
import { verifyPassword } from './passwords.js';
import { RevokedTokens } from './revoked-tokens.js';
import { MAX_PURPOSE_LENGTH, SessionPurposes, type StatedPurpose } from './session-purposes.js';

interface TokenPayload { sub: string; exp: number; jti?: string }

export interface Session { token: string; expiresAt: Date; viewer: Viewer }

/** What the audit log hears about sign-ins: refused passwords (with any lock they caused) and logouts. */
export type SignInEvent =
  | { kind: 'login-failed'; username: string; knownUser: Viewer | undefined; address: string; locks: LockImposed[] }
  | { kind: 'logout'; viewer: Viewer; address: string }
  | { kind: 'purpose-stated'; viewer: Viewer; address: string; purpose: string | null };

export interface SessionsOptions {
  guard?: LoginGuard;
  revoked?: RevokedTokens;
  /** The purposes stated once per session (default: kept in memory only). */
  purposes?: SessionPurposes;
  /** Called (and awaited) for each sign-in event, e.g. to write the audit log. */
  onEvent?: (event: SignInEvent) => Promise<void>;
}

export class Sessions {
  constructor(
    private readonly users: NodeConfig['users'],
    private readonly agency: AgencySubject,
    private secrets: Buffer[],
    private readonly hours: number,
    options: SessionsOptions = {},
  ) {
    if (secrets.length === 0) throw new AuthError('INTERNAL', 'sessions need at least one token signing secret');
    this.guard = options.guard ?? new LoginGuard();
    this.revoked = options.revoked ?? new RevokedTokens();
    this.purposes = options.purposes ?? new SessionPurposes();
    this.onEvent = options.onEvent ?? (async () => undefined);
  }

  private readonly guard: LoginGuard;
  private readonly revoked: RevokedTokens;
  private readonly purposes: SessionPurposes;
  private readonly onEvent: (event: SignInEvent) => Promise<void>;
  private readonly revokedListeners = new Set<(token: string) => void>();

  /** Called with each token revoked by logout (the WebSocket server closes connections signed in with it). */
  onRevoked(fn: (token: string) => void): () => void {
    this.revokedListeners.add(fn);
    return () => this.revokedListeners.delete(fn);
  }

  /**
   * Replaces the token signing secrets (newest first) after a rotation: new tokens are signed with the
   * newest, tokens signed with an older kept version stay valid until they expire.
   */
  setSecrets(secrets: Buffer[]): void {
    if (secrets.length === 0) throw new AuthError('INTERNAL', 'sessions need at least one token signing secret');
    this.secrets = secrets;
    this.signed.clear();
  }

  /**
   * Tokens whose signature a kept secret was found to make, with what they carry: every request shows its token (twice:
   * for its budget, then for its context), and an HMAC for each was most of what checking one cost. Only the signature
   * is remembered: revocation, expiry and the user are checked each time. Forgotten when the secrets change; the
   * oldest go first beyond SIGNED_TOKENS_KEPT.
   */
  private readonly signed = new Map<string, TokenPayload>();

  private viewerFor(username: string): Viewer | undefined {
    const u = this.users.find((x) => x.username === username);
    return u && { username: u.username, displayName: u.displayName, role: u.role, agency: this.agency, minSeverity: u.minSeverity };
  }

  private sign(payload: string, secret: Buffer = this.secrets[0] as Buffer): string {
    return createHmac('sha256', secret).update(payload).digest('base64url');
  }

  /**
   * Signs a user in from `address`. Refused with LOGIN_RATE_LIMITED (and retryAfterSeconds) while the
   * name or the address is locked, without checking the password; a wrong password is UNAUTHENTICATED,
   * or LOGIN_RATE_LIMITED when it is the one that locks.
   */
  async login(username: string, password: string, now = new Date(), address = 'unknown'): Promise<Session> {
    const viewer = await this.authenticate(username, password, address);
    const expiresAt = new Date(now.getTime() + this.hours * 3_600_000);
    const body: TokenPayload = { sub: username, exp: expiresAt.getTime(), jti: randomBytes(12).toString('base64url') };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, expiresAt, viewer };
  }

  /**
   * Checks a user name and password (sign-in, and HTTP Basic on the partner interfaces) through the guard: refused
   * with LOGIN_RATE_LIMITED while the name or address is locked, without checking the password; a wrong password is
   * UNAUTHENTICATED (audited), or LOGIN_RATE_LIMITED when it is the one that locks.
   */
  async authenticate(username: string, password: string, address = 'unknown'): Promise<Viewer> {
    this.guard.check(username, address);
    const user = this.users.find((u) => u.username === username);
    // Same work whether or not the user exists, so timing does not reveal user names.
    const ok = await this.guard.withSlot(() => verifyPassword(password, user?.passwordHash ?? 'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    const viewer = this.viewerFor(username);
    if (!user || !ok || !viewer) {
      const locks = this.guard.failed(username, address);
      await this.onEvent({ kind: 'login-failed', username, knownUser: viewer, address, locks });
      const lock = locks[0];
      if (lock) throw rateLimited(lock.scope, lock.lockedForMs, `too many failed sign-ins ${lock.scope === 'user' ? 'for this user' : 'from this address'}`);
      throw new AuthError('UNAUTHENTICATED', 'unknown user or wrong password');
    }
    this.guard.succeeded(username);
    return viewer;
  }

  /** Revokes a token until it expires (kept across restarts when the revocations have a database). */
  async logout(token: string, address = 'unknown', now = new Date()): Promise<void> {
    const checked = this.check(token, now);
    if (!checked) throw new AuthError('UNAUTHENTICATED', 'this token is not valid (expired, revoked or forged)');
    await this.revoked.revoke(token, new Date(checked.exp), now);
    await this.purposes.clear(token);
    await this.onEvent({ kind: 'logout', viewer: checked.viewer, address });
    for (const fn of this.revokedListeners) fn(token);
  }

  /**
   * The viewer behind a bearer token, or undefined when the token is missing, forged, expired or revoked; with the
   * purpose stated for the session, when one was.
   */
  verify(token: string | undefined, now = new Date()): Viewer | undefined {
    const viewer = this.check(token, now)?.viewer;
    const stated = viewer && token ? this.purposes.of(token, now.getTime()) : undefined;
    return viewer && stated ? { ...viewer, purpose: stated.purpose } : viewer;
  }

  /** The purpose stated for the session of this token, if any. */
  statedPurpose(token: string, now = new Date()): StatedPurpose | undefined {
    return this.check(token, now) ? this.purposes.of(token, now.getTime()) : undefined;
  }

  /**
   * States (or, with null or blank, withdraws) the purpose of every consultation of this session that states none of
   * its own, until the token expires or its user signs out. Audited. A purpose longer than MAX_PURPOSE_LENGTH is
   * refused naming `purpose`.
   */
  async statePurpose(token: string, purpose: string | null, address = 'unknown', now = new Date()): Promise<StatedPurpose | null> {
    const checked = this.check(token, now);
    if (!checked) throw new AuthError('UNAUTHENTICATED', 'this token is not valid (expired, revoked or forged)');
    const why = purpose?.trim() || null;
    if (why && why.length > MAX_PURPOSE_LENGTH) {
      const message = `at most ${MAX_PURPOSE_LENGTH} characters (a sentence or a case reference)`;
      throw new InputError('INVALID_ARGUMENT', `purpose: ${message}`, { issues: [{ objectIndex: null, objectId: null, property: 'purpose', message }] });
    }
    const stated = why ? await this.purposes.state(token, why, new Date(checked.exp), now) : (await this.purposes.clear(token), null);
    await this.onEvent({ kind: 'purpose-stated', viewer: checked.viewer, address, purpose: why });
    return stated;
  }

  private check(token: string | undefined, now: Date): { viewer: Viewer; exp: number } | undefined {
    if (!token || this.revoked.has(token)) return undefined;
    const body = this.signed.get(token) ?? this.verifySignature(token);
    if (!body) return undefined;
    if (typeof body.exp !== 'number' || body.exp <= now.getTime()) return undefined;
    const viewer = this.viewerFor(body.sub);
    return viewer && { viewer, exp: body.exp };
  }

  /** What a token carries, if a kept secret signed it (and it is then remembered); else undefined. */
  private verifySignature(token: string): TokenPayload | undefined {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return undefined;
    const given = Buffer.from(mac);
    const signedByKeptSecret = this.secrets.some((secret) => {
      const expected = Buffer.from(this.sign(payload, secret));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!signedByKeptSecret) return undefined;
    let body: TokenPayload;
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenPayload;
    } catch {
      return undefined;
    }
    if (this.signed.size >= SIGNED_TOKENS_KEPT) this.signed.delete(this.signed.keys().next().value as string);
    this.signed.set(token, Object.freeze(body));
    return body;
  }
}

/** Signed tokens remembered (sessions.ts `signed`): a few hundred bytes each. */
const SIGNED_TOKENS_KEPT = 10_000;

/** The audit entry for a sign-in event (action `authentication`); a refused name is kept as given, cut to 100 characters. */
export function signInAuditRecord(event: SignInEvent, agency: AgencySubject): AuditRecord {
  if (event.kind === 'purpose-stated') {
    return {
      actor: { username: event.viewer.username, agency: event.viewer.agency.key, role: event.viewer.role }, action: 'authentication',
      purpose: event.purpose, details: { event: event.purpose ? 'purpose-stated' : 'purpose-withdrawn', address: event.address },
    };
  }
  if (event.kind === 'logout') {
    return { actor: { username: event.viewer.username, agency: event.viewer.agency.key, role: event.viewer.role }, action: 'authentication', details: { event: 'logout', address: event.address } };
  }
  const username = event.username.slice(0, 100) || '(empty)';
  return {
    actor: { username, agency: agency.key, role: event.knownUser?.role ?? 'unknown' },
    action: 'authentication',
    details: {
      event: 'login-failed',
      address: event.address,
      knownUser: event.knownUser !== undefined,
      ...(event.locks.length ? { locked: event.locks.map((l) => ({ scope: l.scope, seconds: Math.round(l.lockedForMs / 1000), failures: l.failures })) } : {}),
    },
  };
}
