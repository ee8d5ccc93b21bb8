/**
 * TAXII 2.1 over HTTP: media types, content negotiation and error messages (OASIS TAXII 2.1, sections 1.6, 3.6).
 * Every response is `application/taxii+json;version=2.1`; an error is a TAXII error message with the HTTP status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteErrorResponse } from '../../server/http-server.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/** A TAXII error message (title, description, http_status, details) sent with its HTTP status. */
export class TaxiiError extends Error {
  override name = 'TaxiiError';
  constructor(
    readonly status: number,
    readonly title: string,
    description: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }

  /** As the HTTP server sends a route's error (RouteErrorResponse). */
  get response(): RouteErrorResponse {
    return { contentType: TAXII_MEDIA_TYPE, body: JSON.stringify(this.body), headers: this.headers };
  }

  get body(): Record<string, unknown> {
    return {
      title: this.title, description: this.message, http_status: String(this.status),
      ...(Object.keys(this.details).length ? { details: this.details } : {}),
    };
  }
}

export const badRequest = (parameter: string, why: string): TaxiiError =>
  new TaxiiError(400, 'Bad request', `${parameter}: ${why}`, { parameter });

export const notFound = (what: string): TaxiiError => new TaxiiError(404, 'Not found', what);

/** One media range of an Accept or Content-Type header: type/subtype and its parameters (lower case, no spaces). */
function mediaRanges(header: string): { type: string; params: Map<string, string> }[] {
  return header.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    return { type, params: new Map(params.map((p) => p.split('=').map((s) => s.trim().replace(/^"|"$/g, '')) as [string, string])) };
  }).filter((r) => r.type !== '');
}

/** Whether a media range names TAXII 2.1 (without a version, the server's own, 2.1). */
function isTaxii21(r: { type: string; params: Map<string, string> }): boolean {
  return r.type === 'application/taxii+json' && (r.params.get('version') ?? '2.1') === '2.1';
}

/**
 * 406 unless the client accepts TAXII 2.1 JSON: `application/taxii+json;version=2.1` (or without a version), or any
 * type (`*\/*`, `application/*`, or no Accept header, as curl and browsers send).
 */
export function checkAccept(req: IncomingMessage): void {
  const header = req.headers.accept;
  if (!header) return;
  const ranges = mediaRanges(header);
  if (ranges.some((r) => isTaxii21(r) || r.type === '*/*' || r.type === 'application/*')) return;
  throw new TaxiiError(406, 'Not acceptable', `this server answers with ${TAXII_MEDIA_TYPE}; the Accept header "${header}" does not allow it`, { accept: header });
}

/** 415 unless the body is TAXII 2.1 JSON (an envelope of STIX objects). */
export function checkContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'] ?? '';
  const [range] = mediaRanges(header);
  if (range && isTaxii21(range)) return;
  throw new TaxiiError(415, 'Unsupported media type', `send the envelope as Content-Type: ${TAXII_MEDIA_TYPE} (got "${header || 'none'}")`, { contentType: header });
}

export function sendTaxii(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': TAXII_MEDIA_TYPE, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
