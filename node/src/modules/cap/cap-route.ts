/**
 * The node's CAP interface (an HttpRoute under /cap):
 *
 *   GET /cap/alerts.atom[?limit=N&purpose=…]   Atom feed of the newest alerts the reader may see, one CAP message each
 *   GET /cap/alerts/{id}.xml[?purpose=…]       the CAP message of one alert (its latest version)
 *
 * The reader authenticates as on the node's other HTTP interfaces (server/http-auth.ts: HTTP Basic with a user of the
 * node, a bearer token of the GraphQL sign-in, or a partner's API key); everything they get has passed the egress gate
 * as them and is an audited disclosure to them. Restricted alerts need a purpose: an API key's own, else the
 * `X-Popart-Purpose` header or the `purpose` parameter.
 */
import type { ServerResponse } from 'node:http';
import { isStixId } from '@popart/schemas';
import { NodeError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import { statedPurpose, withRefusalHeaders } from '../../server/http-auth.js';
import { asking } from '../threat/threat-request.js';
import type { HttpRoute, RouteRequest } from '../../server/http-server.js';
import type { CapAlerts } from './cap-alerts.js';
import { ATOM_MEDIA_TYPE, atomFeed } from './cap-feed.js';
import { CAP_EVENT, CAP_MEDIA_TYPE } from './cap-message.js';

export const CAP_PREFIX = '/cap';
export const DEFAULT_FEED_ENTRIES = 100;

/** Who is asking: a user of the node, or a partner's API key with the purpose it is configured with. */
export interface CapReader { viewer: Viewer; purpose: string | null; partner: string | null }

/**
 * Who is asking, from the request's Authorization header and address (server/http-auth.ts: bearer token, Basic,
 * API key); a refusal is an error with a `status` (401, 429) and the `headers` to send (WWW-Authenticate).
 */
export type Authenticate = (authorization: string | undefined, clientAddress: string) => Promise<CapReader>;

export interface CapRouteOptions {
  alerts: CapAlerts;
  agency: { key: string; name: string };
  /** Base URL partners reach the node at (config cap.publicUrl); default: from the request's Host. */
  publicUrl?: string | undefined;
  authenticate: Authenticate;
}

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}

/** A node error a reader caused (bad parameter, missing purpose) as a 400 naming the parameter; others unchanged. */
function asHttp(err: unknown): unknown {
  if (err instanceof NodeError && (err.code === 'INVALID_ARGUMENT' || err.code === 'PURPOSE_REQUIRED')) return httpError(400, err.message);
  return err;
}

function send(res: ServerResponse, type: string, text: string, head: boolean): void {
  res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(head ? undefined : text);
}

export function capRoute(o: CapRouteOptions): HttpRoute {
  return {
    prefix: CAP_PREFIX,
    async handle({ req, res, url, clientAddress }: RouteRequest) {
      const head = req.method === 'HEAD';
      if (req.method !== 'GET' && !head) {
        res.setHeader('allow', 'GET, HEAD');
        throw httpError(405, `${req.method ?? ''} is not allowed here: the CAP feed is read with GET`);
      }
      const one = /^\/cap\/alerts\/([^/]+)\.xml$/.exec(url.pathname);
      if (url.pathname !== '/cap/alerts.atom' && !one) throw httpError(404, `no such CAP resource: ${url.pathname} (GET ${CAP_PREFIX}/alerts.atom or ${CAP_PREFIX}/alerts/{id}.xml)`);
      const principal = await withRefusalHeaders(res, o.authenticate(req.headers.authorization, clientAddress));
      const { purpose: keyPurpose, partner } = principal;
      // ?exercise=<id>: that exercise's alerts (status Exercise), for a training dispatch system; never mixed in otherwise.
      const viewer = (() => {
        try {
          return asking(principal.viewer, url.searchParams.get('exercise'));
        } catch (err) {
          throw asHttp(err);
        }
      })();
      const purpose = keyPurpose ?? statedPurpose(req, url, viewer);
      const recipient = partner ?? viewer.username;
      const base = (o.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`).replace(/\/+$/, '');
      const web = (id: string): string => `${base}${CAP_PREFIX}/alerts/${id}.xml`;
      try {
        if (one) {
          const id = decodeURIComponent(one[1] as string);
          if (!isStixId(id)) throw httpError(400, `id: "${id}" is not a STIX identifier (type--uuid)`);
          const row = await o.alerts.one(viewer, id, purpose, 'cap-alert', recipient);
          if (!row) throw httpError(404, `no alert ${id} that you may see`);
          return send(res, CAP_MEDIA_TYPE, (await o.alerts.messageOf(row, web)).document, head);
        }
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? DEFAULT_FEED_ENTRIES : Number(limitText);
        const rows = await o.alerts.latest(viewer, limit, purpose, 'cap-feed', recipient);
        const entries = [];
        for (const row of rows) {
          const message = await o.alerts.messageOf(row, web);
          const name = typeof row.stix.name === 'string' ? row.stix.name : CAP_EVENT[row.category ?? 'other'] ?? 'Alert';
          entries.push({ message, title: `${message.msgType === 'Alert' ? '' : `${message.msgType}: `}${name}`, link: web(row.id) });
        }
        const self = `${base}${url.pathname}${url.search}`;
        return send(res, ATOM_MEDIA_TYPE, atomFeed({
          id: `urn:popart:cap:${o.agency.key}:alerts`, title: `Alerts seen by ${o.agency.name} (CAP 1.2)`, self, author: o.agency.name, entries, now: new Date(),
        }), head);
      } catch (err) {
        throw asHttp(err);
      }
    },
  };
}
