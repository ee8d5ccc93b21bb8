/**
 * What the contract stores and emits, and the one serialiser used for every write.
 */
import { alertOf, areaBBox, areaOfObject, audienceOf, canonicalJson, tlpOf, type Placement, type StixObject } from '@popart/schemas';
import { ContractError } from './errors.js';
import type { StateRow, StateRowIterator, TxStub } from './fabric.js';
import { UNVERSIONED_KEY, objectKey, timestampKey } from './keys.js';

/** Latest (obj~<id>) and per-version (ver) record of a STIX object. */
export interface ObjectRecord {
  object: StixObject;
  /** MSP of the organisation that first published the id (the only one allowed to version or revoke it). */
  publisher_msp: string;
  tx_id: string;
  /** Transaction timestamp, ISO 8601. */
  committed_at: string;
  /** sha256Hex(object) over canonical JSON (for private data: of the full content, which is not here). */
  hash: string;
  /**
   * Present for private data (TLP:RED, AMBER+STRICT, AMBER): `object` is then a content-free stub (type, id,
   * spec_version, created, modified, created_by_ref, object_marking_refs, audience, revoked) and the content
   * is in these collections only (ReadObject returns it to their members).
   */
  private?: { collections: string[] };
}

/** Value of the type/time/sighting index entries: enough to filter without reading the record. */
export interface IndexEntry {
  id: string;
  type: string;
  modified: string | null;
  bbox: [number, number, number, number] | null;
}

export type ObjectStatus = 'created' | 'updated' | 'unchanged';

export interface ReceiptObject { id: string; type: string; modified: string | null; status: ObjectStatus }

/** What PublishBundle, RecordSighting and RevokeObject return. */
export interface Receipt { txId: string; objects: ReceiptObject[] }

/** Name of the one chaincode event a writing transaction emits. */
export const OBJECTS_EVENT = 'popart.objects';

/** One created or updated object, as announced in the `popart.objects` event. */
export interface ObjectAnnouncement {
  id: string;
  type: string;
  modified: string | null;
  tlp: string | null;
  /** The alert's audience_refs, or another object's x_popart_audience_refs (identity ids of the agencies addressed), or []. */
  audience: string[];
  /** The alert's area, a location's position (point, or circle of radius precision), or null. */
  area: unknown;
  /** Bounding box of where the object is: its own area, else its standard STIX placement (located-at, where_sighted_refs). */
  bbox: [number, number, number, number] | null;
  /** ISO 3166-1 alpha-2 countries the object is placed in when only countries are known (schemas' placementsOf); absent or [] otherwise. */
  countries?: string[];
  severity: string | null;
  category: string | null;
  created_by_ref: string | null;
  revoked: boolean;
  /**
   * The object itself, when its content is on the channel anyway (not private data) and its record is at most
   * INLINE_OBJECT_MAX_BYTES: a node's listener then applies it without a ReadObject query per object. Private content
   * (TLP:RED, AMBER+STRICT, AMBER) is never here; members read it with ReadObject.
   */
  object?: StixObject;
}

/** Objects whose record is larger than this are announced without their content (the listener reads them). */
export const INLINE_OBJECT_MAX_BYTES = 64 * 1024;

/**
 * Payload of the `popart.objects` event. Fabric keeps only the last setEvent of a transaction, so
 * the contract emits exactly one event per transaction listing every object it created or updated;
 * listeners split it into one event per object. Unchanged objects are not listed, and a transaction
 * that changes nothing emits no event.
 */
export interface ObjectsEventPayload {
  tx_id: string;
  publisher_msp: string;
  objects: ObjectAnnouncement[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The one serialiser for every write and every event: canonical JSON as UTF-8. */
export function marshal(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

/** Decodes a stored value; undefined for an absent key (Fabric returns empty bytes). */
export function unmarshal<T>(bytes: Uint8Array | undefined): T | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  return JSON.parse(decoder.decode(bytes)) as T;
}

/** Walks a state iterator with next()/close(), the form both fabric-shim and the simulation offer. */
export async function collectRows(query: Promise<StateRowIterator>): Promise<StateRow[]> {
  const iterator = await query;
  const rows: StateRow[] = [];
  try {
    for (;;) {
      const r = await iterator.next();
      if (r.done || !r.value) break;
      rows.push({ key: r.value.key, value: r.value.value });
    }
  } finally {
    await iterator.close();
  }
  return rows;
}

/** The transaction timestamp (millisecond precision): the contract's only clock. */
export function txTime(stub: TxStub): Date {
  const ts = stub.getTxTimestamp();
  return new Date(Number(String(ts.seconds)) * 1000 + Math.floor(ts.nanos / 1_000_000));
}

/** The transaction timestamp as ISO 8601. */
export function txTimeIso(stub: TxStub): string {
  return txTime(stub).toISOString();
}

/** Reads one property of a STIX object without assuming more than that it is a JSON object. */
export function prop(object: StixObject, name: string): unknown {
  return (object as unknown as Record<string, unknown>)[name];
}

export function stringProp(object: StixObject, name: string): string | undefined {
  const v = prop(object, name);
  return typeof v === 'string' ? v : undefined;
}

export const idOf = (object: StixObject): string => stringProp(object, 'id') ?? '';
export const typeOf = (object: StixObject): string => stringProp(object, 'type') ?? '';

/** The version an object claims: `modified`, else `created` (marking definitions), else none (SCOs). */
export function versionOf(object: StixObject): string | null {
  return stringProp(object, 'modified') ?? stringProp(object, 'created') ?? null;
}

/** Version as a key (see keys.ts); UNVERSIONED_KEY for objects without a version. */
export function versionKeyOf(object: StixObject): string {
  const v = versionOf(object);
  if (v === null) return UNVERSIONED_KEY;
  const key = timestampKey(v);
  if (key === undefined) {
    throw new ContractError('INVALID_BUNDLE', `${idOf(object)}: modified is not a STIX timestamp`, [
      { objectIndex: null, objectId: idOf(object), property: 'modified', message: 'not a STIX timestamp' },
    ]);
  }
  return key;
}

export async function readRecord(stub: TxStub, id: string): Promise<ObjectRecord | undefined> {
  return unmarshal<ObjectRecord>(await stub.getState(objectKey(id)));
}

/** Bounding box of the area an object stands for (an alert's area, a location's position). */
function bboxOf(object: StixObject): [number, number, number, number] | null {
  const area = areaOfObject(object);
  return area ? areaBBox(area) : null;
}

/** Index entry of an object's latest version. */
export function indexEntryOf(object: StixObject): IndexEntry {
  return { id: idOf(object), type: typeOf(object), modified: versionOf(object), bbox: bboxOf(object) };
}

/** The announcement of an object; `placement` (from its bundle and the ledger) overrides the object's own bbox. */
export function announcementOf(object: StixObject, placement?: Placement): ObjectAnnouncement {
  const alert = alertOf(object);
  const area = areaOfObject(object) ?? null;
  return {
    id: idOf(object),
    type: typeOf(object),
    modified: versionOf(object),
    tlp: tlpOf(object) ?? null,
    audience: audienceOf(object),
    area,
    bbox: placement?.bbox ?? bboxOf(object),
    ...(placement?.countries.length ? { countries: placement.countries } : {}),
    severity: alert?.severity ?? null,
    category: alert?.category ?? null,
    created_by_ref: stringProp(object, 'created_by_ref') ?? null,
    revoked: prop(object, 'revoked') === true,
  };
}

/** Emits the transaction's one `popart.objects` event, unless nothing changed. */
export function emitObjectsEvent(stub: TxStub, publisherMsp: string, objects: ObjectAnnouncement[]): void {
  if (objects.length === 0) return;
  const payload: ObjectsEventPayload = { tx_id: stub.getTxID(), publisher_msp: publisherMsp, objects };
  stub.setEvent(OBJECTS_EVENT, marshal(payload));
}
