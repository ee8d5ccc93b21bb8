/** Who is asking: the agencies of the network as the node knows them, and a signed-in user with their role. */
export const authorityLevels = ['national', 'partner', 'regional', 'local'] as const;
export type AuthorityLevel = (typeof authorityLevels)[number];

export const roles = ['analyst', 'operator', 'supervisor', 'auditor'] as const;
/** What a user does: analyst, operator (in the field), supervisor, auditor. */
export type Role = (typeof roles)[number];

/** An agency of the network as the node knows it. */
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
  /** Alerts below this severity are not routed to this user (operators, supervisors). */
  minSeverity?: string;
  /**
   * The purpose the user stated once for this session (auth/session-purposes.ts): every consultation that states none
   * of its own is made and audited under it.
   */
  purpose?: string;
  /**
   * The exercise (training) this request asked for explicitly: only then does the policy show that exercise's objects,
   * which are otherwise hidden on every path (modules/exercise).
   */
  exercise?: string;
}
