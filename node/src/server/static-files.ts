/**
 * The portal's static files (portal/build), served at the node's root URL: correct content types,
 * hashed assets cached for a year, index.html for every other path without a file extension (the
 * portal routes in the browser), and nothing outside the build folder (a path that decodes to
 * `..` or escapes the folder is refused with 400/404, never read).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The portal may talk to its own node only (HTTP and WebSocket on the same origin); no inline
 * scripts, no third-party anything. Inline style attributes are allowed (React's `style`).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
  "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/** portal/build of the workspace, or null when the portal package cannot be found. */
export function portalBuildDir(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@popart/portal/package.json')), 'build');
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff' });
  res.end(head ? undefined : body);
}

async function fileAt(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Serves one GET/HEAD request from the portal's build folder. */
export async function serveStatic(root: string | null, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', `method ${req.method} not allowed here; the API is at POST /graphql\n`, head);
  }
  if (!root || (await fileAt(join(root, 'index.html'))) === null) {
    return send(res, 404, 'text/plain; charset=utf-8', 'The portal is not built: run `npm run build` at the repository root. The API is at /graphql.\n', head);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return send(res, 400, 'text/plain; charset=utf-8', 'malformed path\n', head);
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((part) => part === '..')) {
    return send(res, 400, 'text/plain; charset=utf-8', 'path not allowed\n', head);
  }
  const base = resolve(root);
  let file = resolve(base, `.${decoded}`);
  if (file !== base && !file.startsWith(base + sep)) return send(res, 400, 'text/plain; charset=utf-8', 'path not allowed\n', head);
  let size = file === base ? null : await fileAt(file);
  if (size === null) {
    // A missing file with an extension is a 404; any other path is a page of the portal.
    if (extname(decoded) !== '') return send(res, 404, 'text/plain; charset=utf-8', `no file ${decoded}\n`, head);
    file = join(base, 'index.html');
    size = await fileAt(file);
    if (size === null) return send(res, 404, 'text/plain; charset=utf-8', 'The portal is not built.\n', head);
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const hashed = file.startsWith(join(base, 'assets') + sep);
  res.writeHead(200, {
    'content-type': type,
    'content-length': size,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(type.startsWith('text/html') ? { 'content-security-policy': CSP, 'x-frame-options': 'DENY' } : {}),
  });
  if (head) return void res.end();
  await new Promise<void>((ok, fail) => {
    const stream = createReadStream(file);
    stream.on('error', fail);
    stream.on('end', ok);
    stream.pipe(res);
  });
}
