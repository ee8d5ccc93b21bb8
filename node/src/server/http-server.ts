/**
 * The node's HTTP server: GraphQL over HTTP (Apollo Server) and over WebSocket (graphql-ws) at
 * /graphql, /healthz, the partner interfaces given as routes (HttpRoute, each under its prefix), and the portal
 * (portal/build) at every other path.
 *
 * Bounded load (request-limits.ts): an HTTP body over the limit gets 413 with a JSON error, a
 * WebSocket message over it closes the connection with 1009; every operation, on either transport,
 * passes the depth/alias/field/cost rule before it executes; introspection needs a signed-in user;
 * a connection runs a bounded number of operations at once. A malformed body gets a clear 400.
 *
 * The refusals are the cheapest path through the server, so that no kind of request from one user can
 * take the event loop from the others (bench/hostile): a user's (or, before sign-in, an address's)
 * requests run a few at a time (load-budget.ts), an empty budget is refused before the body is read,
 * an over-size body from its Content-Length (or as soon as it passes the limit) and charged to the
 * sender's budget as a full body; a refused request's connection is closed after a short bounded
 * drain, not read to its end; log lines about refusals are throttled.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import type { RequestContext, Services } from '../modules/context.js';
import { makeFormatError } from './format-error.js';
import { LoadBudget, TooManyAtOnce, type LoadBudgetOptions } from './load-budget.js';
import { LogThrottle } from './log-throttle.js';
import { isRefusalCode } from './refusal-codes.js';
import type { QueryAnswer, QueryPool } from './query-pool.js';
import { asksIntrospection, introspectionRefused, isTooComplex, operationCost, operationLimitsRule, REQUEST_LIMITS, type RequestLimits } from './request-limits.js';
import { portalBuildDir, serveStatic } from './static-files.js';
import { bearer, BodyTooLarge, clientAddress, DRAIN_MS, readBody, refuse, sendJson } from './http-io.js';

/** Whether an error (a GraphQLError, maybe wrapping a NodeError) refuses what the user sent. */
function isRefusal(error: GraphQLError): boolean {
  const original = error.originalError as { code?: unknown } | undefined;
  const code = typeof original?.code === 'string' ? original.code : error.extensions.code;
  return typeof code === 'string' && isRefusalCode(code);
}

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
  /** Request limits (default REQUEST_LIMITS). */
  limits?: Partial<RequestLimits>;
  /** Work per user or address over time (default LOAD_BUDGET). */
  budget?: Partial<LoadBudgetOptions>;
  /** Other HTTP interfaces of the node (partner protocols), each under its own path prefix. */
  routes?: readonly HttpRoute[];
  /** Query workers (query-pool.ts): the read-only operations they take run there; without, everything runs here. */
  queries?: OffThreadQueries | null;
}

/** Where read-only operations run off the node's thread (QueryPool). */
export type OffThreadQueries = Pick<QueryPool, 'accepts' | 'execute'>;

/**
 * Hands the operations a query worker takes to the pool, after every check (limits, introspection, budget: the plugins
 * before it): the worker's answer, already serialised, is kept for the request's context and sent as it is.
 */
function offThreadPlugin(queries: OffThreadQueries, budget: LoadBudget, answers: WeakMap<object, QueryAnswer>): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ contextValue, operation, document, source, request }) {
          if (!contextValue.exchange || !operation || !queries.accepts(operation, document)) return null;
          const answer = await queries.execute(
            { query: source, ...(request.variables ? { variables: request.variables } : {}), ...(request.operationName ? { operationName: request.operationName } : {}) },
            contextValue.viewer, contextValue.clientAddress ?? 'unknown', request.http?.headers.get('accept'));
          if (answer.refusal) budget.charge(principal(contextValue), budget.options.refusal);
          answers.set(contextValue.exchange, answer);
          return { http: { status: answer.status, headers: new HeaderMap() }, body: { kind: 'single', singleResult: {} } };
        },
      };
    },
  };
}

/** What an HttpRoute handles: the request, its URL, and its body as text ('' without one), already bounded and charged. */
export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: string;
  /** The address the request came from (for audit and logs). */
  clientAddress: string;
}

/**
 * An HTTP interface beside GraphQL (e.g. TAXII at /taxii2, feeds). It gets the same bounded load as /graphql: requests
 * run a few at a time per principal, an exhausted budget is refused with 429 before the body is read, bodies over the
 * limit get 413. It authenticates and answers itself; an error with a numeric `status` (and an `expose`d message) is
 * sent as that status — with the error's own `response` (its protocol's error format) when it has one — and anything
 * else as 500 "internal error". A refusal (4xx) thrown by the route costs what a refused GraphQL operation costs.
 */
export interface HttpRoute {
  /** Path prefix without a trailing slash, e.g. "/taxii2"; matches the prefix itself and everything below it. */
  readonly prefix: string;
  handle(request: RouteRequest): Promise<void>;
}

/** How a route's error is sent in its protocol's format (e.g. a TAXII error message): set on the error as `response`. */
export interface RouteErrorResponse {
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The client closed the connection while its request waited for its turn. */
class ClientGone extends Error {}

class OverBudget extends Error {
  constructor(readonly waitMs: number) {
    super('too much work asked of this node by this user (or address) lately');
  }
}

/** Whose budget a request draws on: the signed-in user's, else the address's. */
function principal(ctx: Pick<RequestContext, 'viewer' | 'clientAddress'>): string {
  return ctx.viewer ? `user:${ctx.viewer.agency.key}:${ctx.viewer.username}` : `address:${ctx.clientAddress ?? 'unknown'}`;
}

/** Charges each operation's estimated cost, and the whole maxCost for one refused as too complex. */
function budgetPlugin(budget: LoadBudget, limits: RequestLimits): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operationName, schema }) {
          budget.charge(principal(contextValue), operationCost(schema, document, operationName, limits));
        },
        async didEncounterErrors({ contextValue, errors }) {
          if (errors.some(isTooComplex)) budget.charge(principal(contextValue), limits.maxCost);
          else if (errors.some(isRefusal)) budget.charge(principal(contextValue), budget.options.refusal);
        },
      };
    },
  };
}

/** Refuses introspection without a signed-in user (HTTP). */
function introspectionPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document }) {
          if (!contextValue.viewer && asksIntrospection(document)) throw introspectionRefused();
        },
      };
    },
  };
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
    const limits: RequestLimits = { ...REQUEST_LIMITS, ...opts.limits };
    const limitsRule = operationLimitsRule(limits);
    const budget = new LoadBudget(opts.budget);
    const throttled = new LogThrottle(log);
    const answers = new WeakMap<object, QueryAnswer>();
    const apollo = new ApolloServer<RequestContext>({
      schema,
      formatError: makeFormatError(log),
      includeStacktraceInErrorResponses: false,
      parseOptions: { maxTokens: limits.maxTokens },
      validationRules: [limitsRule],
      // Apollo's cache-control plugin times every field of every answer to compute a caching hint the node never gives:
      // off, and each GraphQL answer says no-store itself (below).
      plugins: [ApolloServerPluginCacheControlDisabled(), introspectionPlugin(), budgetPlugin(budget, limits), ...(opts.queries ? [offThreadPlugin(opts.queries, budget, answers)] : [])],
    });
    await apollo.start();

    const portalDir = opts.portalDir === undefined ? portalBuildDir() : opts.portalDir;
    const contextFor = (authorization: unknown, transport: 'http' | 'ws', address: string): RequestContext => {
      const token = bearer(authorization);
      return { viewer: services.sessions.verify(token), services, transport, clientAddress: address, ...(token ? { token } : {}) };
    };

    const server = createServer((req, res) => {
      let who: string | undefined;
      const chargeDrained = (bytes: number): void => {
        if (who) budget.charge(who, bytes / budget.options.bytesPerUnit);
      };
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname === '/healthz') {
          const health = await opts.health();
          return sendJson(res, health.status === 'ok' ? 200 : 503, health);
        }
        const route = opts.routes?.find((r) => url.pathname === r.prefix || url.pathname.startsWith(`${r.prefix}/`));
        if (url.pathname !== '/graphql' && !route) return serveStatic(portalDir, req, res, url.pathname);
        // A few requests of one principal at a time; an exhausted budget is refused before the body is read.
        who = principal({ viewer: services.sessions.verify(bearer(req.headers.authorization)), clientAddress: clientAddress(req) });
        const gone = new AbortController();
        const place: { leave?: () => void } = {};
        res.once('close', () => {
          // (an answer that was sent whole closes too: nothing is left to stop, and no error is made for it)
          if (!res.writableFinished) gone.abort(new ClientGone());
          place.leave?.();
        });
        place.leave = await budget.enter(who, gone.signal);
        if (gone.signal.aborted) return place.leave();
        const waitMs = budget.waitMs(who);
        if (waitMs > 0) {
          // Held back (unread), so that a client retrying at once cannot make the node spin on refusals.
          await sleep(budget.options.maxDelayMs);
          throw new OverBudget(Math.max(1, budget.waitMs(who)));
        }
        budget.charge(who, budget.options.perRequest);
        let body: unknown = undefined;
        let text = '';
        if (req.method === 'POST' || req.method === 'PUT') {
          try {
            text = await readBody(req, limits.maxBodyBytes);
          } catch (err) {
            // Charged as a whole body: a sender who repeats it is soon refused (429) before anything is read.
            if (err instanceof BodyTooLarge) budget.charge(who, limits.maxBodyBytes / budget.options.bytesPerUnit + budget.options.refusal);
            throw err;
          }
          budget.charge(who, Buffer.byteLength(text) / budget.options.bytesPerUnit);
        }
        // (the principal's place is given back when the response closes, as for GraphQL)
        if (route) return await route.handle({ req, res, url, body: text, clientAddress: clientAddress(req) });
        if (req.method === 'POST') {
          try {
            body = text === '' ? {} : JSON.parse(text);
          } catch (err) {
            budget.charge(who, budget.options.refusal);
            return sendJson(res, 400, { errors: [{ message: `request body is not valid JSON: ${(err as Error).message}`, extensions: { code: 'MALFORMED_JSON' } }] });
          }
        }
        const headers = new HeaderMap();
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const exchange = {};
        const context: RequestContext = { ...contextFor(req.headers.authorization, 'http', clientAddress(req)), exchange };
        const result = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
          context: async () => context,
        });
        const answer = answers.get(exchange);
        // What an agency's node answers is for the user who asked, at the time they asked: never kept by a browser or proxy.
        if (answer) {
          res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(answer.body)) });
          return void res.end(answer.body);
        }
        for (const [k, v] of result.headers) res.setHeader(k, v);
        res.setHeader('cache-control', 'no-store');
        res.statusCode = result.status ?? 200;
        if (result.body.kind === 'complete') {
          res.end(result.body.string);
        } else {
          for await (const chunk of result.body.asyncIterator) res.write(chunk);
          res.end();
        }
      })().catch((err: unknown) => {
        if (err instanceof ClientGone) return;
        if (err instanceof OverBudget || err instanceof TooManyAtOnce) {
          const seconds = err instanceof OverBudget ? Math.max(1, Math.ceil(err.waitMs / 1000)) : 1;
          return refuse(req, res, 429, { errors: [{ message: `${err.message}: try again in ${seconds} s`, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } }] }, { 'retry-after': String(seconds) }, chargeDrained);
        }
        if (err instanceof BodyTooLarge) {
          return refuse(req, res, 413, { errors: [{ message: `${err.message}: send less (a bundle in several publishes)`, extensions: { code: 'PAYLOAD_TOO_LARGE', limit: err.limit } }] }, {}, chargeDrained);
        }
        const status = (err as { status?: number }).status ?? 500;
        if (status === 500) throttled.error('request failed', { error: (err as Error).message });
        // a route's refusal (bad credentials, bad input) costs what a refused GraphQL operation costs; not a missing
        // object or a conflict, which ordinary work runs into (as for GraphQL's REFUSAL_CODES)
        else if (status >= 400 && status < 500 && status !== 404 && status !== 409 && who) budget.charge(who, budget.options.refusal);
        const own = status === 500 ? undefined : (err as { response?: RouteErrorResponse }).response;
        if (!res.headersSent && own) {
          res.writeHead(status, { ...own.headers, 'content-type': own.contentType, 'content-length': String(Buffer.byteLength(own.body)) });
          res.end(own.body);
        } else if (!res.headersSent) sendJson(res, status, { errors: [{ message: status === 500 ? 'internal error' : (err as Error).message }] });
        else res.destroy();
      });
    });

    // maxPayload: ws closes a connection whose message passes it with 1009 "Max payload size exceeded",
    // before or after connection_init, without buffering the message. An address whose budget is empty
    // gets 429 instead of the upgrade (a connection's operations are charged to its user, onSubscribe).
    const wss = new WebSocketServer({
      server, path: '/graphql', maxPayload: limits.maxBodyBytes,
      verifyClient: ({ req }, done) => {
        const who = `address:${clientAddress(req)}`;
        const waitMs = budget.waitMs(who);
        if (waitMs > 0) {
          // Held back as over HTTP, so that reconnecting at once does not make the node spin.
          setTimeout(() => done(false, 429, 'Too Many Requests', { 'Retry-After': String(Math.max(1, Math.ceil(budget.waitMs(who) / 1000))) }), budget.options.maxDelayMs);
          return;
        }
        budget.charge(who, budget.options.perRequest);
        done(true);
      },
    });
    const formatError = makeFormatError(log);
    type Extra = { socket: WebSocket; request: IncomingMessage };
    const wsContext = (ctx: WsContext<Record<string, unknown>, Extra>): RequestContext =>
      contextFor(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization, 'ws', clientAddress(ctx.extra.request));
    // A client's protocol fault (a message over maxPayload, a bad frame) is answered by ws itself with the
    // matching close code (1009 Message Too Big, 1002...); it is logged here (throttled) instead of being
    // reported by graphql-ws as an internal error, charged to the address as a whole message, and the
    // connection is cut DRAIN_MS later rather than read until the client stops sending. Registered
    // before useServer's own listener.
    wss.on('connection', (socket, request) => {
      const emit = socket.emit.bind(socket);
      socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
        const code = (args[0] as { code?: unknown } | undefined)?.code;
        if (event === 'error' && typeof code === 'string' && code.startsWith('WS_ERR_')) {
          budget.charge(`address:${clientAddress(request)}`, limits.maxBodyBytes / budget.options.bytesPerUnit + budget.options.refusal);
          setTimeout(() => socket.terminate(), DRAIN_MS).unref();
          throttled.warn('websocket connection closed for a protocol fault', { code, address: clientAddress(request), message: (args[0] as Error).message });
          return true;
        }
        return emit(event, ...args);
      }) as typeof socket.emit;
    });
    // Connections signed in with a token that logout revokes are closed (their subscriptions with them).
    const socketsByToken = new Map<string, Set<WebSocket>>();
    const offRevoked = services.sessions.onRevoked((token) => {
      for (const socket of socketsByToken.get(token) ?? []) socket.close(4401, 'signed out: token revoked');
    });
    const ws = useServer<Record<string, unknown>, Extra>({
      schema,
      context: wsContext,
      onConnect: (ctx) => {
        const token = bearer(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
        if (token) {
          const set = socketsByToken.get(token) ?? new Set<WebSocket>();
          set.add(ctx.extra.socket);
          socketsByToken.set(token, set);
          ctx.extra.socket.once('close', () => {
            set.delete(ctx.extra.socket);
            if (set.size === 0) socketsByToken.delete(token);
          });
        }
        return true;
      },
      // The same checks as over HTTP, before anything executes: size of the document, the limits rule, introspection.
      onSubscribe: (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length >= limits.maxOperationsPerConnection) {
          return [new GraphQLError(`at most ${limits.maxOperationsPerConnection} operations at once on one connection: complete some first`, {
            extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'operationsPerConnection', max: limits.maxOperationsPerConnection },
          })];
        }
        const contextValue = wsContext(ctx);
        const who = principal(contextValue);
        const waitMs = budget.waitMs(who);
        if (waitMs > 0) {
          const seconds = Math.max(1, Math.ceil(waitMs / 1000));
          return [new GraphQLError(`${new OverBudget(waitMs).message}: try again in ${seconds} s`, { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } })];
        }
        budget.charge(who, budget.options.perRequest + payload.query.length / budget.options.bytesPerUnit);
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (err) {
          const error = err instanceof GraphQLError ? err : new GraphQLError(String(err));
          if (isTooComplex(error)) budget.charge(who, limits.maxCost);
          return [error];
        }
        const errors = validate(schema, document, [...specifiedRules, limitsRule]);
        if (errors.length) {
          if (errors.some(isTooComplex)) budget.charge(who, limits.maxCost);
          return errors;
        }
        budget.charge(who, operationCost(schema, document, payload.operationName, limits));
        if (!contextValue.viewer && asksIntrospection(document)) return [introspectionRefused()];
        return {
          schema, document, contextValue,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      // Errors of execution results get the same codes and masking as over HTTP.
      onNext: (_ctx, _id, _payload, args, result): FormattedExecutionResult | void => {
        if (result.errors?.some(isRefusal)) budget.charge(principal(args.contextValue as RequestContext), budget.options.refusal);
        if (result.errors?.length) return { data: result.data ?? null, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
      },
    }, wss);

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
    return new HttpServer(server, apollo, async () => {
      offRevoked();
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
