/**
 * GET of the JSON Schemas of the POP-ART extensions at the paths of the URLs their definitions name (`schema`:
 * https://popart.example/schemas/public-space-alert-1.0.0.json → /schemas/public-space-alert-1.0.0.json on every
 * node; the same for the agency extension). A definition is one object for the whole network, so it cannot name each
 * node's host: a deployment points that host at any node (or serves the same files itself). Public reference data,
 * like the definitions: no sign-in, nothing about any threat.
 */
import { AGENCY_EXTENSION_SCHEMA_URL, agencyExtensionJsonSchema, ALERT_EXTENSION_SCHEMA_URL, alertExtensionJsonSchema } from '@popart/schemas';
import type { HttpRoute, RouteRequest } from '../../server/http-server.js';

const PREFIX = '/schemas';

function refusal(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}

export function extensionSchemaRoute(): HttpRoute {
  const served = new Map([[ALERT_EXTENSION_SCHEMA_URL, alertExtensionJsonSchema], [AGENCY_EXTENSION_SCHEMA_URL, agencyExtensionJsonSchema]]
    .map(([url, schema]) => [new URL(url as string).pathname, `${JSON.stringify(schema, null, 2)}\n`]));
  return {
    prefix: PREFIX,
    handle({ req, res, url }: RouteRequest): Promise<void> {
      const text = served.get(url.pathname);
      if (text === undefined) return Promise.reject(refusal(404, `no schema at ${url.pathname}; served here: ${[...served.keys()].join(', ')}`));
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return Promise.reject(refusal(405, `${req.method ?? '?'} ${url.pathname}: only GET and HEAD`));
      }
      res.writeHead(200, {
        'content-type': 'application/schema+json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'public, max-age=3600',
        'access-control-allow-origin': '*',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      return Promise.resolve();
    },
  };
}
