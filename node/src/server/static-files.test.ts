import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../log.js';
import type { Services } from '../modules/context.js';
import { HttpServer } from './http-server.js';
import { buildSchema } from './schema.js';

/** A raw GET (fetch would normalise `..` away before sending). */
function get(port: number, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the node serves the portal at its root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-static-'));
  const build = join(dir, 'build');
  let server: HttpServer;
  let noPortal: HttpServer;
  // The GraphQL endpoint is only asked for its version here; no service is reached.
  const services = { sessions: { verify: () => undefined, onRevoked: () => () => undefined } } as unknown as Services;

  before(async () => {
    mkdirSync(join(build, 'assets'), { recursive: true });
    writeFileSync(join(build, 'index.html'), '<!doctype html><title>portal</title>');
    writeFileSync(join(build, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(join(build, 'assets', 'style-abc123.css'), 'body{}');
    writeFileSync(join(build, 'favicon.svg'), '<svg/>');
    writeFileSync(join(dir, 'secret.txt'), 'outside the build folder');
    const opts = { host: '127.0.0.1', port: 0, schema: buildSchema('test'), services, log: createLogger('static-test', 'silent'), health: () => ({ status: 'ok' }) };
    server = await HttpServer.start({ ...opts, portalDir: build });
    noPortal = await HttpServer.start({ ...opts, portalDir: join(dir, 'missing') });
  });

  after(async () => {
    await server.stop();
    await noPortal.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('index.html at / and the hashed assets with their content types and cache headers', async () => {
    const root = await get(server.port, '/');
    assert.equal(root.status, 200);
    assert.equal(root.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(root.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(root.headers['cache-control'], 'no-cache');
    assert.match(root.body, /<title>portal/);
    const js = await get(server.port, '/assets/app-abc123.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body, 'console.log(1)');
    assert.equal((await get(server.port, '/assets/style-abc123.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await get(server.port, '/favicon.svg')).headers['content-type'], 'image/svg+xml');
    const head = await get(server.port, '/assets/app-abc123.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '14');
    assert.equal(head.body, '');
  });

  test('paths without a file extension are pages of the portal (index.html); missing files are 404', async () => {
    for (const path of ['/feed', '/threat/incident--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b01', '/console?x=1']) {
      const r = await get(server.port, path);
      assert.equal(r.status, 200, path);
      assert.match(r.body, /<title>portal/, path);
    }
    const missing = await get(server.port, '/assets/nope.js');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /no file \/assets\/nope\.js/);
  });

  test('nothing outside the build folder is served, however the path is spelled', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt', '/%00index.html', '/%E0%A4%A']) {
      const r = await get(server.port, path);
      assert.ok(r.status === 400 || r.status === 404, `${path} → ${r.status}`);
      assert.doesNotMatch(r.body, /outside the build folder/, path);
    }
  });

  test('only GET and HEAD; GraphQL stays at /graphql and /healthz answers', async () => {
    assert.equal((await get(server.port, '/', 'DELETE')).status, 405);
    const res = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _version }' }),
    });
    assert.deepEqual(await res.json(), { data: { _version: 'test' } });
    assert.equal((await get(server.port, '/healthz')).status, 200);
    assert.equal(server.portalUrl, `http://127.0.0.1:${server.port}/`);
  });

  test('without a built portal, / says how to build it', async () => {
    const r = await get(noPortal.port, '/');
    assert.equal(r.status, 404);
    assert.match(r.body, /npm run build/);
  });
});
