/**
 * Read-only transactions (evaluated, never ordered): one object, its history, its sightings, and
 * filtered pages of latest versions.
 */
import { ContractError } from './errors.js';
import type { TxStub } from './fabric.js';
import { asRecord, parseJson } from './input.js';
import { SIGHTING_INDEX, TIME_INDEX, TYPE_INDEX, UNVERSIONED_KEY, VERSION_INDEX, timestampKey, versionKey } from './keys.js';
import { collectRows, readRecord, unmarshal, type IndexEntry, type ObjectRecord } from './records.js';

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;

export type BBox = [number, number, number, number];

/** Argument of QueryObjects. */
export interface ObjectQuery {
  type?: string;
  /** Inclusive bounds on modified (STIX timestamps). */
  from?: string;
  to?: string;
  /** [minLon, minLat, maxLon, maxLat]; matches objects whose area's bounding box intersects it. */
  bbox?: BBox;
  limit?: number;
  bookmark?: string;
}

/** Result of QueryObjects: latest records ordered by (modified, id); bookmark '' on the last page. */
export interface ObjectPage { records: ObjectRecord[]; bookmark: string }

function notFound(id: string, text: string): ContractError {
  return new ContractError('NOT_FOUND', text, { objectId: id, property: 'id' });
}

function badQuery(property: string, text: string): ContractError {
  return new ContractError('INVALID_ARGUMENT', text, { objectId: null, property });
}

export async function readObject(stub: TxStub, id: string, modified?: string): Promise<ObjectRecord> {
  if (modified === undefined || modified === '') {
    const latest = await readRecord(stub, id);
    if (!latest) throw notFound(id, `${id} is not on the ledger`);
    return latest;
  }
  const key = timestampKey(modified);
  if (key === undefined) throw badQuery('modified', `modified ${modified} is not a STIX timestamp`);
  const record = unmarshal<ObjectRecord>(await stub.getState(versionKey(stub, id, key)));
  if (!record) throw notFound(id, `${id} has no version modified ${modified}`);
  return record;
}

/** Every version of an object, oldest first. */
export async function getHistory(stub: TxStub, id: string): Promise<ObjectRecord[]> {
  const rows = await collectRows(stub.getStateByPartialCompositeKey(VERSION_INDEX, [id]));
  const records = rows.map((r) => unmarshal<ObjectRecord>(r.value)).filter((r): r is ObjectRecord => r !== undefined);
  if (records.length === 0) throw notFound(id, `${id} is not on the ledger`);
  return records;
}

/** Latest versions of the sightings of an object, ordered by sighting id. */
export async function getSightings(stub: TxStub, id: string): Promise<ObjectRecord[]> {
  const rows = await collectRows(stub.getStateByPartialCompositeKey(SIGHTING_INDEX, [id]));
  const records: ObjectRecord[] = [];
  for (const row of rows) {
    const entry = unmarshal<IndexEntry>(row.value);
    const record = entry ? await readRecord(stub, entry.id) : undefined;
    if (record) records.push(record);
  }
  if (records.length === 0 && !(await readRecord(stub, id))) throw notFound(id, `${id} is not on the ledger`);
  return records;
}

function isBBox(v: unknown): v is BBox {
  return Array.isArray(v) && v.length === 4 && v.every((n) => typeof n === 'number' && Number.isFinite(n))
    && v[0] <= v[2] && v[1] <= v[3];
}

function intersects(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

interface ParsedQuery { type?: string; from?: string; to?: string; bbox?: BBox; limit: number; after?: string }

function encodeBookmark(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function parseQuery(queryJson: string): ParsedQuery {
  const q = asRecord(parseJson(queryJson === '' ? '{}' : queryJson, 'query'), 'query');
  const known = new Set(['type', 'from', 'to', 'bbox', 'limit', 'bookmark']);
  for (const name of Object.keys(q)) if (!known.has(name)) throw badQuery(name, `unknown query field ${name}`);
  const out: ParsedQuery = { limit: DEFAULT_QUERY_LIMIT };
  if (q.type !== undefined) {
    if (typeof q.type !== 'string' || q.type === '') throw badQuery('type', 'type must be a non-empty string');
    out.type = q.type;
  }
  for (const bound of ['from', 'to'] as const) {
    const v = q[bound];
    if (v === undefined) continue;
    const key = typeof v === 'string' ? timestampKey(v) : undefined;
    if (key === undefined) throw badQuery(bound, `${bound} must be a STIX timestamp such as 2025-01-31T12:00:00Z`);
    out[bound] = key;
  }
  if (q.bbox !== undefined) {
    if (!isBBox(q.bbox)) throw badQuery('bbox', 'bbox must be [minLon, minLat, maxLon, maxLat] with min <= max');
    out.bbox = q.bbox;
  }
  if (q.limit !== undefined) {
    const limit = q.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
      throw badQuery('limit', `limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
    }
    out.limit = limit;
  }
  if (q.bookmark !== undefined && q.bookmark !== '') {
    if (typeof q.bookmark !== 'string' || !/^[A-Za-z0-9_-]+$/.test(q.bookmark)) throw badQuery('bookmark', 'bookmark is not one QueryObjects returned');
    out.after = Buffer.from(q.bookmark, 'base64url').toString('utf8');
  }
  return out;
}

/**
 * Latest versions matching the query, ordered by (modified, id) — within one type when `type` is
 * given (idx-type), across types otherwise (idx-time). The bookmark is the last index key returned;
 * Fabric allows no range query that starts inside a composite key space, so a page walks the index
 * from its start and skips keys up to the bookmark.
 */
export async function queryObjects(stub: TxStub, queryJson: string): Promise<ObjectPage> {
  const q = parseQuery(queryJson);
  const rows = q.type !== undefined
    ? await collectRows(stub.getStateByPartialCompositeKey(TYPE_INDEX, [q.type]))
    : await collectRows(stub.getStateByPartialCompositeKey(TIME_INDEX, []));
  const indexName = q.type !== undefined ? TYPE_INDEX : TIME_INDEX;
  if (q.after !== undefined && !q.after.startsWith(stub.createCompositeKey(indexName, q.type !== undefined ? [q.type] : []))) {
    throw badQuery('bookmark', 'bookmark belongs to another query');
  }
  const records: ObjectRecord[] = [];
  let lastKey = '';
  let more = false;
  for (const row of rows) {
    if (q.after !== undefined && row.key <= q.after) continue;
    const entry = unmarshal<IndexEntry>(row.value);
    if (!entry) continue;
    const modifiedKey = entry.modified === null ? UNVERSIONED_KEY : (timestampKey(entry.modified) ?? UNVERSIONED_KEY);
    if (q.from !== undefined && modifiedKey < q.from) continue;
    if (q.to !== undefined && modifiedKey > q.to) continue;
    if (q.bbox !== undefined && (entry.bbox === null || !intersects(entry.bbox, q.bbox))) continue;
    if (records.length === q.limit) {
      more = true;
      break;
    }
    const record = await readRecord(stub, entry.id);
    if (!record) continue;
    records.push(record);
    lastKey = row.key;
  }
  return { records, bookmark: more ? encodeBookmark(lastKey) : '' };
}
