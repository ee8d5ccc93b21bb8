/**
 * The node's TAXII 2.1 server (OASIS TAXII 2.1), mounted at /taxii2 beside GraphQL:
 *
 *   GET  /taxii2/                                                  discovery
 *   GET  /taxii2/popart/                                           the API root
 *   GET  /taxii2/popart/collections/                               alerts, indicators, all
 *   GET  /taxii2/popart/collections/{id}/                          one collection (id or alias)
 *   GET  /taxii2/popart/collections/{id}/objects/                  added_after, limit, next, match[id|type|version|spec_version];
 *                                                                  each page with what its objects need (taxii-companions.ts)
 *   POST /taxii2/popart/collections/{id}/objects/                  publish an envelope (roles that may publish; `all`)
 *   GET  /taxii2/popart/collections/{id}/objects/{object-id}/      added_after, limit, next, match[version|spec_version]
 *   GET  /taxii2/popart/collections/{id}/objects/{object-id}/versions/
 *   GET  /taxii2/popart/collections/{id}/manifest/
 *   GET  /taxii2/popart/status/{status-id}/
 *
 * Every request is authenticated (server/http-auth.ts); every object goes out through the egress gate as the caller and
 * is audited (taxii-reader.ts). Errors are TAXII error messages with their HTTP status.
 */
import { CONTENT_LIMITS, isStixId, type StixObject } from '@popart/schemas';
import { HttpAuthError, statedPurpose, type HttpAuthenticator, type HttpPrincipal } from '../../server/http-auth.js';
import type { HttpRoute, RouteRequest } from '../../server/http-server.js';
import { LAST_ONLY, type AddedQuery } from '../threat/added-store.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { canWrite, collectionOf, collectionResource, TAXII_COLLECTIONS, type TaxiiCollection } from './taxii-collections.js';
import { checkAccept, checkContentType, notFound, sendTaxii, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, TaxiiError } from './taxii-http.js';
import { parseParams, type TaxiiParams } from './taxii-params.js';
import type { TaxiiPage, TaxiiReader } from './taxii-reader.js';
import { STATUS_RETENTION_DAYS, type TaxiiStatuses } from './taxii-status.js';

export const TAXII_PREFIX = '/taxii2';
export const API_ROOT = 'popart';

export interface TaxiiRouteOptions {
  auth: Pick<HttpAuthenticator, 'authenticate'>;
  reader: TaxiiReader;
  statuses: TaxiiStatuses;
  /** The agency's name, in the discovery and API root titles. */
  agencyName: string;
}

type Handler = (r: RouteRequest, principal: HttpPrincipal, parts: string[]) => Promise<void>;

function methodNotAllowed(allowed: string[]): TaxiiError {
  return new TaxiiError(405, 'Method not allowed', `use ${allowed.join(' or ')} here`, {}, { allow: allowed.join(', ') });
}

/** date_added of the first and last object of a page, as TAXII's headers. */
function addedHeaders(page: TaxiiPage): Record<string, string> {
  const first = page.items[0];
  const last = page.items.at(-1);
  return first && last ? { 'x-taxii-date-added-first': first.addedAt, 'x-taxii-date-added-last': last.addedAt } : {};
}

/** The stored rows a page hands out: its objects and the stored companions (reference data and views are not stored). */
function disclosed(page: TaxiiPage): ThreatRow[] {
  return [...page.items.map((i) => i.row), ...page.companions.flatMap((x) => (x.row ? [x.row] : []))];
}

function paging(page: TaxiiPage): Record<string, unknown> {
  return { more: page.more, ...(page.next ? { next: page.next } : {}) };
}

export class TaxiiRoute implements HttpRoute {
  readonly prefix = TAXII_PREFIX;

  constructor(private readonly o: TaxiiRouteOptions) {}

  async handle(r: RouteRequest): Promise<void> {
    let principal: HttpPrincipal;
    try {
      principal = await this.o.auth.authenticate(r.req.headers.authorization, r.clientAddress);
    } catch (err) {
      if (err instanceof HttpAuthError) throw new TaxiiError(err.status, err.status === 401 ? 'Unauthorized' : 'Too many requests', err.message, {}, err.headers);
      throw err;
    }
    const path = r.url.pathname.slice(TAXII_PREFIX.length).split('/').filter((p) => p !== '');
    const method = r.req.method ?? 'GET';
    const [handler, allowed] = this.route(path);
    if (!handler) throw notFound(`no TAXII resource at ${r.url.pathname} (discovery: ${TAXII_PREFIX}/)`);
    if (!allowed.includes(method)) throw methodNotAllowed(allowed);
    checkAccept(r.req);
    await handler(r, principal, path);
  }

  /** The handler of a path and the methods it answers. */
  private route(p: string[]): [Handler | undefined, string[]] {
    if (p.length === 0) return [this.discovery, ['GET']];
    if (p[0] !== API_ROOT) return [undefined, []];
    if (p.length === 1) return [this.apiRoot, ['GET']];
    if (p[1] === 'status' && p.length === 3) return [this.status, ['GET']];
    if (p[1] !== 'collections') return [undefined, []];
    if (p.length === 2) return [this.collections, ['GET']];
    if (p.length === 3) return [this.collection, ['GET']];
    if (p[3] === 'manifest' && p.length === 4) return [this.manifest, ['GET']];
    if (p[3] !== 'objects') return [undefined, []];
    if (p.length === 4) return [this.objects, ['GET', 'POST']];
    if (p.length === 5) return [this.object, ['GET']];
    if (p.length === 6 && p[5] === 'versions') return [this.versions, ['GET']];
    return [undefined, []];
  }

  private collectionAt(parts: string[]): TaxiiCollection {
    const c = collectionOf(parts[2] ?? '');
    if (!c) throw notFound(`no collection "${parts[2]}" (collections: ${TAXII_COLLECTIONS.map((x) => `${x.alias} ${x.id}`).join(', ')})`);
    return c;
  }

  private narrow(c: TaxiiCollection): Partial<AddedQuery> {
    return { ...(c.types ? { types: c.types } : {}), ...(c.alertsOnly ? { alertsOnly: true } : {}) };
  }

  private discovery: Handler = async ({ req, res }) => {
    const scheme = 'encrypted' in req.socket ? 'https' : 'http';
    const root = `${scheme}://${req.headers.host ?? 'localhost'}${TAXII_PREFIX}/${API_ROOT}/`;
    sendTaxii(res, 200, {
      title: `POP-ART TAXII 2.1 server of ${this.o.agencyName}`,
      description: 'STIX 2.1 alerts and indicators shared by the agencies of the POP-ART exchange, as this agency\'s policy lets you see them.',
      default: root, api_roots: [root],
    });
  };

  private apiRoot: Handler = async ({ res }) => {
    sendTaxii(res, 200, {
      title: `POP-ART (${this.o.agencyName})`, description: 'Alerts, indicators and everything else visible to you on this node.',
      versions: [TAXII_MEDIA_TYPE], max_content_length: CONTENT_LIMITS.maxRequestBytes,
    });
  };

  private collections: Handler = async ({ res }, principal) => {
    sendTaxii(res, 200, { collections: TAXII_COLLECTIONS.map((c) => collectionResource(c, principal.viewer)) });
  };

  private collection: Handler = async ({ res }, principal, parts) => {
    sendTaxii(res, 200, collectionResource(this.collectionAt(parts), principal.viewer));
  };

  private objects: Handler = async (r, principal, parts) => {
    const c = this.collectionAt(parts);
    if (r.req.method === 'POST') {
      if (!canWrite(c, principal.viewer)) {
        throw new TaxiiError(403, 'Forbidden', c.writable ? `role ${principal.viewer.role} may not publish` : `collection "${c.alias}" is read-only: post objects to the "all" collection`);
      }
      checkContentType(r.req);
      return sendTaxii(r.res, 202, await this.o.statuses.post(principal, r.body));
    }
    const params = parseParams(r.url, { id: true, type: true, version: true }, this.narrow(c));
    const page = await this.o.reader.page(principal, params, true);
    await this.o.reader.handedOut(principal, disclosed(page), statedPurpose(r.req, r.url, principal.viewer), { resource: 'taxii:objects', collection: c.alias });
    const objects = [
      ...page.companions.filter((x) => !x.derived).map((x) => x.stix), ...page.items.map((i) => i.row.stix), ...page.companions.filter((x) => x.derived).map((x) => x.stix),
    ];
    sendTaxii(r.res, 200, { ...paging(page), ...(objects.length ? { objects } : {}) }, addedHeaders(page));
  };

  private manifest: Handler = async (r, principal, parts) => {
    const c = this.collectionAt(parts);
    const page = await this.o.reader.page(principal, parseParams(r.url, { id: true, type: true, version: true }, this.narrow(c)), true);
    await this.o.reader.handedOut(principal, disclosed(page), statedPurpose(r.req, r.url, principal.viewer), { resource: 'taxii:manifest', collection: c.alias });
    const record = (stix: StixObject, addedAt: string): Record<string, unknown> =>
      ({ id: stix.id, date_added: addedAt, version: stix.modified ?? stix.created, media_type: STIX_MEDIA_TYPE });
    const records = [
      ...page.companions.filter((x) => !x.derived).map((x) => record(x.stix, x.addedAt)), ...page.items.map((i) => record(i.row.stix, i.addedAt)),
      ...page.companions.filter((x) => x.derived).map((x) => record(x.stix, x.addedAt)),
    ];
    sendTaxii(r.res, 200, { ...paging(page), ...(records.length ? { objects: records } : {}) }, addedHeaders(page));
  };

  /** A page of one object's versions in the collection; 404 when the caller can see no version of it there. */
  private async objectPage(r: RouteRequest, principal: HttpPrincipal, parts: string[], allowed: { version?: boolean }): Promise<{ c: TaxiiCollection; page: TaxiiPage }> {
    const c = this.collectionAt(parts);
    let id = parts[4] ?? '';
    try {
      id = decodeURIComponent(id);
    } catch {
      // not percent-encoded UTF-8: refused below as not an identifier
    }
    if (!isStixId(id)) throw new TaxiiError(400, 'Bad request', `"${id}" is not a STIX identifier (type--uuid)`, { parameter: 'object-id' });
    const narrow = { ...this.narrow(c), ids: [id] };
    const params: TaxiiParams = parseParams(r.url, allowed, narrow);
    const page = await this.o.reader.page(principal, params);
    if (page.items.length === 0 && !params.next) {
      const any = await this.o.reader.page(principal, { query: { ...narrow, versions: LAST_ONLY }, limit: 1, next: null, none: false, match: {} });
      if (any.items.length === 0) throw notFound(`no object ${id} in collection "${c.alias}" that you may see`);
    }
    return { c, page };
  }

  private object: Handler = async (r, principal, parts) => {
    const { c, page } = await this.objectPage(r, principal, parts, { version: true });
    await this.o.reader.handedOut(principal, page.items.map((i) => i.row), statedPurpose(r.req, r.url, principal.viewer), { resource: 'taxii:object', collection: c.alias });
    sendTaxii(r.res, 200, { ...paging(page), ...(page.items.length ? { objects: page.items.map((i) => i.row.stix) } : {}) }, addedHeaders(page));
  };

  private versions: Handler = async (r, principal, parts) => {
    const { c, page } = await this.objectPage(r, principal, parts, {});
    await this.o.reader.handedOut(principal, page.items.map((i) => i.row), statedPurpose(r.req, r.url, principal.viewer), { resource: 'taxii:versions', collection: c.alias });
    sendTaxii(r.res, 200, { ...paging(page), ...(page.items.length ? { versions: page.items.map((i) => i.row.modified) } : {}) }, addedHeaders(page));
  };

  private status: Handler = async ({ res }, principal, parts) => {
    const s = await this.o.statuses.get(principal, parts[2] ?? '');
    if (!s) throw notFound(`no status ${parts[2]} of yours (statuses are kept for ${STATUS_RETENTION_DAYS} days after the post)`);
    sendTaxii(res, 200, s);
  };
}
