/**
 * Who a publication reaches, as the publishing service asks it: the agencies the release policy lets hold
 * the objects (for the disclosure log), and the organisations that keep a private object's content.
 */
import { audienceOf, tlpOf, type StixObject } from '@popart/schemas';
import type { AgencySubject } from '../../identity.js';
import type { PolicyGate } from '../../policy/policy.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';
import { factsFromObject } from '../threat/facts.js';

/** Agencies other than this one that the release policy lets hold the objects (for the disclosure log). */
export function releaseRecipients(policy: PolicyGate, directory: AgencyDirectory, agency: AgencySubject): (objects: StixObject[]) => Promise<string[]> {
  return async (objects) => {
    const now = new Date();
    const facts = objects.map((o) => factsFromObject(o, agency.key, agency.mspId));
    const recipients: string[] = [];
    for (const other of directory.all().filter((a) => a.key !== agency.key)) {
      if ((await policy.releaseMany(other, facts, now)).some((d) => d.allow)) recipients.push(other.key);
    }
    return recipients.sort();
  };
}

/** Who keeps a private object's content: this agency, and for TLP:AMBER the agencies of its audience. */
export function privateKeepers(directory: AgencyDirectory, agency: AgencySubject): (o: StixObject) => Promise<string[]> {
  return async (o) => {
    if (tlpOf(o) !== 'amber') return [agency.mspId];
    const audience = audienceOf(o);
    if (audience.some((id) => !directory.byIdentityId(id))) await directory.refresh();
    return [agency.mspId, ...audience.map((id) => directory.byIdentityId(id)?.mspId).filter((m): m is string => m !== undefined)];
  };
}
