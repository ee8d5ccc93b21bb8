export const exerciseTypeDefs = /* GraphQL */ `
  "One step of an exercise alert's timeline."
  type ExerciseEvent {
    "RFC 3339."
    at: String!
    "published, received (first delivered live to a user of this agency; later versions of the alert are not listed again), acknowledged, on-scene or resolved."
    kind: String!
    "The user (or, for published, the publishing agency's key)."
    who: String!
    "Agency key."
    agency: String!
    "Seconds after the alert was published."
    afterSeconds: Float!
  }

  type ExerciseAlertReport {
    alertId: ID!
    category: String
    severity: String
    publisher: String!
    publishedAt: String!
    events: [ExerciseEvent!]!
  }

  "Who received, acknowledged and acted on each alert of an exercise, and when: from this agency's audit log and the responses."
  type ExerciseReport {
    exercise: ID!
    "The agency whose node (and audit log) made the report."
    agency: String!
    alerts: [ExerciseAlertReport!]!
  }

  type ExerciseRemoval {
    exercise: ID!
    "Objects removed from this node's read model."
    removed: Int!
  }

  extend type Query {
    "The report of an exercise (training) on this node: a timeline per exercise alert. Audited."
    exerciseReport(exercise: ID!): ExerciseReport! @auth(roles: [SUPERVISOR, AUDITOR])
  }

  extend type Mutation {
    """
    Removes an exercise's objects from this node's read model after the exercise (real data untouched; on the
    append-only ledger they stay, marked as exercise): none of them is stored again. An audited erasure.
    """
    removeExercise(exercise: ID!): ExerciseRemoval! @auth(roles: [SUPERVISOR])
  }
`;
