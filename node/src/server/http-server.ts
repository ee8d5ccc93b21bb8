/**
 * The node's HTTP server: GraphQL over HTTP (Apollo Server) and over WebSocket (graphql-ws) at
 * /graphql, /healthz, and the portal (portal/build) at every other path. Request bodies are
 * bounded; a malformed body gets a clear 400.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { RequestContext, Services } from '../modules/context.js';
import { makeFormatError } from './format-error.js';
import { portalBuildDir, serveStatic } from './static-files.js';

const MAX_BODY = 16 * 1024 * 1024;

export interface HttpOptions {
  host: string;
  port: number;
  schema: GraphQLSchema;
  services: Services;
  log: Logger;
  /** The node's health; a status other than 'ok' answers 503 (load balancers and monitors take the node out). */
  health: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The portal's build folder served at `/` (default: portal/build of the workspace; null: none). */
  portalDir?: string | null;
}

function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(value.trim());
  return m?.[1];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error(`request body larger than ${MAX_BODY} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class HttpServer {
  private constructor(private readonly server: Server, private readonly apollo: ApolloServer<RequestContext>, private readonly closeWs: () => Promise<void>) {}

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}/graphql`;
  }

  /** The portal's URL (the node's root). */
  get portalUrl(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}/`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(opts: HttpOptions): Promise<HttpServer> {
    const { schema, services, log } = opts;
    const apollo = new ApolloServer<RequestContext>({ schema, formatError: makeFormatError(log), includeStacktraceInErrorResponses: false });
    await apollo.start();

    const portalDir = opts.portalDir === undefined ? portalBuildDir() : opts.portalDir;
    const contextFor = (authorization: unknown): RequestContext => ({ viewer: services.sessions.verify(bearer(authorization)), services });

    const server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname === '/healthz') {
          const health = await opts.health();
          return sendJson(res, health.status === 'ok' ? 200 : 503, health);
        }
        if (url.pathname !== '/graphql') return serveStatic(portalDir, req, res, url.pathname);
        let body: unknown = undefined;
        if (req.method === 'POST') {
          const text = await readBody(req);
          try {
            body = text === '' ? {} : JSON.parse(text);
          } catch (err) {
            return sendJson(res, 400, { errors: [{ message: `request body is not valid JSON: ${(err as Error).message}`, extensions: { code: 'MALFORMED_JSON' } }] });
          }
        }
        const headers = new HeaderMap();
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const result = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
          context: async () => contextFor(req.headers.authorization),
        });
        for (const [k, v] of result.headers) res.setHeader(k, v);
        res.statusCode = result.status ?? 200;
        if (result.body.kind === 'complete') {
          res.end(result.body.string);
        } else {
          for await (const chunk of result.body.asyncIterator) res.write(chunk);
          res.end();
        }
      })().catch((err: unknown) => {
        const status = (err as { status?: number }).status ?? 500;
        if (status === 500) log.error('request failed', { error: (err as Error).message });
        if (!res.headersSent) sendJson(res, status, { errors: [{ message: status === 500 ? 'internal error' : (err as Error).message }] });
        else res.destroy();
      });
    });

    const wss = new WebSocketServer({ server, path: '/graphql' });
    const formatError = makeFormatError(log);
    const ws = useServer<Record<string, unknown>>({
      schema,
      context: (ctx) => contextFor(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
    }, wss);

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
    return new HttpServer(server, apollo, async () => {
      await ws.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    });
  }

  async stop(): Promise<void> {
    await this.closeWs();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.apollo.stop();
  }
}
