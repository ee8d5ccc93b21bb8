export const replicationTypeDefs = /* GraphQL */ `
  "An object committed on the ledger that this node's read model could not take, set aside so replication goes on."
  type QuarantinedObject {
    objectId: String!
    "Its version (modified), empty when unknown."
    modified: String!
    blockNumber: Int!
    transactionId: String!
    "Ledger organisation that published it."
    publisherMsp: String!
    "Why the read model refused it."
    reason: String!
    "Times it was tried."
    attempts: Int!
    quarantinedAt: String!
    lastAttemptAt: String!
  }

  "How this node's copy of the ledger is doing."
  type ReplicationStatus {
    "Last block applied to the read model (-1: none)."
    appliedBlock: Int!
    "Blocks on the ledger not applied yet (null when the ledger could not say)."
    lag: Int
    "True when the listener has not been able to move for more than 10 s."
    stuck: Boolean!
    "The error the listener is meeting, while it fails."
    lastError: String
    quarantinedCount: Int!
    quarantined(first: Int = 100): [QuarantinedObject!]!
  }

  type QuarantineRetry {
    "Ids now stored in the read model."
    stored: [String!]!
    "Those still refused, with the new reason."
    stillQuarantined: [QuarantinedObject!]!
  }

  extend type Query {
    "Replication lag and the objects set aside (quarantine)."
    replication: ReplicationStatus! @auth(roles: [SUPERVISOR])
  }

  extend type Mutation {
    "Tries quarantined objects again (all, or those ids), after the cause was fixed."
    retryQuarantined(objectIds: [String!]): QuarantineRetry! @auth(roles: [SUPERVISOR])
  }
`;
