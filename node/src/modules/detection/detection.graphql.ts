export const detectionTypeDefs = /* GraphQL */ `
  enum DetectionSourceKind { REMOTEID AUDIO VIDEO }
  enum DetectionSourceState { DISABLED STARTING RUNNING RESTARTING FINISHED FAILED STOPPED }

  "A sensor this node runs (node configuration, section detection.sources) and publishes alerts from, as this agency."
  type DetectionSource {
    id: ID!
    kind: DetectionSourceKind!
    "The input, with any password in a URL hidden."
    input: String!
    state: DetectionSourceState!
    "Events the source emitted."
    events: Int!
    "Alert versions published (committed, or queued in the outbox while the ledger is unreachable)."
    published: Int!
    "Events merged into an earlier version of their alert (nothing material changed), or after it ended."
    merged: Int!
    "Events not published because of the source's minSeverity or categories."
    filtered: Int!
    "Events that could not become a valid bundle, or whose publish was refused."
    refused: Int!
    "Restarts after a failure."
    restarts: Int!
    lastError: String
    lastPublishedAt: String
    "The source's own counters (packets, frames, dropped, reconnects, …)."
    counters: JSON!
  }

  extend type Query {
    "The detection sources of this node and how they are doing."
    detectionSources: [DetectionSource!]! @auth(roles: [ANALYST, SUPERVISOR])
  }
`;
