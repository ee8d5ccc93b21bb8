/**
 * The plain HTTP side of the node's server, shared by GraphQL and the routes beside it: a bounded request body, a
 * JSON answer, a refusal that closes the connection after a short drain, the client's address and bearer token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * After a refusal (413, 429) the rest of the body is read and dropped for at most DRAIN_MS or
 * DRAIN_BYTES, whichever comes first, so that a client that is still sending has time to read the
 * answer; then the connection is closed (a client that goes on sending gets a reset).
 */
export const DRAIN_MS = 200;
const DRAIN_BYTES = 256 * 1024;

export function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(value.trim());
  return m?.[1];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class BodyTooLarge extends Error {
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/**
 * The request body as text, or BodyTooLarge as soon as its Content-Length, or what has come of it,
 * passes `limit`; nothing more is read or kept then (the refusal closes the connection).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) return reject(new BodyTooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      over = true;
      chunks.length = 0;
      req.off('data', onData);
      req.pause();
      reject(new BodyTooLarge(limit));
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!over) reject(err);
    });
  });
}

/**
 * Answers a refused request with `Connection: close`; if the client is still sending, the rest of its
 * body is read and dropped for at most DRAIN_MS / DRAIN_BYTES (so that it can read the answer), then
 * the connection is closed. `drained` gets the bytes read meanwhile (charged to the sender).
 */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string>, drained: (bytes: number) => void): void {
  res.setHeader('connection', 'close');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  sendJson(res, status, body);
  if (req.complete) return;
  let bytes = 0;
  const close = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    req.pause();
    drained(bytes);
    if (res.writableFinished) req.socket.destroy();
    else res.once('finish', () => req.socket.destroy());
  };
  const onData = (c: Buffer): void => {
    bytes += c.length;
    if (bytes >= DRAIN_BYTES) close();
  };
  const timer = setTimeout(close, DRAIN_MS);
  timer.unref();
  req.on('data', onData);
  req.once('end', () => {
    clearTimeout(timer);
    req.off('data', onData);
    drained(bytes);
  });
  req.resume();
}

/** The client's address as the socket sees it (proxies' X-Forwarded-For is not trusted). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
