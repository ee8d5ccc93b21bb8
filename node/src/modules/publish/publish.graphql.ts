export const publishTypeDefs = /* GraphQL */ `
  enum PublishStatus {
    "Committed on the ledger and visible in this node's read model."
    COMMITTED
    "The ledger could not be reached: kept in the outbox and submitted as soon as it is back."
    QUEUED
  }

  type PublishedObject { id: ID!, type: String!, modified: String!, status: String! }

  type PublishResult {
    status: PublishStatus!
    bundleId: ID!
    ids: [ID!]!
    objects: [PublishedObject!]!
    transactionId: String
    blockNumber: Int
    outboxId: Int
  }

  extend type Mutation {
    "Publishes a STIX 2.1 bundle (object or JSON text) as your agency. A bad bundle is refused whole."
    publishBundle(bundle: JSON!): PublishResult! @auth(roles: [ANALYST, SUPERVISOR, OPERATOR])
    """
    Records that your agency sighted an object you can see (corroboration across agencies). The sighting is marked like
    the object (its TLP, and for AMBER its audience and publisher); \`tlp\` may only make it stricter.
    """
    recordSighting(objectId: ID!, count: Int = 1, description: String, tlp: String): PublishResult! @auth(roles: [ANALYST, SUPERVISOR, OPERATOR])
  }
`;
