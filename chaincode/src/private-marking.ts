/**
 * Which objects are private data (TLP 2.0): TLP:RED and TLP:AMBER+STRICT content stays in the publisher's
 * organisation, TLP:AMBER content goes to the publisher and the organisations of its audience; neither is
 * ever written on the channel in clear. TLP:GREEN, TLP:CLEAR and unmarked objects are public state.
 */
import { tlpOf, type StixIssue, type StixObject, type TlpLevel } from '@popart/schemas';
import { validationError } from './input.js';
import { idOf } from './records.js';

export const PRIVATE_TLPS: ReadonlySet<TlpLevel> = new Set<TlpLevel>(['red', 'amber+strict', 'amber']);

/** True for an object whose content must go to private data collections. */
export function isPrivateObject(object: StixObject): boolean {
  const tlp = tlpOf(object);
  return tlp !== undefined && PRIVATE_TLPS.has(tlp);
}

/** Refuses (INVALID_BUNDLE, naming each object and object_marking_refs) private content sent to the channel. */
export function refusePrivateContent(objects: readonly StixObject[], what: string): void {
  const issues: StixIssue[] = [];
  objects.forEach((object, index) => {
    if (!isPrivateObject(object)) return;
    issues.push({
      objectIndex: index, objectId: idOf(object), property: 'object_marking_refs',
      message: `TLP:${(tlpOf(object) ?? '').toUpperCase()} content never goes on the channel: send it as transient data to StorePrivateObjects, then PublishBundleWithPrivate`,
    });
  });
  if (issues.length > 0) throw validationError(what, issues);
}
