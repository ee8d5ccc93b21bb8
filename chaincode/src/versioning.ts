/**
 * Versioning of STIX objects on the ledger, in two phases so no transaction writes half its objects:
 * `planVersion` only reads and decides (or throws), `writePlans` only writes, after every object of
 * the transaction has been planned.
 *
 * Rules, per id:
 *  - first version: created, the caller's MSP becomes the id's publisher;
 *  - same version (modified) with identical canonical content: unchanged, whoever sends it (replays of
 *    foreign STIX that repeat a producer identity are harmless); an identical older version also;
 *  - only the publisher MSP may add versions (NOT_CREATOR), except for reference data (TLP marking
 *    definitions, the POP-ART extension definition), which anyone may carry;
 *  - same version with different content: VERSION_CONFLICT;
 *  - a revoked object gets no new versions, and a new version needs a strictly greater modified
 *    (STALE_VERSION).
 */
import type { Placement, StixObject } from '@popart/schemas';
import { ContractError } from './errors.js';
import type { TxStub } from './fabric.js';
import { objectKey, sightingIndexKey, timeIndexKey, typeIndexKey, versionKey } from './keys.js';
import {
  announcementOf, idOf, indexEntryOf, INLINE_OBJECT_MAX_BYTES, marshal, prop, readRecord, stringProp, txTimeIso, typeOf, unmarshal,
  versionKeyOf, versionOf, type ObjectAnnouncement, type ObjectRecord, type ReceiptObject,
} from './records.js';
import { sha256Hex } from '@popart/schemas';
import type { PrivateEntry } from './private-data.js';

export interface VersionPlan {
  object: StixObject;
  status: 'created' | 'updated' | 'unchanged';
  hash: string;
  versionKey: string;
  /** Latest record before this transaction (for updated objects). */
  previous: ObjectRecord | undefined;
  /** For private data: the entry stored in the publisher's collection (`object` is then its content-free stub). */
  privateEntry?: PrivateEntry;
}

export async function planVersion(
  stub: TxStub,
  object: StixObject,
  callerMsp: string,
  options: { reference: boolean; /** Hash of the content when `object` is a private object's stub. */ hash?: string },
): Promise<VersionPlan> {
  const id = idOf(object);
  const vKey = versionKeyOf(object);
  const hash = options.hash ?? sha256Hex(object);
  const latest = await readRecord(stub, id);
  if (!latest) return { object, status: 'created', hash, versionKey: vKey, previous: undefined };

  const latestKey = versionKeyOf(latest.object);
  if (vKey === latestKey && hash === latest.hash) {
    return { object, status: 'unchanged', hash, versionKey: vKey, previous: latest };
  }
  if (vKey < latestKey) {
    const stored = unmarshal<ObjectRecord>(await stub.getState(versionKey(stub, id, vKey)));
    if (stored && stored.hash === hash) return { object, status: 'unchanged', hash, versionKey: vKey, previous: latest };
  }
  if (!options.reference && latest.publisher_msp !== callerMsp) {
    throw new ContractError('NOT_CREATOR', `${id} was first published by ${latest.publisher_msp}; only that organisation may publish new versions`, {
      objectId: id, property: 'id', publisher_msp: latest.publisher_msp,
    });
  }
  if (vKey === latestKey) {
    throw new ContractError('VERSION_CONFLICT', `${id} version ${versionOf(object) ?? '(none)'} is already on the ledger with different content; a change needs a greater modified`, {
      objectId: id, property: 'modified', modified: versionOf(object), hash: latest.hash,
    });
  }
  if (prop(latest.object, 'revoked') === true) {
    throw new ContractError('STALE_VERSION', `${id} was revoked at ${versionOf(latest.object) ?? ''}; a revoked object gets no new versions`, {
      objectId: id, property: 'revoked', latest_modified: versionOf(latest.object),
    });
  }
  if (vKey < latestKey) {
    throw new ContractError('STALE_VERSION', `${id}: modified ${versionOf(object) ?? ''} is not after the latest version ${versionOf(latest.object) ?? ''}`, {
      objectId: id, property: 'modified', latest_modified: versionOf(latest.object),
    });
  }
  return { object, status: 'updated', hash, versionKey: vKey, previous: latest };
}

/**
 * Writes the planned objects (records, version, indexes) in plan order and returns the receipt
 * entries and the event announcements (created/updated objects only).
 */
export async function writePlans(
  stub: TxStub,
  plans: readonly VersionPlan[],
  callerMsp: string,
  /** Where each object is (standard STIX placement), for the announcements. */
  placements: ReadonlyMap<string, Placement> = new Map(),
): Promise<{ receipt: ReceiptObject[]; announcements: ObjectAnnouncement[] }> {
  const committedAt = txTimeIso(stub);
  const txId = stub.getTxID();
  const receipt: ReceiptObject[] = [];
  const announcements: ObjectAnnouncement[] = [];
  for (const plan of plans) {
    const { object } = plan;
    const id = idOf(object);
    const type = typeOf(object);
    receipt.push({ id, type, modified: versionOf(object), status: plan.status });
    if (plan.status === 'unchanged') continue;

    const record: ObjectRecord = {
      object,
      publisher_msp: plan.previous?.publisher_msp ?? callerMsp,
      tx_id: txId,
      committed_at: committedAt,
      hash: plan.hash,
      ...(plan.privateEntry ? { private: { collections: plan.privateEntry.collections } } : {}),
    };
    const bytes = marshal(record);
    await stub.putState(objectKey(id), bytes);
    await stub.putState(versionKey(stub, id, plan.versionKey), bytes);

    const previous = plan.previous?.object;
    if (previous) {
      const previousKey = versionKeyOf(previous);
      await stub.deleteState(typeIndexKey(stub, typeOf(previous), previousKey, id));
      await stub.deleteState(timeIndexKey(stub, previousKey, id));
    }
    const announced = plan.privateEntry?.announcement;
    const entry = marshal(announced ? { ...indexEntryOf(object), bbox: announced.bbox } : indexEntryOf(object));
    await stub.putState(typeIndexKey(stub, type, plan.versionKey, id), entry);
    await stub.putState(timeIndexKey(stub, plan.versionKey, id), entry);

    if (type === 'sighting') {
      const sighted = stringProp(object, 'sighting_of_ref');
      const previouslySighted = previous ? stringProp(previous, 'sighting_of_ref') : undefined;
      if (previouslySighted !== undefined && previouslySighted !== sighted) {
        await stub.deleteState(sightingIndexKey(stub, previouslySighted, id));
      }
      if (sighted !== undefined) await stub.putState(sightingIndexKey(stub, sighted, id), entry);
    }
    if (announced) announcements.push(announced);
    else {
      const announcement = announcementOf(object, placements.get(id));
      announcements.push(bytes.length <= INLINE_OBJECT_MAX_BYTES ? { ...announcement, object } : announcement);
    }
  }
  return { receipt, announcements };
}
