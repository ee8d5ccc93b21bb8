/**
 * Interim TLP 2.0 gate in TypeScript (agency level only), until the Rego policies are wired in.
 */
import type { AgencySubject, Decision, ObjectFacts, PolicyGate, Viewer } from './policy.js';

function decide(agency: AgencySubject, obj: ObjectFacts): Decision {
  const tlp = obj.tlp ?? 'amber';
  const label = `TLP:${tlp.toUpperCase()}`;
  const d = (allow: boolean, reason: string, rule: string): Decision => ({ allow, reasons: [reason], rule, remove: [], coarsen: [] });
  if (obj.publisher === agency.key) return d(true, `${label}: published by your agency`, 'release.own');
  switch (tlp) {
    case 'clear':
      return d(true, `${label}: public`, 'release.clear');
    case 'green':
      return d(true, `${label}: shared with the whole community`, 'release.green');
    case 'amber':
      return obj.audience.includes(agency.identityId)
        ? d(true, `${label}: your agency is a named recipient`, 'release.amber')
        : d(false, `${label}${obj.tlp ? '' : ' (unmarked)'}: your agency is not among the named recipients`, 'release.amber');
    case 'amber+strict':
      return d(false, `${label}: restricted to the publishing organisation`, 'release.amber_strict');
    case 'red':
      return d(false, `${label}: restricted to named individuals of the publishing organisation`, 'release.red');
  }
}

export class TlpPolicy implements PolicyGate {
  readonly runtime = 'typescript';
  readonly revision = 'tlp-interim';
  async release(agency: AgencySubject, obj: ObjectFacts): Promise<Decision> {
    return decide(agency, obj);
  }
  async decide(viewer: Viewer, objects: readonly ObjectFacts[]): Promise<Decision[]> {
    return objects.map((o) => decide(viewer.agency, o));
  }
  async close(): Promise<void> {}
}
