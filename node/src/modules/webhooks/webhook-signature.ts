/**
 * The signature of a webhook delivery, in its X-Popart-Signature header:
 *
 *   X-Popart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * The secret is the webhook's "webhook-<id>" secret of the node's key service (`popart-node webhook-secret` prints
 * it for the receiver). The timestamp is signed with the body, so a receiver that refuses old timestamps (default
 * tolerance 5 minutes) cannot be fed a recorded delivery again later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-popart-signature';
export const SIGNATURE_TOLERANCE_S = 300;

/** The name of a webhook's secret in the key service. */
export function webhookSecretName(id: string): string {
  return `webhook-${id}`;
}

function mac(secret: Buffer, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value signing `body` at `now`. */
export function signDelivery(secret: Buffer, body: string, now = new Date()): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/**
 * Checks a delivery's signature header against the body: null when it is valid (under any of the secrets, e.g. the
 * current and previous versions after a rotation), otherwise why not.
 */
export function verifyDelivery(secrets: readonly Buffer[], header: string | undefined, body: string, now = new Date(), toleranceS = SIGNATURE_TOLERANCE_S): string | null {
  if (!header) return `no ${SIGNATURE_HEADER} header`;
  const parts = new Map(header.split(',').map((p) => {
    const i = p.indexOf('=');
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
  }));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t)) return 'the signature has no timestamp t=<unix seconds>';
  if (Math.abs(now.getTime() / 1000 - t) > toleranceS) return `the signature's timestamp is more than ${toleranceS} s away from now`;
  if (!/^[0-9a-f]{64}$/.test(v1)) return 'the signature has no v1=<64 hex digits>';
  const given = Buffer.from(v1, 'hex');
  return secrets.some((s) => timingSafeEqual(Buffer.from(mac(s, t, body), 'hex'), given)) ? null : 'the signature does not match the body';
}
