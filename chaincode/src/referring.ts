/**
 * Endorsement rules about what an object refers to, read from the bundle and the ledger:
 *
 *  - a sighting is never less restricted than the object it is a sighting of (its TLP, and for AMBER its
 *    audience), whether that object is in the same bundle or already on the ledger: otherwise every agency
 *    would learn the id of a RED alert, who responded to it and their note;
 *  - the placement of each object (standard STIX: the object's own area or country, `located-at`
 *    relationships to locations, a sighting's `where_sighted_refs`), announced in the objects event so
 *    that every node judges territory on it before fetching the object.
 */
import {
  effectiveMarking, lessRestrictedThanSubject, placementRefs, placementsOf, type Placement, type StixIssue, type StixObject,
} from '@popart/schemas';
import type { TxStub } from './fabric.js';
import { validationError } from './input.js';
import { idOf, readRecord, stringProp, typeOf } from './records.js';
import { agencyByMsp } from './registry.js';

/** Refuses (INVALID_BUNDLE, naming the object and the property) a sighting less restricted than its subject. */
export async function checkSightingMarkings(stub: TxStub, objects: readonly StixObject[]): Promise<void> {
  const inBundle = new Map(objects.map((o) => [idOf(o), o]));
  const issues: StixIssue[] = [];
  for (const [index, object] of objects.entries()) {
    if (typeOf(object) !== 'sighting') continue;
    const ref = stringProp(object, 'sighting_of_ref');
    if (!ref) continue;
    let subject: StixObject | undefined = inBundle.get(ref);
    let publisherIdentity: string | undefined;
    if (!subject) {
      const record = await readRecord(stub, ref);
      if (!record) continue;
      subject = record.object;
      publisherIdentity = (await agencyByMsp(stub, record.publisher_msp))?.identity_id;
    }
    const issue = lessRestrictedThanSubject(effectiveMarking(object), stringProp(object, 'created_by_ref'), { object: subject, publisherIdentity });
    if (issue) issues.push({ objectIndex: index, objectId: idOf(object), ...issue });
  }
  if (issues.length > 0) throw validationError('the bundle', issues);
}

/** The placement of each object of the transaction, with the locations it names resolved from the ledger. */
export async function placementsOnLedger(stub: TxStub, objects: readonly StixObject[]): Promise<Map<string, Placement>> {
  const resolved = new Map<string, unknown>();
  for (const id of placementRefs(objects)) {
    const record = await readRecord(stub, id);
    if (record) resolved.set(id, record.object);
  }
  return placementsOf(objects, resolved);
}
