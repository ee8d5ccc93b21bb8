/**
 * TLP 2.0 (FIRST) release and visibility at agency level:
 * CLEAR and GREEN: every agency of the community; AMBER: the publisher and the agencies named in the
 * object's audience; AMBER+STRICT and RED: the publishing agency only. Unmarked objects are treated as
 * AMBER (need-to-know), the safe default for police data.
 */
import type { AgencySubject, Decision, ObjectFacts, PolicyGate, Viewer } from './policy.js';

function decide(agency: AgencySubject, obj: ObjectFacts): Decision {
  const tlp = obj.tlp ?? 'amber';
  const own = obj.publisherMsp === agency.mspId;
  const label = `TLP:${tlp.toUpperCase()}`;
  if (own) return { allow: true, reasons: [`${label}: published by your agency`], redact: [] };
  switch (tlp) {
    case 'clear':
      return { allow: true, reasons: [`${label}: public`], redact: [] };
    case 'green':
      return { allow: true, reasons: [`${label}: shared with the whole community`], redact: [] };
    case 'amber':
      return obj.audience.includes(agency.identityId)
        ? { allow: true, reasons: [`${label}: your agency is a named recipient`], redact: [] }
        : { allow: false, reasons: [`${label}${obj.tlp ? '' : ' (unmarked)'}: your agency is not among the named recipients`], redact: [] };
    case 'amber+strict':
      return { allow: false, reasons: [`${label}: restricted to the publishing organisation`], redact: [] };
    case 'red':
      return { allow: false, reasons: [`${label}: restricted to named individuals of the publishing organisation`], redact: [] };
  }
}

export class TlpPolicy implements PolicyGate {
  mayHold(agency: AgencySubject, obj: ObjectFacts): Decision {
    return decide(agency, obj);
  }
  view(viewer: Viewer, obj: ObjectFacts): Decision {
    return decide(viewer.agency, obj);
  }
}
