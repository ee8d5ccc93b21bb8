/**
 * The agency registry: which STIX identity speaks for which organisation (Fabric MSP).
 *
 * One identity per MSP; an identity id, once registered, belongs to its MSP for good. The registry is
 * public to every agency, and so is the identity: it is registered TLP:CLEAR. The identity object is stored and
 * versioned like any published object, but only RegisterAgency makes new versions of it (publish.ts refuses them).
 */
import { tlpMarkingRef, tlpOf, validateObject, type StixObject } from '@popart/schemas';
import { ContractError } from './errors.js';
import type { TxContext, TxStub } from './fabric.js';
import { agencyByIdKey, agencyByMspKey, agencyRange } from './keys.js';
import {
  collectRows, emitObjectsEvent, idOf, marshal, prop, stringProp, txTime, txTimeIso, typeOf, unmarshal, type ReceiptObject,
} from './records.js';
import { parseJson, validationError } from './input.js';
import { planVersion, writePlans } from './versioning.js';

export interface AgencyEntry {
  msp_id: string;
  identity_id: string;
  /** The identity's name at its latest registration. */
  name: string;
  /** Transaction timestamp of the first registration. */
  registered_at: string;
  /** Transaction of the latest registration change. */
  tx_id: string;
}

export interface RegistrationReceipt { txId: string; agency: AgencyEntry; objects: ReceiptObject[] }

export async function agencyByMsp(stub: TxStub, mspId: string): Promise<AgencyEntry | undefined> {
  return unmarshal<AgencyEntry>(await stub.getState(agencyByMspKey(mspId)));
}

export async function agencyById(stub: TxStub, identityId: string): Promise<AgencyEntry | undefined> {
  return unmarshal<AgencyEntry>(await stub.getState(agencyByIdKey(identityId)));
}

/** Writes both registry entries of an agency. */
export async function putAgency(stub: TxStub, entry: AgencyEntry): Promise<void> {
  const bytes = marshal(entry);
  await stub.putState(agencyByMspKey(entry.msp_id), bytes);
  await stub.putState(agencyByIdKey(entry.identity_id), bytes);
}

/** The caller's registry entry, or UNKNOWN_AGENCY. */
export async function requireCallerAgency(ctx: TxContext): Promise<AgencyEntry> {
  const mspId = ctx.clientIdentity.getMSPID();
  const entry = await agencyByMsp(ctx.stub, mspId);
  if (!entry) {
    throw new ContractError('UNKNOWN_AGENCY', `${mspId} is not a registered agency; call RegisterAgency first`, { mspId });
  }
  return entry;
}

export async function listAgencies(stub: TxStub): Promise<AgencyEntry[]> {
  const [start, end] = agencyRange();
  const rows = await collectRows(stub.getStateByRange(start, end));
  return rows.map((r) => unmarshal<AgencyEntry>(r.value)).filter((e): e is AgencyEntry => e !== undefined);
}

function checkOrganisation(identity: StixObject): void {
  const id = idOf(identity);
  if (typeOf(identity) !== 'identity') {
    throw new ContractError('INVALID_ARGUMENT', `an agency registers a STIX identity, not a ${typeOf(identity)}`, {
      objectId: id, property: 'type',
    });
  }
  if (prop(identity, 'identity_class') !== 'organization') {
    throw new ContractError('INVALID_ARGUMENT', `${id}: an agency identity has identity_class "organization"`, {
      objectId: id, property: 'identity_class',
    });
  }
  if (tlpOf(identity) !== 'clear') {
    throw new ContractError('INVALID_ARGUMENT', `${id}: an agency identity is registered TLP:CLEAR (object_marking_refs ["${tlpMarkingRef('clear')}"]), so that every agency may hold it and export it with what the agency created`, {
      objectId: id, property: 'object_marking_refs',
    });
  }
  const createdBy = stringProp(identity, 'created_by_ref');
  if (createdBy !== undefined && createdBy !== id) {
    throw new ContractError('SPOOFED_CREATOR', `${id}: an agency identity is created by itself, not by ${createdBy}`, {
      objectId: id, property: 'created_by_ref',
    });
  }
}

export async function registerAgency(ctx: TxContext, identityJson: string): Promise<RegistrationReceipt> {
  const { stub } = ctx;
  const mspId = ctx.clientIdentity.getMSPID();
  const parsed = parseJson(identityJson, 'identity');
  const result = validateObject(parsed, undefined, { now: txTime(stub) });
  if (!result.ok) throw validationError('the identity', result.errors);
  const identity = result.value;
  checkOrganisation(identity);
  const id = idOf(identity);

  const byId = await agencyById(stub, id);
  if (byId && byId.msp_id !== mspId) {
    throw new ContractError('SPOOFED_CREATOR', `${id} is the registered identity of ${byId.msp_id} and cannot move to ${mspId}`, {
      objectId: id, property: 'id', msp_id: byId.msp_id,
    });
  }
  const byMsp = await agencyByMsp(stub, mspId);
  if (byMsp && byMsp.identity_id !== id) {
    throw new ContractError('INVALID_ARGUMENT', `${mspId} is already registered as ${byMsp.identity_id}; an organisation has one identity`, {
      objectId: id, property: 'id', identity_id: byMsp.identity_id,
    });
  }

  const plan = await planVersion(stub, identity, mspId, { reference: false });
  const name = stringProp(identity, 'name') ?? '';
  let agency: AgencyEntry = byMsp ?? { msp_id: mspId, identity_id: id, name, registered_at: txTimeIso(stub), tx_id: stub.getTxID() };
  if (plan.status !== 'unchanged' || !byMsp) {
    agency = { ...agency, name, tx_id: stub.getTxID() };
    await putAgency(stub, agency);
  }
  const { receipt, announcements } = await writePlans(stub, [plan], mspId);
  emitObjectsEvent(stub, mspId, announcements);
  return { txId: stub.getTxID(), agency, objects: receipt };
}
