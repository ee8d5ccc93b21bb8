import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../log.js';
import type { Services } from '../modules/context.js';
import { HttpServer, type HttpRoute, type RouteRequest } from './http-server.js';
import { buildSchema } from './schema.js';

describe('HTTP routes beside GraphQL (partner interfaces)', () => {
  let server: HttpServer;
  const seen: { method: string; path: string; body: string }[] = [];
  const route: HttpRoute = {
    prefix: '/partner',
    async handle({ req, res, url, body }: RouteRequest) {
      seen.push({ method: req.method ?? '', path: url.pathname, body });
      if (url.pathname === '/partner/refuse') throw Object.assign(new Error('no such thing'), { status: 404 });
      if (url.pathname === '/partner/crash') throw new Error('secret detail of a bug');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${url.pathname}`);
    },
  };
  const services = { sessions: { verify: () => undefined, onRevoked: () => () => undefined } } as unknown as Services;
  const base = (): string => `http://127.0.0.1:${server.port}`;

  before(async () => {
    server = await HttpServer.start({
      host: '127.0.0.1', port: 0, schema: buildSchema('test'), services, log: createLogger('routes-test', 'silent'),
      health: () => ({ status: 'ok' }), portalDir: null, routes: [route], limits: { maxBodyBytes: 1024 },
    });
  });
  after(() => server.stop());

  test('the prefix and everything below it reach the route, with the body; other paths do not', async () => {
    assert.equal(await (await fetch(`${base()}/partner`)).text(), 'ok /partner');
    const posted = await fetch(`${base()}/partner/a/b?x=1`, { method: 'POST', body: 'hello' });
    assert.equal(await posted.text(), 'ok /partner/a/b');
    assert.deepEqual(seen.at(-1), { method: 'POST', path: '/partner/a/b', body: 'hello' });
    const n = seen.length;
    const other = await fetch(`${base()}/partnership`);
    assert.notEqual(await other.text(), 'ok /partnership');
    assert.equal(seen.length, n, '/partnership is not under /partner');
  });

  test('a body over the limit is refused with 413 before the route sees it', async () => {
    const n = seen.length;
    const r = await fetch(`${base()}/partner/big`, { method: 'POST', body: 'x'.repeat(4096) });
    assert.equal(r.status, 413);
    assert.equal(((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(seen.length, n);
  });

  test('a route\'s error with a status is sent as that status; any other error is 500 without its detail', async () => {
    const refused = await fetch(`${base()}/partner/refuse`);
    assert.equal(refused.status, 404);
    assert.match(await refused.text(), /no such thing/);
    const crashed = await fetch(`${base()}/partner/crash`);
    assert.equal(crashed.status, 500);
    assert.doesNotMatch(await crashed.text(), /secret detail/);
  });
});
