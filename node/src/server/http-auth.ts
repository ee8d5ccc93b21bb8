/**
 * Who is asking, for the node's HTTP interfaces beside GraphQL (TAXII, feeds): the `Authorization` header as
 *
 *   - `Basic <user:password>` with a user of this node (as taxii2-client and OpenCTI's TAXII connector send by
 *     default), checked by the same password check and sign-in guard as GraphQL `login` (locks, backoff, audit);
 *   - `Basic <key id:secret>` or `Bearer popart_<id>_<secret>` with a partner's API key (config `apiKeys`), which
 *     carries its own role and purpose;
 *   - `Bearer <token>` from GraphQL `login` (revoked by `logout`).
 *
 * A password or key checked successfully is remembered for `cacheMs` (default 60 s) as an HMAC of the credentials under
 * a key that lives only in this process, so a client that sends Basic with every request costs one scrypt check a
 * minute rather than one per request (and does not run into the guard's sign-in rate per address); wrong credentials
 * are never remembered, so every guess goes through the guard.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseApiKeyToken, type ApiKeys } from '../auth/api-keys.js';
import type { Sessions } from '../auth/sessions.js';
import { NodeError } from '../errors.js';
import type { Viewer } from '../identity.js';

export type HttpAuthMethod = 'basic' | 'bearer' | 'api-key';

/** An authenticated caller of an HTTP interface. */
export interface HttpPrincipal {
  viewer: Viewer;
  method: HttpAuthMethod;
  /** For an API key: its id (the partner, the recipient of a disclosure); null for a user of the node. */
  partner: string | null;
  /** For an API key: the purpose it is configured with; null for a user (who states it per request). */
  purpose: string | null;
}

/** A refused authentication: 401 with the challenge, or 429 while the name or address is locked. */
export class HttpAuthError extends Error {
  override name = 'HttpAuthError';
  constructor(readonly status: 401 | 429, message: string, readonly headers: Record<string, string>) {
    super(message);
  }
}

/** The request header in which a user of an HTTP interface states the purpose of a consultation (LED Art. 25). */
export const PURPOSE_HEADER = 'x-popart-purpose';

/**
 * The purpose a request states: the X-Popart-Purpose header, else the `purpose` URL parameter, else the purpose its
 * user stated for the session of the bearer token it came with (GraphQL `statePurpose`); null without one.
 */
export function statedPurpose(req: IncomingMessage, url: URL, viewer?: Pick<Viewer, 'purpose'>): string | null {
  const header = req.headers[PURPOSE_HEADER];
  return (Array.isArray(header) ? header[0] : header)?.trim() || url.searchParams.get('purpose')?.trim() || viewer?.purpose || null;
}

/** `attempt`'s caller; on a refused authentication, its headers (the 401 challenge, Retry-After) are set on `res` first. */
export async function withRefusalHeaders<T>(res: ServerResponse, attempt: Promise<T>): Promise<T> {
  try {
    return await attempt;
  } catch (err) {
    if (err instanceof HttpAuthError) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    throw err;
  }
}

export interface HttpAuthOptions {
  /** The realm named in WWW-Authenticate (default "POP-ART"). */
  realm?: string;
  /** How long a successful password or key check is remembered (default 60 000 ms; 0: never). */
  cacheMs?: number;
  /** Credentials remembered at most (default 1000; the oldest are forgotten first). */
  maxCached?: number;
  clock?: () => number;
}

function decodeBasic(value: string): { user: string; password: string } | undefined {
  let text: string;
  try {
    text = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  return colon > 0 ? { user: text.slice(0, colon), password: text.slice(colon + 1) } : undefined;
}

export class HttpAuthenticator {
  private readonly realm: string;
  private readonly cacheMs: number;
  private readonly maxCached: number;
  private readonly clock: () => number;
  private readonly cacheKey = randomBytes(32);
  private readonly remembered = new Map<string, { principal: HttpPrincipal; until: number }>();

  constructor(
    private readonly sessions: Pick<Sessions, 'verify' | 'authenticate'>,
    private readonly apiKeys: Pick<ApiKeys, 'has' | 'verify'>,
    options: HttpAuthOptions = {},
  ) {
    this.realm = options.realm ?? 'POP-ART';
    this.cacheMs = options.cacheMs ?? 60_000;
    this.maxCached = options.maxCached ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** The WWW-Authenticate challenge of a 401. */
  get challenge(): Record<string, string> {
    return { 'www-authenticate': `Basic realm="${this.realm}", charset="UTF-8", Bearer realm="${this.realm}"` };
  }

  private unauthenticated(message: string): HttpAuthError {
    return new HttpAuthError(401, message, this.challenge);
  }

  /** The caller behind an Authorization header; HttpAuthError when there is none or it is refused. */
  async authenticate(authorization: string | undefined, address: string): Promise<HttpPrincipal> {
    const header = authorization?.trim() ?? '';
    if (!header) throw this.unauthenticated('authentication required: HTTP Basic with a user of this node or an API key, or Authorization: Bearer <token>');
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer') {
      const key = parseApiKeyToken(value);
      if (key) return this.checked(`key\0${key.id}\0${key.secret}`, () => this.keyPrincipal(key.id, key.secret, address));
      const viewer = this.sessions.verify(value);
      if (!viewer) throw this.unauthenticated('the bearer token is not valid (expired, revoked or forged): sign in again, or use an API key');
      return { viewer, method: 'bearer', partner: null, purpose: null };
    }
    if (scheme === 'basic') {
      const basic = decodeBasic(value);
      if (!basic) throw this.unauthenticated('the Basic credentials are not base64 of "user:password"');
      return this.checked(`basic\0${basic.user}\0${basic.password}`, () => {
        if (!this.apiKeys.has(basic.user)) return this.userPrincipal(basic.user, basic.password, address);
        // A key id as user name: the password is the secret, or the whole token.
        const secret = parseApiKeyToken(basic.password)?.secret ?? basic.password;
        return this.keyPrincipal(basic.user, secret, address);
      });
    }
    throw this.unauthenticated(`unsupported authentication scheme "${scheme}": use Basic or Bearer`);
  }

  private async userPrincipal(username: string, password: string, address: string): Promise<HttpPrincipal> {
    const viewer = await this.refusedAs401(() => this.sessions.authenticate(username, password, address));
    return { viewer, method: 'basic', partner: null, purpose: null };
  }

  private async keyPrincipal(id: string, secret: string, address: string): Promise<HttpPrincipal> {
    const key = await this.refusedAs401(() => this.apiKeys.verify(id, secret, address));
    return { viewer: key.viewer, method: 'api-key', partner: key.keyId, purpose: key.purpose };
  }

  /** Maps the guard's refusals: a lock is 429 with Retry-After, a wrong secret 401 with the challenge. */
  private async refusedAs401<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (err) {
      if (!(err instanceof NodeError)) throw err;
      if (err.code === 'LOGIN_RATE_LIMITED') {
        const seconds = Number(err.extensions.retryAfterSeconds ?? 1);
        throw new HttpAuthError(429, err.message, { 'retry-after': String(seconds) });
      }
      if (err.code === 'UNAUTHENTICATED') throw this.unauthenticated(err.message);
      throw err;
    }
  }

  /** A successful check of these credentials within cacheMs, or a new check (remembered when it succeeds). */
  private async checked(credentials: string, check: () => Promise<HttpPrincipal>): Promise<HttpPrincipal> {
    if (this.cacheMs <= 0) return check();
    const digest = createHmac('sha256', this.cacheKey).update(credentials).digest('base64url');
    const now = this.clock();
    const hit = this.remembered.get(digest);
    if (hit && hit.until > now) return hit.principal;
    this.remembered.delete(digest);
    const principal = await check();
    if (this.remembered.size >= this.maxCached) this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(digest, { principal, until: now + this.cacheMs });
    return principal;
  }
}
