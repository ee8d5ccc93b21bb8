/**
 * Bounded load per user and connection, on the four-agency demo, as a hostile client would try it:
 * over-size HTTP bodies and WebSocket messages, alias floods, introspection without signing in,
 * password guessing, sign-in over a WebSocket, and a token used after logout.
 */
import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { LOAD_BUDGET } from '../src/server/load-budget.js';
import { REQUEST_LIMITS } from '../src/server/request-limits.js';
import { gql, login, subscribe, tempDir, until, wsClient } from './support.js';

interface Err { message: string; extensions?: Record<string, unknown> & { code?: string } }

/** Opens a raw graphql-transport-ws connection; resolves once the server closes it. */
function rawWs(url: string): { socket: WebSocket; opened: Promise<void>; closed: Promise<{ code: number; reason: string }>; messages: unknown[] } {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: unknown[] = [];
  socket.on('message', (m) => messages.push(JSON.parse(String(m))));
  socket.on('error', () => undefined);
  return {
    socket,
    messages,
    opened: new Promise((resolve) => socket.once('open', () => resolve())),
    closed: new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }))),
  };
}

/** POSTs a body of `bytes` bytes, optionally without a Content-Length (chunked); never throws on a reset. */
function postLarge(url: string, bytes: number, chunked: boolean): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': bytes }) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    req.write('{"query":"{ _version }","x":"');
    pump();
  });
}

/** Starts a POST whose body never finishes (the node waits for it); resolves with the request, to abort later. */
function stalledPost(url: string, token: string): ClientRequest {
  const u = new URL(url);
  const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 1000, authorization: `Bearer ${token}` } });
  req.on('error', () => undefined);
  req.write('{"query":"{ _version }", "x": "');
  return req;
}

/** Sends raw bytes over one TCP connection: headers with a large Content-Length, then a chunk every 20 ms; resolves with what came back and when the node closed it. */
function tricklingPost(url: string, contentLength: number): Promise<{ answer: string; closedAfterMs: number }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(`POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`);
      const timer = setInterval(() => socket.write(Buffer.alloc(16 * 1024, 0x20)), 20);
      socket.once('close', () => {
        clearInterval(timer);
        resolve({ answer, closedAfterMs: Date.now() - started });
      });
    });
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
  });
}

/** Waits until requests from this address (not signed in) are no longer refused with 429 (a refused one is answered after 1 s). */
async function addressServed(url: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _version }' }) });
    await res.arrayBuffer();
    if (res.status !== 429) return;
  }
  throw new Error('the address is still refused after 20 tries');
}

describe('bounded load per user and connection', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-bounded-');
  const tokens: Record<string, string> = {};
  const pn = (): string => cluster.nodes.pn.url;

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const user of ['pn-analyst', 'pn-auditor', 'pn-operator']) tokens[user] = await login(pn(), user);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  for (const chunked of [false, true]) {
    test(`an over-size HTTP body gets 413 with a JSON error, not a reset (${chunked ? 'chunked' : 'with Content-Length'})`, async () => {
      const r = await postLarge(pn(), REQUEST_LIMITS.maxBodyBytes + 1024 * 1024, chunked);
      assert.ok('status' in r, `the client got ${JSON.stringify(r)}`);
      assert.equal(r.status, 413);
      const body = JSON.parse(r.body) as { errors: Err[] };
      assert.equal(body.errors[0]?.extensions?.code, 'PAYLOAD_TOO_LARGE');
      assert.equal(body.errors[0]?.extensions?.limit, REQUEST_LIMITS.maxBodyBytes);
      assert.deepEqual((await gql(pn(), '{ me { username } }', {}, tokens['pn-auditor'])).errors, undefined, 'the node serves the next request');
    });
  }

  test('a WebSocket message over the limit closes the connection with 1009, before and after connection_init', async () => {
    const big = 'x'.repeat(REQUEST_LIMITS.maxBodyBytes + 1024);
    const before = rawWs(pn());
    await before.opened;
    before.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: big } }));
    assert.equal((await before.closed).code, 1009);

    const afterInit = rawWs(pn());
    await afterInit.opened;
    afterInit.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens['pn-analyst']}` } }));
    await until('connection_ack on afterInit', async () => afterInit.messages.some((m) => (m as { type: string }).type === 'connection_ack'), 10_000);
    afterInit.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { alerts { id } } # ${big}` } }));
    assert.equal((await afterInit.closed).code, 1009, '1009: Message Too Big');
    assert.deepEqual((await gql(pn(), '{ me { username } }', {}, tokens['pn-auditor'])).errors, undefined, 'the node serves the next request');
    // Each over-size message was charged to the address as a whole one: it is served again once it has paid.
    await addressServed(pn());
  });

  test('1,000 aliases of threats(first: 200) are refused with QUERY_TOO_COMPLEX, nothing executed or audited', async () => {
    const entries = async (): Promise<number> => {
      const r = await gql<{ auditLog: { edges: unknown[] } }>(pn(), 'query { auditLog(filter: { actor: "pn-analyst" }, first: 200) { edges { cursor } } }', {}, tokens['pn-auditor']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      return r.data!.auditLog.edges.length;
    };
    const before = await entries();
    const q = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: threats(first: 200) { edges { node { id } } }`).join(' ')} }`;
    const started = Date.now();
    const r = await gql(pn(), q, {}, tokens['pn-analyst']);
    const ms = Date.now() - started;
    assert.equal(r.data ?? null, null);
    const err = r.errors?.[0] as Err;
    assert.equal(err.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(r.errors));
    assert.equal(err.extensions?.limit, 'tokens', 'too large to be parsed at all');
    assert.equal(await entries(), before, 'no consultation was audited');
    assert.ok(ms < 2000, `refused in ${ms} ms`);

    const aliases = await gql(pn(), `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: threats(first: 200) { edges { node { id } } }`).join(' ')} }`, {}, tokens['pn-analyst']);
    assert.equal((aliases.errors?.[0] as Err).extensions?.limit, 'aliases');
    assert.match((aliases.errors?.[0] as Err).message, /limit is 30/);

    const cost = await gql(pn(), `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: threats(first: 200) { edges { node { id sightings { id } } } }`).join(' ')} }`, {}, tokens['pn-analyst']);
    assert.equal((cost.errors?.[0] as Err).extensions?.limit, 'cost');
    assert.equal(await entries(), before);
  });

  test('the same limits hold over a WebSocket', async () => {
    const client = wsClient(pn(), tokens['pn-analyst'] as string);
    const sub = subscribe(client, `subscription { ${Array.from({ length: 40 }, (_, i) => `a${i}: alerts { id }`).join(' ')} }`);
    await until('an error on the subscription', async () => sub.errors.length > 0, 10_000);
    assert.match(JSON.stringify(sub.errors), /QUERY_TOO_COMPLEX/);
    await sub.stop();
  });

  test('introspection is for signed-in users only', async () => {
    const anon = await gql(pn(), '{ __schema { queryType { name } } }');
    assert.equal((anon.errors?.[0] as Err | undefined)?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(anon));
    const viaFragment = await gql(pn(), 'query { ...F } fragment F on Query { __type(name: "Threat") { name } }');
    assert.equal((viaFragment.errors?.[0] as Err | undefined)?.extensions?.code, 'UNAUTHENTICATED');
    const signedIn = await gql<{ __schema: { queryType: { name: string } } }>(pn(), '{ __schema { queryType { name } } }', {}, tokens['pn-analyst']);
    assert.equal(signedIn.data?.__schema.queryType.name, 'Query');
    assert.deepEqual((await gql(pn(), '{ __typename _version }')).errors, undefined);

    const ws = rawWs(pn());
    await ws.opened;
    ws.socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await until('connection_ack on ws', async () => ws.messages.some((m) => (m as { type: string }).type === 'connection_ack'), 10_000);
    ws.socket.send(JSON.stringify({ id: 'i', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } }));
    await until('error on ws', async () => ws.messages.some((m) => (m as { type: string }).type === 'error'), 10_000);
    assert.match(JSON.stringify(ws.messages), /UNAUTHENTICATED/);
    ws.socket.close();
  });

  test('sign-in is refused over a WebSocket, signed in or not', async () => {
    const ws = rawWs(pn());
    await ws.opened;
    ws.socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await until('connection_ack on ws', async () => ws.messages.some((m) => (m as { type: string }).type === 'connection_ack'), 10_000);
    ws.socket.send(JSON.stringify({ id: 'l', type: 'subscribe', payload: { query: 'mutation { x: login(username: "pn-analyst", password: "demo") { token } }' } }));
    await until('next on ws', async () => ws.messages.some((m) => (m as { type: string }).type === 'next'), 10_000);
    const next = ws.messages.find((m) => (m as { type: string }).type === 'next') as { payload: { data: unknown; errors: Err[] } };
    assert.equal(next.payload.data, null);
    assert.equal(next.payload.errors[0]?.extensions?.code, 'LOGIN_OVER_HTTP_ONLY');
    ws.socket.close();
  });

  test('password guessing locks the user with a retry-after and an audit entry; the right password is refused meanwhile', async () => {
    const attempt = (password: string) => gql(pn(), 'mutation($p: String!) { login(username: "pn-operator", password: $p) { token } }', { p: password });
    for (let i = 0; i < 4; i++) assert.equal(((await attempt(`guess-${i}`)).errors?.[0] as Err).extensions?.code, 'UNAUTHENTICATED');
    const locking = (await attempt('guess-5')).errors?.[0] as Err;
    assert.equal(locking.extensions?.code, 'LOGIN_RATE_LIMITED');
    assert.equal(locking.extensions?.retryAfterSeconds, 900);
    const right = (await attempt('demo')).errors?.[0] as Err;
    assert.equal(right.extensions?.code, 'LOGIN_RATE_LIMITED', 'locked even with the right password');
    assert.ok(Number(right.extensions?.retryAfterSeconds) > 0);

    const log = await gql<{ auditLog: { edges: { node: { actor: string; action: string; details: { event: string; address: string; locked?: { scope: string; seconds: number }[] } } }[] } }>(pn(),
      'query { auditLog(filter: { actor: "pn-operator", action: AUTHENTICATION }) { edges { node { actor action details } } } }', {}, tokens['pn-auditor']);
    assert.equal(log.errors, undefined, JSON.stringify(log.errors));
    const events = log.data!.auditLog.edges.map((e) => e.node);
    assert.equal(events.length, 5, 'one entry per refused password, none for the attempts refused while locked');
    assert.ok(events.every((e) => e.action === 'AUTHENTICATION' && e.details.event === 'login-failed' && e.details.address === '127.0.0.1'));
    assert.deepEqual(events[0]?.details.locked, [{ scope: 'user', seconds: 900, failures: 5 }]);
  });

  test('logout revokes the token: requests and WebSocket connections with it are refused afterwards', async () => {
    const token = await login(pn(), 'pn-analyst');
    const ws = rawWs(pn());
    await ws.opened;
    ws.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await until('connection_ack on ws', async () => ws.messages.some((m) => (m as { type: string }).type === 'connection_ack'), 10_000);

    const out = await gql<{ logout: boolean }>(pn(), 'mutation { logout }', {}, token);
    assert.equal(out.data?.logout, true, JSON.stringify(out.errors));
    const me = await gql(pn(), '{ me { username } }', {}, token);
    assert.equal((me.errors?.[0] as Err).extensions?.code, 'UNAUTHENTICATED');
    assert.deepEqual(await ws.closed, { code: 4401, reason: 'signed out: token revoked' });
    assert.ok((await gql(pn(), '{ me { username } }', {}, tokens['pn-analyst'])).data, 'the user\'s other sessions go on');

    const log = await gql<{ auditLog: { edges: { node: { details: { event: string } } }[] } }>(pn(),
      'query { auditLog(filter: { actor: "pn-analyst", action: AUTHENTICATION }) { edges { node { details } } } }', {}, tokens['pn-auditor']);
    assert.deepEqual(log.data?.auditLog.edges.map((e) => e.node.details.event), ['logout']);
  });

  test('a user who keeps asking for too much is refused with 429 before the body is read; others are not', async () => {
    const bomb = `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: threats(first: 200) { edges { node { id sightings { id } } } }`).join(' ')} }`;
    let limited: Response | null = null;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await fetch(pn(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens['pn-analyst']}` }, body: JSON.stringify({ query: bomb }) });
      if (res.status === 429) limited = res;
      else assert.equal(((await res.json()) as { errors: Err[] }).errors[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    }
    assert.ok(limited, 'refused operations are charged their whole cost');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const body = (await limited.json()) as { errors: Err[] };
    assert.equal(body.errors[0]?.extensions?.code, 'RATE_LIMITED');
    assert.ok(Number(body.errors[0]?.extensions?.retryAfterSeconds) >= 1);
    assert.ok((await gql(pn(), '{ me { username } }', {}, tokens['pn-auditor'])).data, 'another user is not limited');
  });

  test('a flood of refused publishes runs the user\'s budget dry: 429 after a few dozen, others are served', async () => {
    const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }';
    const now = new Date().toISOString();
    const poison = {
      type: 'bundle', id: 'bundle--8a3b0a3c-1d9e-4a57-9a43-5c1e0c3b2a11', objects: [{
        type: 'note', spec_version: '2.1', id: 'note--0c6e1b0e-5c4a-4b5e-8f0e-3b7a9d2c1e44', created: now, modified: '9999-12-31T23:59:59.999Z',
        content: 'controller\u0000hidden', object_refs: ['identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01'],
      }],
    };
    const codes: string[] = [];
    for (let i = 0; i < 300 && !codes.includes('RATE_LIMITED'); i++) {
      const res = await fetch(pn(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens['pn-operator']}` }, body: JSON.stringify({ query: PUBLISH, variables: { b: poison } }) });
      const body = (await res.json()) as { errors: Err[] };
      codes.push(String(body.errors[0]?.extensions?.code));
    }
    assert.equal(codes[0], 'INVALID_BUNDLE');
    const refused = codes.filter((c) => c === 'INVALID_BUNDLE').length;
    assert.ok(codes.includes('RATE_LIMITED'), `${refused} refused publishes and still not limited`);
    const burst = LOAD_BUDGET.burst / LOAD_BUDGET.refusal;
    assert.ok(refused >= burst && refused < burst * 3, `${refused} refusals before the 429 (each costs ${LOAD_BUDGET.refusal} of ${LOAD_BUDGET.burst})`);
    assert.ok((await gql(pn(), '{ me { username } }', {}, tokens['pn-auditor'])).data, 'another user is served');
  });

  test('one user\'s requests run a few at a time: the others wait their turn, past the queue they get 429 at once; other users are served meanwhile', async () => {
    const token = tokens['pn-analyst'] as string;
    const stalled = Array.from({ length: LOAD_BUDGET.maxConcurrent + LOAD_BUDGET.maxQueued }, () => stalledPost(pn(), token));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const res = await fetch(pn(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ me { username } }' }) });
    assert.equal(res.status, 429, 'the place in the queue is refused');
    assert.equal(((await res.json()) as { errors: Err[] }).errors[0]?.extensions?.code, 'RATE_LIMITED');
    assert.ok(Date.now() - started < 1000, 'refused at once');
    assert.ok((await gql(pn(), '{ me { username } }', {}, tokens['pn-auditor'])).data, 'another user is served');

    // A request in the queue is answered once one of the running ones ends.
    for (const req of stalled.slice(LOAD_BUDGET.maxConcurrent)) req.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const waiting = gql<{ me: { username: string } }>(pn(), '{ me { username } }', {}, token);
    const first = await Promise.race([waiting.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 500))]);
    assert.equal(first, 'waiting', 'the user\'s maxConcurrent places are taken');
    stalled[0]?.destroy();
    assert.equal((await waiting).data?.me.username, 'pn-analyst');
    for (const req of stalled) req.destroy();
  });

  test('over-size bodies: refused without being read, the connection cut soon after the 413, charged to the sender, whose next requests (HTTP or WebSocket) get 429 before any read', async () => {
    // A client that keeps trickling its body is cut off shortly after the answer, not read for seconds.
    const trickle = await tricklingPost(pn(), REQUEST_LIMITS.maxBodyBytes + 1);
    assert.match(trickle.answer, /^HTTP\/1\.1 413/);
    assert.match(trickle.answer, /connection: close/i);
    assert.ok(trickle.closedAfterMs < 2000, `closed after ${trickle.closedAfterMs} ms`);

    // Each refusal is charged as a whole body: a repeat offender is soon refused with 429.
    const statuses: number[] = [];
    for (let i = 0; i < 10 && !statuses.includes(429); i++) {
      const r = await postLarge(pn(), REQUEST_LIMITS.maxBodyBytes + 1024, false);
      if ('status' in r) statuses.push(r.status);
    }
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(', ')}`);
    assert.ok(statuses.filter((x) => x === 413).length <= Math.ceil(LOAD_BUDGET.burst / (REQUEST_LIMITS.maxBodyBytes / LOAD_BUDGET.bytesPerUnit)) + 1);
    // Over-size WebSocket messages are charged the same way (six at once put the address seconds in debt):
    // then a WebSocket upgrade is refused too, as is the next HTTP request.
    const faults = Array.from({ length: 6 }, () => rawWs(pn()));
    await Promise.all(faults.map((f) => f.opened));
    for (const f of faults) f.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'x'.repeat(REQUEST_LIMITS.maxBodyBytes + 1024) } }));
    assert.deepEqual(await Promise.all(faults.map(async (f) => (await f.closed).code)), Array(6).fill(1009));
    const ws = new WebSocket(pn().replace(/^http/, 'ws'), 'graphql-transport-ws');
    const [limited, upgrade] = await Promise.all([
      fetch(pn(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _version }' }) }),
      new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.on('error', () => undefined);
      }),
    ]);
    ws.terminate();
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1);
    assert.equal(upgrade, 429, 'the address is refused the WebSocket upgrade too');
    assert.ok((await gql(pn(), '{ me { username } }', {}, tokens['pn-auditor'])).data, 'a signed-in user is served');
    // The address is served again once it has paid.
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 500));
    assert.deepEqual((await gql(pn(), '{ _version }')).errors, undefined);
  });
});
