/**
 * Reading from a partner, and one page of its TAXII 2.1 collection (GET {collection}/objects/ with added_after, limit and next; TAXII 2.1
 * section 5.4), read with a bounded body and a deadline. Any failure of the partner (unreachable, an HTTP error, a body
 * that is not an envelope) is a PartnerError: the importer backs off and tries again, nothing is published from it.
 */
import { CONTENT_LIMITS } from '@popart/schemas';
import type { ImportConfig } from '../../config/imports-config.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
/** The largest page body read: a full bundle's bytes and the envelope around it. */
const MAX_PAGE_BYTES = CONTENT_LIMITS.maxBundleBytes + 64 * 1024;

export class PartnerError extends Error {
  override name = 'PartnerError';
}

export interface TaxiiPage {
  objects: unknown[];
  more: boolean;
  next: string | undefined;
  /** X-TAXII-Date-Added-Last: when the last object of the page was added to the collection. */
  addedLast: string | undefined;
}

/** The collection's objects/ endpoint from the import's `url` and `collection`. */
export function objectsUrl(config: Pick<ImportConfig, 'url' | 'collection'>): URL {
  const base = config.url.endsWith('/') ? config.url : `${config.url}/`;
  if (config.collection) return new URL(`collections/${encodeURIComponent(config.collection)}/objects/`, base);
  return base.endsWith('/objects/') ? new URL(base) : new URL('objects/', base);
}

async function boundedText(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_PAGE_BYTES) throw new PartnerError(`the page is ${declared} bytes; at most ${MAX_PAGE_BYTES} are read (lower pageSize)`);
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_PAGE_BYTES) throw new PartnerError(`the page is larger than ${MAX_PAGE_BYTES} bytes (lower pageSize)`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GET of a partner URL with the import's credentials, a deadline and a bounded body; an HTTP error is a PartnerError. */
export async function partnerGet(url: URL, config: ImportConfig, password: string | undefined, accept: string): Promise<{ res: Response; text: string }> {
  const headers: Record<string, string> = { accept };
  if (config.auth) headers.authorization = `Basic ${Buffer.from(`${config.auth.username}:${password ?? ''}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(config.timeoutMs), redirect: 'error' });
  } catch (err) {
    throw new PartnerError(`cannot reach ${url.origin}: ${(err as Error).message}`);
  }
  const text = await boundedText(res).catch((err: unknown) => {
    throw err instanceof PartnerError ? err : new PartnerError(`reading the answer of ${url.origin}: ${(err as Error).message}`);
  });
  if (!res.ok) throw new PartnerError(`${url.pathname} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  return { res, text };
}

/** The body as JSON; a PartnerError when it is not. */
export function partnerJson(url: URL, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PartnerError(`${url.pathname} did not answer JSON: ${(err as Error).message}`);
  }
}

export async function fetchPage(config: ImportConfig, password: string | undefined, cursor: { addedAfter?: string | undefined; next?: string | undefined }): Promise<TaxiiPage> {
  const url = objectsUrl(config);
  url.searchParams.set('limit', String(config.pageSize));
  if (cursor.addedAfter) url.searchParams.set('added_after', cursor.addedAfter);
  if (cursor.next) url.searchParams.set('next', cursor.next);
  const { res, text } = await partnerGet(url, config, password, TAXII_MEDIA_TYPE);
  if (res.status === 204 || text.trim() === '') return { objects: [], more: false, next: undefined, addedLast: undefined };
  const envelope = partnerJson(url, text);
  if (!envelope || typeof envelope !== 'object' || Array.isArray(envelope)) throw new PartnerError(`${url.pathname} did not answer a TAXII envelope`);
  const e = envelope as { objects?: unknown; more?: unknown; next?: unknown };
  if (e.objects !== undefined && !Array.isArray(e.objects)) throw new PartnerError(`${url.pathname}: the envelope's objects is not an array`);
  const objects = e.objects ?? [];
  if (objects.length > Math.max(config.pageSize, CONTENT_LIMITS.maxBundleObjects)) {
    throw new PartnerError(`${url.pathname} answered ${objects.length} objects for a limit of ${config.pageSize}`);
  }
  return {
    objects, more: e.more === true, next: typeof e.next === 'string' && e.next !== '' ? e.next : undefined,
    addedLast: res.headers.get('x-taxii-date-added-last') ?? undefined,
  };
}
