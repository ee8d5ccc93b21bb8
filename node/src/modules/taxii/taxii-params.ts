/**
 * The URL parameters of TAXII 2.1 requests (section 3.5): added_after, limit, next and the match[...] filters, checked
 * and turned into a read-model query. A bad value is refused with 400 naming the parameter and why; parameters this
 * server does not know are ignored, as the specification allows.
 */
import { isStixId } from '@popart/schemas';
import { decodeAddedCursor, LAST_ONLY, type AddedCursor, type AddedQuery, type VersionMatch } from '../threat/added-store.js';
import { badRequest } from './taxii-http.js';

export const DEFAULT_LIMIT = 100;
/** The most objects one page carries; a larger `limit` gets this many (TAXII lets the server return fewer). */
export const MAX_LIMIT = 1000;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const TYPE = /^[a-z0-9][a-z0-9-]{1,249}$/;

export interface TaxiiParams {
  query: AddedQuery;
  limit: number;
  next: AddedCursor | null;
  /** match[spec_version] names only versions other than 2.1: nothing matches. */
  none: boolean;
  /** The match[type] and match[id] the client sent (the page's companions must pass them too: taxii-companions.ts). */
  match: { types?: string[]; ids?: string[] };
}

function list(url: URL, name: string): string[] | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length === 0) return undefined;
  const items = values.flatMap((v) => v.split(',')).map((s) => s.trim());
  if (items.some((s) => s === '')) throw badRequest(name, 'an empty value in the comma-separated list');
  return items;
}

function timestamp(value: string, name: string): string {
  if (!TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) throw badRequest(name, `"${value}" is not a TAXII timestamp (RFC 3339 in UTC, e.g. 2026-05-01T12:00:00.000Z)`);
  return value;
}

function versions(url: URL): VersionMatch {
  const items = list(url, 'match[version]');
  if (!items) return LAST_ONLY;
  const m: VersionMatch = { all: false, first: false, last: false, at: [] };
  for (const item of items) {
    if (item === 'all' || item === 'first' || item === 'last') m[item] = true;
    else m.at.push(timestamp(item, 'match[version]'));
  }
  return m;
}

/**
 * The parameters of a request to an endpoint that accepts `allowed` filters (objects and manifest: all; an object:
 * version and spec_version; versions: spec_version). `ids` narrows to one object (the object endpoints).
 */
export function parseParams(url: URL, allowed: { id?: boolean; type?: boolean; version?: boolean }, narrow: Partial<AddedQuery> = {}): TaxiiParams {
  const query: AddedQuery = { versions: allowed.version ? versions(url) : { all: true, first: false, last: false, at: [] }, ...narrow };
  const match: TaxiiParams['match'] = {};
  const after = url.searchParams.get('added_after');
  if (after !== null) query.addedAfter = timestamp(after, 'added_after');
  if (allowed.type) {
    const types = list(url, 'match[type]');
    if (types) {
      const bad = types.find((t) => !TYPE.test(t));
      if (bad) throw badRequest('match[type]', `"${bad}" is not a STIX type name`);
      match.types = types;
      query.types = narrow.types ? narrow.types.filter((t) => types.includes(t)) : types;
      if (query.types.length === 0) query.types = ['(none)'];
    }
  }
  if (allowed.id) {
    const ids = list(url, 'match[id]');
    if (ids) {
      const bad = ids.find((id) => !isStixId(id));
      if (bad) throw badRequest('match[id]', `"${bad}" is not a STIX identifier (type--uuid)`);
      query.ids = ids;
      match.ids = ids;
    }
  }
  const specs = list(url, 'match[spec_version]');
  if (specs?.some((s) => !/^\d+\.\d+$/.test(s))) throw badRequest('match[spec_version]', 'must be STIX versions such as 2.1');
  const rawLimit = url.searchParams.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null) {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1) throw badRequest('limit', `"${rawLimit}" is not a positive integer`);
    limit = Math.min(MAX_LIMIT, Number(rawLimit));
  }
  const rawNext = url.searchParams.get('next');
  let next: AddedCursor | null = null;
  if (rawNext !== null) {
    next = decodeAddedCursor(rawNext);
    if (!next) throw badRequest('next', 'is not a value this server returned as next');
  }
  return { query, limit, next, none: specs !== undefined && !specs.includes('2.1'), match };
}
