export const auditTypeDefs = /* GraphQL */ `
  "What was done with data (LED Art. 25), or AUTHENTICATION: a refused sign-in (with any lock it caused) or a logout."
  enum AuditAction { COLLECTION CONSULTATION DISCLOSURE ALTERATION ERASURE AUTHENTICATION }

  "One entry of this agency's audit log, chained to the previous one by its hash."
  type AuditEntry {
    seq: Int!
    "When (RFC 3339)."
    at: String!
    "Username of the actor (or node:<part> for the node itself)."
    actor: String!
    "Agency key of the actor."
    actorAgency: String!
    actorRole: String!
    action: AuditAction!
    objectIds: [String!]!
    purpose: String
    "Agency keys (disclosure) or usernames (consultation) the data went to."
    recipients: [String!]!
    decisionId: String
    policyRevision: String
    details: JSON!
    prevHash: String!
    hash: String!
  }

  type AuditEdge { cursor: String!, node: AuditEntry! }
  type AuditConnection { edges: [AuditEdge!]!, pageInfo: PageInfo! }

  input AuditFilter {
    "at or after (RFC 3339)."
    from: String
    "at or before (RFC 3339)."
    to: String
    "Username of the actor."
    actor: String
    "Agency key of the actor."
    agency: String
    action: AuditAction
    "Entries concerning this object id."
    objectId: String
  }

  "The result of walking the whole audit log and comparing it with its anchors on the ledger."
  type AuditVerification {
    ok: Boolean!
    entries: Int!
    firstBadSeq: Int
    problem: String
    anchorsChecked: Int!
    headSeq: Int!
    headHash: String!
    "Last entry anchored on the ledger."
    lastAnchoredSeq: Int
  }

  extend type Query {
    "Your agency's audit log, newest first."
    auditLog(filter: AuditFilter, first: Int = 50, after: String): AuditConnection! @auth(roles: [AUDITOR, SUPERVISOR])
    "Checks your agency's audit log: hash chain, and the anchors on the ledger."
    verifyAuditLog: AuditVerification! @auth(roles: [AUDITOR])
  }
`;
