/**
 * The node's MISP feed (an HttpRoute under /misp-feed), in the layout MISP fetches a feed of "MISP Feed" format from:
 *
 *   GET /misp-feed/manifest.json     {event uuid: {info, date, threat_level_id, analysis, timestamp, publish_timestamp, Orgc, Tag}}
 *   GET /misp-feed/hashes.csv        one line "md5 of an attribute value,event uuid" per attribute (MISP's feed cache)
 *   GET /misp-feed/{event-uuid}.json {"Event": {...}}: one event per alert or report the reader may see
 *
 * MISP sends the feed's configured headers with every request: `Authorization` as on the node's other HTTP interfaces
 * (server/http-auth.ts: Basic with a user of the node or a partner's API key, or Bearer), and `X-Popart-Purpose` for
 * restricted data (an API key's configured purpose takes precedence). Everything handed out has passed the egress gate
 * as the reader and is an audited disclosure to them (misp-feed.ts).
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { HttpAuthenticator } from '../../server/http-auth.js';
import { statedPurpose, withRefusalHeaders } from '../../server/http-auth.js';
import type { HttpRoute, RouteRequest } from '../../server/http-server.js';
import { attributeValues, manifestEntry } from './misp-event.js';
import { feedError, type MispFeed } from './misp-feed.js';

export const MISP_FEED_PREFIX = '/misp-feed';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface MispFeedRouteOptions {
  auth: Pick<HttpAuthenticator, 'authenticate'>;
  feed: MispFeed;
}

function send(res: ServerResponse, type: string, text: string, head: boolean): void {
  res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(head ? undefined : text);
}

export function mispFeedRoute(o: MispFeedRouteOptions): HttpRoute {
  return {
    prefix: MISP_FEED_PREFIX,
    async handle({ req, res, url, clientAddress }: RouteRequest) {
      const head = req.method === 'HEAD';
      if (req.method !== 'GET' && !head) {
        res.setHeader('allow', 'GET, HEAD');
        throw feedError(405, `${req.method ?? ''} is not allowed here: the MISP feed is read with GET`);
      }
      const file = url.pathname.slice(MISP_FEED_PREFIX.length + 1);
      const eventFile = file === 'manifest.json' ? null : /^([^/]+)\.json$/.exec(file);
      if (file !== 'manifest.json' && file !== 'hashes.csv' && !eventFile) {
        throw feedError(404, `no such MISP feed file: ${url.pathname} (${MISP_FEED_PREFIX}/manifest.json, hashes.csv or {event-uuid}.json)`);
      }
      const principal = await withRefusalHeaders(res, o.auth.authenticate(req.headers.authorization, clientAddress));
      const stated = statedPurpose(req, url, principal.viewer);
      if (eventFile) {
        let uuid = eventFile[1] as string;
        try {
          uuid = decodeURIComponent(uuid).toLowerCase();
        } catch {
          // not percent-encoded UTF-8: refused below as not a UUID
        }
        if (!UUID.test(uuid)) throw feedError(400, `event-uuid: "${uuid}" is not a UUID (the file name is {event-uuid}.json)`);
        const found = await o.feed.event(principal, uuid);
        if (!found) throw feedError(404, `no event ${uuid} that you may see`);
        await o.feed.handOut(principal, found.rows, stated, 'misp-feed:event');
        return send(res, 'application/json', JSON.stringify({ Event: found.event }), head);
      }
      const events = await o.feed.events(principal);
      if (file === 'manifest.json') {
        await o.feed.handOut(principal, events.map((e) => e.rows[0]!), stated, 'misp-feed:manifest');
        return send(res, 'application/json', JSON.stringify(Object.fromEntries(events.map((e) => [e.event.uuid, manifestEntry(e.event)]))), head);
      }
      await o.feed.handOut(principal, events.flatMap((e) => e.rows), stated, 'misp-feed:hashes');
      const lines = events.flatMap((e) => attributeValues(e.event).map((v) => `${createHash('md5').update(v).digest('hex')},${e.event.uuid}\n`));
      return send(res, 'text/csv', lines.join(''), head);
    },
  };
}
