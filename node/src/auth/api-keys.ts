/**
 * Per-partner API keys: a partner system (a MISP or OpenCTI instance, a dispatch system) gets its own key with its
 * own role and the purpose (LED Art. 25) under which it consults restricted data. The node keeps only the SHA-256 of
 * the secret (config `apiKeys[].secretHash`); the secret is 32 random bytes, so a fast hash is as good as a slow one
 * and every request can be checked without scrypt. A key is presented as the token `popart_<id>_<secret>` (bearer) or
 * as HTTP Basic with the key id as user name and the secret (or the whole token) as password.
 *
 * Failed checks go through the same LoginGuard as sign-in (per key id and per address), so guessing secrets is
 * throttled exactly like guessing passwords.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NodeConfig } from '../config/config.js';
import { AuthError } from '../errors.js';
import type { AgencySubject, Viewer } from '../identity.js';
import { rateLimited, type LockImposed, type LoginGuard } from './login-guard.js';

export type ApiKeyConfig = NodeConfig['apiKeys'][number];

/** A partner authenticated by its key: the viewer it acts as, and the purpose it consults under. */
export interface ApiKeyPrincipal { viewer: Viewer; keyId: string; purpose: string }

const TOKEN = /^popart_([a-z0-9][a-z0-9-]{1,62})_([0-9a-f]{64})$/;

export function secretHash(secret: string): string {
  return `sha256$${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** A new key for the config: the token to give the partner (once) and the hash to keep. */
export function newApiKey(id: string): { token: string; secret: string; secretHash: string } {
  const secret = randomBytes(32).toString('hex');
  return { token: `popart_${id}_${secret}`, secret, secretHash: secretHash(secret) };
}

/** The key id and secret of a `popart_<id>_<secret>` token, or undefined when the text is not one. */
export function parseApiKeyToken(text: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(text.trim());
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

export class ApiKeys {
  constructor(
    private readonly keys: readonly ApiKeyConfig[],
    private readonly agency: AgencySubject,
    private readonly guard: LoginGuard,
    /** Told of every refused key (for the audit log), with any lock it caused. */
    private readonly onFailed: (keyId: string, address: string, locks: LockImposed[]) => Promise<void> = async () => undefined,
  ) {}

  /** Whether a key with this id is configured (a Basic user name is then a key id, not a user). */
  has(id: string): boolean {
    return this.keys.some((k) => k.id === id);
  }

  /**
   * The partner behind a key id and secret. Refused with LOGIN_RATE_LIMITED while the id or the address is locked
   * (before the secret is looked at); a wrong secret is UNAUTHENTICATED, or LOGIN_RATE_LIMITED when it locks.
   */
  async verify(id: string, secret: string, address: string): Promise<ApiKeyPrincipal> {
    this.guard.check(id, address);
    const key = this.keys.find((k) => k.id === id);
    const given = Buffer.from(secretHash(secret));
    const expected = Buffer.from(key?.secretHash ?? secretHash(randomBytes(8).toString('hex')));
    const ok = key !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
    if (!ok || !key) {
      const locks = this.guard.failed(id, address);
      await this.onFailed(id, address, locks);
      const lock = locks[0];
      if (lock) throw rateLimited(lock.scope, lock.lockedForMs, `too many failed attempts ${lock.scope === 'user' ? 'with this key' : 'from this address'}`);
      throw new AuthError('UNAUTHENTICATED', 'unknown API key or wrong secret');
    }
    this.guard.succeeded(id);
    return {
      keyId: key.id,
      purpose: key.purpose,
      viewer: { username: key.id, displayName: key.name, role: key.role, agency: this.agency, minSeverity: key.minSeverity },
    };
  }
}
