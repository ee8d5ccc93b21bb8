/**
 * Private data by TLP 2.0, in two transactions (see chaincode/README.md, "Private data"):
 *
 *  1. `StorePrivateObjects`: the private objects (TLP:RED, AMBER+STRICT, AMBER) come only as transient data and
 *     are written only into private data collections: RED and AMBER+STRICT into the publisher's collection,
 *     AMBER also into the collection of each agency of its audience. No public write, so on Fabric only the
 *     members of those collections endorse it (collection-level endorsement policies) and no other
 *     organisation's peer ever receives the content. Every check of PublishBundle runs on them. Beside each
 *     object the contract stores, in the publisher's collection, its `PrivateEntry`: the content-free stub,
 *     the content hash and what the objects event will announce (computed here, from the content).
 *  2. `PublishBundleWithPrivate`: the public objects in clear plus the entries; the contract checks with
 *     `getPrivateDataHash` (readable on every peer) that each entry and its content are exactly what step 1
 *     stored in the caller's collection, writes the public records (stub and hash, no content) and emits the
 *     usual objects event. A majority endorses it, as every public write.
 *
 * Collections hold, per object version: `pvt-obj` [publisher MSP, id, version] → the object (canonical JSON),
 * in every collection it goes to; `pvt-entry` [id, version] → the PrivateEntry, in the publisher's only.
 */
import { audienceOf, sha256Hex, tlpOf, type StixIssue, type StixObject } from '@popart/schemas';
import { ContractError } from './errors.js';
import type { TxContext, TxStub } from './fabric.js';
import { parseJson, validationError } from './input.js';
import {
  announcementOf, idOf, marshal, prop, typeOf, unmarshal, versionKeyOf, versionOf,
  type ObjectAnnouncement, type ObjectRecord, type ReceiptObject,
} from './records.js';
import { commitPlans, planObjects, registryCache, validBundleObjects } from './publish.js';
import { isPrivateObject, refusePrivateContent } from './private-marking.js';
import { placementsOnLedger } from './referring.js';
import { requireCallerAgency, type AgencyEntry } from './registry.js';
import { privateCollectionOf } from './tx-context.js';
import { planVersion, type VersionPlan } from './versioning.js';

/** Name of the transient field carrying the private objects (a STIX bundle, JSON text). */
export const PRIVATE_BUNDLE_FIELD = 'bundle';

export const PRIVATE_OBJECT_INDEX = 'pvt-obj';
export const PRIVATE_ENTRY_INDEX = 'pvt-entry';

/** What the channel learns of a private object: stored by StorePrivateObjects, sent back by PublishBundleWithPrivate. */
export interface PrivateEntry {
  /** The content-free stub that the public record holds instead of the object. */
  stub: StixObject;
  /** sha256Hex of the object: the SHA-256 of the bytes stored in the collections. */
  hash: string;
  /** What the objects event announces (tlp, audience, area, bbox, severity, category, ...), computed from the content. */
  announcement: ObjectAnnouncement;
  /** The collections holding the content, the publisher's first. */
  collections: string[];
}

/** What StorePrivateObjects returns: the receipt, and the entries to send to PublishBundleWithPrivate. */
export interface PrivateStoreReceipt { txId: string; objects: ReceiptObject[]; entries: PrivateEntry[] }

export const privateObjectKey = (stub: TxStub, publisherMsp: string, id: string, version: string): string =>
  stub.createCompositeKey(PRIVATE_OBJECT_INDEX, [publisherMsp, id, version]);
export const privateEntryKey = (stub: TxStub, id: string, version: string): string =>
  stub.createCompositeKey(PRIVATE_ENTRY_INDEX, [id, version]);

const STUB_PROPERTIES = ['type', 'spec_version', 'id', 'created', 'modified', 'created_by_ref', 'object_marking_refs', 'revoked'];

/** The content-free stub of a private object; its audience kept as x_popart_audience_refs (what sightings of it must keep). */
export function stubOf(object: StixObject): StixObject {
  const stub: Record<string, unknown> = {};
  for (const name of STUB_PROPERTIES) {
    const value = prop(object, name);
    if (value !== undefined) stub[name] = value;
  }
  const audience = audienceOf(object);
  if (audience.length > 0) stub.x_popart_audience_refs = audience;
  return stub as unknown as StixObject;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The collections an object's content goes to: the publisher's; for AMBER also each registered agency of its audience. */
async function collectionsFor(object: StixObject, agency: AgencyEntry, registered: (id: string) => Promise<AgencyEntry | undefined>): Promise<string[]> {
  const own = privateCollectionOf(agency.msp_id);
  if (tlpOf(object) !== 'amber') return [own];
  const others = new Set<string>();
  for (const ref of audienceOf(object)) {
    const member = await registered(ref);
    if (member && member.msp_id !== agency.msp_id) others.add(privateCollectionOf(member.msp_id));
  }
  return [own, ...[...others].sort()];
}

function transientBundle(stub: TxStub): string {
  const raw = stub.getTransient().get(PRIVATE_BUNDLE_FIELD);
  if (!raw || raw.length === 0) {
    throw new ContractError('INVALID_ARGUMENT', `StorePrivateObjects takes the private objects as transient data "${PRIVATE_BUNDLE_FIELD}" (a STIX bundle)`, {
      objectId: null, property: `transient.${PRIVATE_BUNDLE_FIELD}`,
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ContractError('MALFORMED_JSON', `transient data "${PRIVATE_BUNDLE_FIELD}" is not UTF-8`, { objectId: null, property: `transient.${PRIVATE_BUNDLE_FIELD}` });
  }
}

/** Step 1: checks the private objects and writes them (and their entries) into private data collections only. */
export async function storePrivateObjects(ctx: TxContext): Promise<PrivateStoreReceipt> {
  const { stub } = ctx;
  const agency = await requireCallerAgency(ctx);
  const objects = validBundleObjects(stub, transientBundle(stub), 'private bundle');
  const issues: StixIssue[] = [];
  objects.forEach((object, index) => {
    if (isPrivateObject(object)) return;
    issues.push({ objectIndex: index, objectId: idOf(object), property: 'object_marking_refs',
      message: 'only TLP:RED, TLP:AMBER+STRICT and TLP:AMBER objects go to private data collections; publish the others with PublishBundle' });
  });
  if (issues.length > 0) throw validationError('the private bundle', issues);
  const plans = await planObjects(stub, objects, agency.msp_id, new Set(objects.map(idOf)));
  const placements = await placementsOnLedger(stub, objects);
  const registered = registryCache(stub);
  const own = privateCollectionOf(agency.msp_id);
  const receipt: ReceiptObject[] = [];
  const entries: PrivateEntry[] = [];
  for (const plan of plans) {
    const { object } = plan;
    const id = idOf(object);
    receipt.push({ id, type: typeOf(object), modified: versionOf(object), status: plan.status });
    if (plan.status === 'unchanged') continue; // already on the channel with this content: nothing to announce again
    // planObjects refused any id first published by another organisation: the caller is the publisher.
    const collections = await collectionsFor(object, agency, registered);
    const content = marshal(object);
    for (const collection of collections) await stub.putPrivateData(collection, privateObjectKey(stub, agency.msp_id, id, plan.versionKey), content);
    const entry: PrivateEntry = { stub: stubOf(object), hash: plan.hash, announcement: announcementOf(object, placements.get(id)), collections };
    await stub.putPrivateData(own, privateEntryKey(stub, id, plan.versionKey), marshal(entry));
    entries.push(entry);
  }
  return { txId: stub.getTxID(), objects: receipt, entries };
}

function entryShapeIssue(value: unknown, index: number): StixIssue | null {
  const fault = (property: string, message: string): StixIssue => ({ objectIndex: index, objectId: null, property, message });
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fault('private', 'each private entry must be an object { stub, hash, announcement, collections }');
  const e = value as Record<string, unknown>;
  if (!e.stub || typeof e.stub !== 'object' || Array.isArray(e.stub) || typeof (e.stub as Record<string, unknown>).id !== 'string') return fault('stub', 'must be the stub StorePrivateObjects returned');
  if (typeof e.hash !== 'string') return fault('hash', 'must be a sha256 hex');
  if (!e.announcement || typeof e.announcement !== 'object') return fault('announcement', 'must be the announcement StorePrivateObjects returned');
  if (!Array.isArray(e.collections) || !e.collections.every((c) => typeof c === 'string')) return fault('collections', 'must be a list of collection names');
  return null;
}

/**
 * Step 2: the public objects (possibly none: `bundleJson` '') and the entries of private objects stored by
 * step 1, checked against the hashes on the channel, recorded as stubs with their hash, announced in one event.
 */
export async function publishBundleWithPrivate(ctx: TxContext, bundleJson: string, privateJson: string): Promise<{ txId: string; objects: ReceiptObject[] }> {
  const { stub } = ctx;
  const agency = await requireCallerAgency(ctx);
  const objects = bundleJson === '' ? [] : validBundleObjects(stub, bundleJson);
  refusePrivateContent(objects, 'the bundle');
  const parsed = parseJson(privateJson, 'private entries');
  if (!Array.isArray(parsed)) throw new ContractError('INVALID_ARGUMENT', 'the private entries must be a JSON array', { objectId: null, property: 'private' });
  const shapeIssues = parsed.map(entryShapeIssue).filter((i): i is StixIssue => i !== null);
  if (shapeIssues.length > 0) throw validationError('the private entries', shapeIssues);
  const entries = parsed as PrivateEntry[];
  if (objects.length === 0 && entries.length === 0) {
    throw new ContractError('INVALID_ARGUMENT', 'nothing to publish: no public object and no private entry', { objectId: null, property: 'private' });
  }
  const ids = new Set(objects.map(idOf));
  for (const entry of entries) {
    const id = idOf(entry.stub);
    if (ids.has(id)) throw new ContractError('INVALID_ARGUMENT', `${id} appears more than once in the publication`, { objectId: id, property: 'id' });
    ids.add(id);
  }

  const plans: VersionPlan[] = await planObjects(stub, objects, agency.msp_id, ids);
  const own = privateCollectionOf(agency.msp_id);
  for (const entry of entries) {
    const id = idOf(entry.stub);
    const version = versionKeyOf(entry.stub);
    const mismatch = (what: string): ContractError => new ContractError('INVALID_ARGUMENT',
      `${id}: ${what} does not match what StorePrivateObjects stored in ${own}; send the entry it returned, once it has committed`, { objectId: id, property: 'private' });
    if (hex(await stub.getPrivateDataHash(own, privateEntryKey(stub, id, version))) !== sha256Hex(entry)) throw mismatch('the private entry');
    const plan = await planVersion(stub, entry.stub, agency.msp_id, { reference: false, hash: entry.hash });
    if (hex(await stub.getPrivateDataHash(own, privateObjectKey(stub, agency.msp_id, id, version))) !== entry.hash) throw mismatch('the content hash');
    plans.push({ ...plan, privateEntry: entry });
  }
  const receipt = await commitPlans(stub, agency, plans, await placementsOnLedger(stub, objects));
  return { txId: stub.getTxID(), objects: receipt };
}

/**
 * The record of a private object with its content, from the caller's own collection; NOT_AVAILABLE when the
 * caller's organisation holds no copy (not the publisher, not in an AMBER object's audience).
 */
export async function withPrivateContent(ctx: TxContext, record: ObjectRecord): Promise<ObjectRecord> {
  if (!record.private) return record;
  const { stub } = ctx;
  const id = idOf(record.object);
  const mspId = ctx.clientIdentity.getMSPID();
  const own = privateCollectionOf(mspId);
  const notAvailable = (): ContractError => new ContractError('NOT_AVAILABLE',
    `${id} is ${(tlpOf(record.object) ?? 'restricted').toUpperCase()} private data of ${record.publisher_msp}: its content is not available to your organisation (${mspId}); the channel holds its hash ${record.hash}`,
    { objectId: id, property: 'id', publisher_msp: record.publisher_msp, hash: record.hash });
  if (!record.private.collections.includes(own)) throw notAvailable();
  const version = versionKeyOf(record.object);
  const object = unmarshal<StixObject>(await stub.getPrivateData(own, privateObjectKey(stub, record.publisher_msp, id, version)));
  if (!object || sha256Hex(object) !== record.hash) throw notAvailable();
  return { ...record, object };
}
