/**
 * The writing transactions besides registration: publish a bundle, record a sighting, revoke.
 *
 * Every check runs before the first write; a failing check throws, which aborts the transaction on a
 * peer and leaves the simulated write set empty, so a bundle is stored whole or not at all.
 */
import {
  AGENCY_EXTENSION_ID, ALERT_EXTENSION_ID, canonicalJson, isTlpMarkingId, tlpOf, validateBundle, validateObject, type Placement, type StixIssue, type StixObject,
} from '@popart/schemas';
import { ContractError } from './errors.js';
import type { TxContext, TxStub } from './fabric.js';
import { asRecord, parseJson, validationError } from './input.js';
import { timestampKey } from './keys.js';
import {
  emitObjectsEvent, idOf, prop, readRecord, stringProp, txTime, txTimeIso, typeOf, versionKeyOf, type Receipt, type ReceiptObject,
} from './records.js';
import { refusePrivateContent } from './private-marking.js';
import { agencyById, requireCallerAgency, type AgencyEntry } from './registry.js';
import { checkSightingMarkings, placementsOnLedger } from './referring.js';
import { planVersion, writePlans, type VersionPlan } from './versioning.js';

/** TLP marking definitions and the POP-ART extension definitions (alert, agency): shared reference data. */
export function isReferenceObject(object: StixObject): boolean {
  const type = typeOf(object);
  const id = idOf(object);
  return (type === 'marking-definition' && isTlpMarkingId(id)) || (type === 'extension-definition' && (id === ALERT_EXTENSION_ID || id === AGENCY_EXTENSION_ID));
}

/** Registry lookups by identity id, each read once per transaction. */
export function registryCache(stub: TxStub): (identityId: string) => Promise<AgencyEntry | undefined> {
  const seen = new Map<string, Promise<AgencyEntry | undefined>>();
  return (identityId) => {
    let hit = seen.get(identityId);
    if (!hit) {
      hit = agencyById(stub, identityId);
      seen.set(identityId, hit);
    }
    return hit;
  };
}

function spoofed(objectId: string, property: string, text: string, owner: AgencyEntry): ContractError {
  return new ContractError('SPOOFED_CREATOR', text, { objectId, property, msp_id: owner.msp_id });
}

/**
 * Anti-spoofing: an object may name as its creator a registered agency only if that agency is the
 * caller; an identity object may not carry another agency's registered id. Foreign STIX keeps its
 * original producer when that producer's identity is in the bundle or already on the ledger.
 */
async function checkCreator(
  stub: TxStub,
  object: StixObject,
  index: number,
  callerMsp: string,
  bundleIds: ReadonlySet<string>,
  registered: (identityId: string) => Promise<AgencyEntry | undefined>,
): Promise<void> {
  const id = idOf(object);
  const createdBy = stringProp(object, 'created_by_ref');
  if (createdBy === undefined) return;
  const owner = await registered(createdBy);
  if (owner) {
    if (owner.msp_id !== callerMsp) {
      throw spoofed(id, 'created_by_ref', `${id}: created_by_ref ${createdBy} is the identity of ${owner.msp_id}, not of the caller ${callerMsp}`, owner);
    }
    return;
  }
  if (bundleIds.has(createdBy) || (await readRecord(stub, createdBy))) return;
  const issue: StixIssue = {
    objectIndex: index, objectId: id, property: 'created_by_ref',
    message: `refers to ${createdBy}, which is neither in the bundle nor on the ledger`,
  };
  throw validationError('the bundle', [issue]);
}

function duplicateIssues(objects: readonly StixObject[]): StixIssue[] {
  const first = new Map<string, number>();
  const issues: StixIssue[] = [];
  objects.forEach((object, index) => {
    const id = idOf(object);
    const seen = first.get(id);
    if (seen === undefined) first.set(id, index);
    else issues.push({ objectIndex: index, objectId: id, property: 'id', message: `appears more than once in the bundle (first at objects[${seen}])` });
  });
  return issues;
}

/** The objects of a bundle given as JSON text, after every check that needs no state (STIX, limits at the transaction time, duplicates, versions). */
export function validBundleObjects(stub: TxStub, bundleJson: string, what = 'bundle'): StixObject[] {
  const result = validateBundle(parseJson(bundleJson, what), { now: txTime(stub) });
  if (!result.ok) throw validationError(`the ${what}`, result.errors);
  const objects: StixObject[] = result.value.objects ?? [];
  const duplicates = duplicateIssues(objects);
  if (duplicates.length > 0) throw validationError(`the ${what}`, duplicates);
  objects.forEach((object) => versionKeyOf(object)); // every version parses before anything is read
  return objects;
}

/** The first top-level property whose value differs between two versions of an object (`modified` when only it does). */
function firstDifference(a: StixObject, b: StixObject): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== 'modified').sort();
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  return keys.find((k) => canonicalJson(left[k] ?? null) !== canonicalJson(right[k] ?? null)) ?? 'modified';
}

/**
 * A registered agency identity changes only through RegisterAgency. A publication may carry it as registered (an
 * export passed on, a partner's feed repeating its producer: unchanged, nothing written); any other version is
 * refused — sent by the agency itself with REGISTERED_IDENTITY naming the first property that differs, by anyone else
 * as SPOOFED_CREATOR — so that no bundle replaces the registered identity and silently drops what it says.
 */
async function planRegisteredIdentity(stub: TxStub, object: StixObject, callerMsp: string, owner: AgencyEntry): Promise<VersionPlan> {
  let plan: VersionPlan | undefined;
  try {
    plan = await planVersion(stub, object, owner.msp_id, { reference: false });
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
  }
  if (plan?.status === 'unchanged') return plan;
  const id = idOf(object);
  if (owner.msp_id !== callerMsp) {
    throw spoofed(id, 'id', `${id} is the registered identity of ${owner.msp_id}; ${callerMsp} cannot publish another version of it`, owner);
  }
  const registered = (await readRecord(stub, id))?.object;
  const property = registered ? firstDifference(object, registered) : 'id';
  throw new ContractError('REGISTERED_IDENTITY',
    `${id} is the registered identity of ${owner.msp_id}: it changes only through RegisterAgency, not in a bundle (${property} differs from the registered version)`,
    { objectId: id, property, msp_id: owner.msp_id });
}

/**
 * The creator rules and the version plan of every object, then the rule on sightings' markings: every check
 * that reads state, before anything is written. `bundleIds` are the ids of the whole publication (foreign
 * producers may be among them).
 */
export async function planObjects(stub: TxStub, objects: readonly StixObject[], callerMsp: string, bundleIds: ReadonlySet<string>): Promise<VersionPlan[]> {
  const registered = registryCache(stub);
  const plans: VersionPlan[] = [];
  for (const [index, object] of objects.entries()) {
    const reference = isReferenceObject(object);
    if (!reference) await checkCreator(stub, object, index, callerMsp, bundleIds, registered);
    const owner = typeOf(object) === 'identity' ? await registered(idOf(object)) : undefined;
    plans.push(owner ? await planRegisteredIdentity(stub, object, callerMsp, owner) : await planVersion(stub, object, callerMsp, { reference }));
  }
  await checkSightingMarkings(stub, objects);
  return plans;
}

/** Writes the planned versions, emits the objects event; returns the receipt entries. */
export async function commitPlans(stub: TxStub, agency: AgencyEntry, plans: readonly VersionPlan[], placements: ReadonlyMap<string, Placement>): Promise<ReceiptObject[]> {
  const { receipt, announcements } = await writePlans(stub, plans, agency.msp_id, placements);
  emitObjectsEvent(stub, agency.msp_id, announcements);
  return receipt;
}

export async function publishBundle(ctx: TxContext, bundleJson: string): Promise<Receipt> {
  const { stub } = ctx;
  const agency = await requireCallerAgency(ctx);
  const objects = validBundleObjects(stub, bundleJson);
  refusePrivateContent(objects, 'the bundle');
  const plans = await planObjects(stub, objects, agency.msp_id, new Set(objects.map(idOf)));
  const receipt = await commitPlans(stub, agency, plans, await placementsOnLedger(stub, objects));
  return { txId: stub.getTxID(), objects: receipt };
}

/**
 * Cross-agency corroboration: any registered agency records that it saw an object already on the
 * ledger. The sighting is created by the caller's own identity.
 */
export async function recordSighting(ctx: TxContext, sightingJson: string): Promise<Receipt> {
  const { stub } = ctx;
  const agency = await requireCallerAgency(ctx);
  const parsed = parseJson(sightingJson, 'sighting');
  asRecord(parsed, 'sighting');
  const result = validateObject(parsed, undefined, { now: txTime(stub) });
  if (!result.ok) throw validationError('the sighting', result.errors);
  const sighting = result.value;
  const id = idOf(sighting);
  if (typeOf(sighting) !== 'sighting') {
    throw new ContractError('INVALID_ARGUMENT', `RecordSighting takes a sighting, not a ${typeOf(sighting)}`, { objectId: id, property: 'type' });
  }
  const createdBy = stringProp(sighting, 'created_by_ref');
  if (createdBy !== agency.identity_id) {
    throw new ContractError('SPOOFED_CREATOR', `${id}: created_by_ref must be the caller's identity ${agency.identity_id}`, {
      objectId: id, property: 'created_by_ref', msp_id: agency.msp_id,
    });
  }
  const sighted = stringProp(sighting, 'sighting_of_ref') ?? '';
  if (!(await readRecord(stub, sighted))) {
    throw new ContractError('NOT_FOUND', `${id}: sighting_of_ref ${sighted} is not on the ledger`, {
      objectId: id, property: 'sighting_of_ref',
    });
  }
  refusePrivateContent([sighting], 'the sighting');
  await checkSightingMarkings(stub, [sighting]);
  const plan = await planVersion(stub, sighting, agency.msp_id, { reference: false });
  const { receipt, announcements } = await writePlans(stub, [plan], agency.msp_id, await placementsOnLedger(stub, [sighting]));
  emitObjectsEvent(stub, agency.msp_id, announcements);
  return { txId: stub.getTxID(), objects: receipt };
}

/** Revocation by the publisher: a new version with revoked: true and modified = the transaction time. */
export async function revokeObject(ctx: TxContext, id: string): Promise<Receipt> {
  const { stub } = ctx;
  const agency = await requireCallerAgency(ctx);
  const latest = await readRecord(stub, id);
  if (!latest) throw new ContractError('NOT_FOUND', `${id} is not on the ledger`, { objectId: id, property: 'id' });
  if (latest.publisher_msp !== agency.msp_id) {
    throw new ContractError('NOT_CREATOR', `${id} was first published by ${latest.publisher_msp}; only that organisation may revoke it`, {
      objectId: id, property: 'id', publisher_msp: latest.publisher_msp,
    });
  }
  if (stringProp(latest.object, 'modified') === undefined) {
    throw new ContractError('INVALID_ARGUMENT', `${id} (${typeOf(latest.object)}) has no versions and cannot be revoked`, { objectId: id, property: 'revoked' });
  }
  if (latest.private) {
    throw new ContractError('INVALID_ARGUMENT', `${id} is private data (${tlpOf(latest.object) ?? 'restricted'}): revoke it by publishing a new version with revoked: true through StorePrivateObjects and PublishBundleWithPrivate`, {
      objectId: id, property: 'revoked',
    });
  }
  if (prop(latest.object, 'revoked') === true) {
    throw new ContractError('INVALID_ARGUMENT', `${id} is already revoked`, { objectId: id, property: 'revoked' });
  }
  const modified = txTimeIso(stub);
  if ((timestampKey(modified) ?? '') <= versionKeyOf(latest.object)) {
    throw new ContractError('STALE_VERSION', `${id}: the transaction time ${modified} is not after the latest version ${stringProp(latest.object, 'modified') ?? ''}`, {
      objectId: id, property: 'modified', latest_modified: stringProp(latest.object, 'modified') ?? null,
    });
  }
  const revoked = { ...(latest.object as unknown as Record<string, unknown>), modified, revoked: true };
  const result = validateObject(revoked, undefined, { now: txTime(stub) });
  if (!result.ok) throw validationError('the revoked version', result.errors);
  const plan = await planVersion(stub, result.value, agency.msp_id, { reference: false });
  const { receipt, announcements } = await writePlans(stub, [plan], agency.msp_id);
  emitObjectsEvent(stub, agency.msp_id, announcements);
  return { txId: stub.getTxID(), objects: receipt };
}
