/**
 * The policy port: the one gate every egress path calls (queries, single reads, subscriptions, and
 * every later path). Decisions carry reasons so a user can be told why something is hidden.
 *
 * Foundation implementation: TLP 2.0 and audience rules (tlp-policy.ts). Rego evaluated by OPA
 * (wasm in process, or an OPA server) replaces it behind this same interface.
 */
import type { TlpLevel } from '@popart/schemas';
import type { Role } from '../config/config.js';

export type AuthorityLevel = 'national' | 'partner' | 'regional' | 'local';

/** An agency of the network as the policy sees it. */
export interface AgencySubject {
  key: string;
  mspId: string;
  identityId: string;
  level: AuthorityLevel;
}

/** A signed-in user. */
export interface Viewer {
  username: string;
  displayName: string;
  role: Role;
  agency: AgencySubject;
}

/** What the policy needs to know of an object (never its full content). */
export interface ObjectFacts {
  id: string;
  type: string;
  publisherMsp: string;
  tlp: TlpLevel | null;
  audience: string[];
}

export interface Decision {
  allow: boolean;
  /** Human-readable reasons: the rule that allowed or denied. */
  reasons: string[];
  /** Property paths to remove from the object before it leaves the node. */
  redact: string[];
}

export interface PolicyGate {
  /** Release: may this agency's node receive and keep the object's content at all? */
  mayHold(agency: AgencySubject, obj: ObjectFacts): Decision;
  /** Visibility and redaction for one user. */
  view(viewer: Viewer, obj: ObjectFacts): Decision;
}
