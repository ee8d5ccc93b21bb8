/**
 * Sign-in and bearer tokens. A token is "<payload base64url>.<HMAC-SHA256 base64url>", signed with a
 * secret the key service keeps, so tokens survive a restart and cannot be forged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NodeConfig } from '../config/config.js';
import { AuthError } from '../errors.js';
import type { AgencySubject, Viewer } from '../policy/policy.js';
import { verifyPassword } from './passwords.js';

interface TokenPayload { sub: string; exp: number }

export interface Session { token: string; expiresAt: Date; viewer: Viewer }

export class Sessions {
  constructor(
    private readonly users: NodeConfig['users'],
    private readonly agency: AgencySubject,
    private secrets: Buffer[],
    private readonly hours: number,
  ) {
    if (secrets.length === 0) throw new AuthError('INTERNAL', 'sessions need at least one token signing secret');
  }

  /**
   * Replaces the token signing secrets (newest first) after a rotation: new tokens are signed with the
   * newest, tokens signed with an older kept version stay valid until they expire.
   */
  setSecrets(secrets: Buffer[]): void {
    if (secrets.length === 0) throw new AuthError('INTERNAL', 'sessions need at least one token signing secret');
    this.secrets = secrets;
  }

  private viewerFor(username: string): Viewer | undefined {
    const u = this.users.find((x) => x.username === username);
    return u && { username: u.username, displayName: u.displayName, role: u.role, agency: this.agency, minSeverity: u.minSeverity };
  }

  private sign(payload: string, secret: Buffer = this.secrets[0] as Buffer): string {
    return createHmac('sha256', secret).update(payload).digest('base64url');
  }

  async login(username: string, password: string, now = new Date()): Promise<Session> {
    const user = this.users.find((u) => u.username === username);
    // Same work whether or not the user exists, so timing does not reveal user names.
    const ok = await verifyPassword(password, user?.passwordHash ?? 'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    const viewer = this.viewerFor(username);
    if (!user || !ok || !viewer) throw new AuthError('UNAUTHENTICATED', 'unknown user or wrong password');
    const expiresAt = new Date(now.getTime() + this.hours * 3_600_000);
    const payload = Buffer.from(JSON.stringify({ sub: username, exp: expiresAt.getTime() } satisfies TokenPayload)).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, expiresAt, viewer };
  }

  /** The viewer behind a bearer token, or undefined when the token is missing, forged or expired. */
  verify(token: string | undefined, now = new Date()): Viewer | undefined {
    if (!token) return undefined;
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
    if (typeof body.exp !== 'number' || body.exp <= now.getTime()) return undefined;
    return this.viewerFor(body.sub);
  }
}
