export const threatTypeDefs = /* GraphQL */ `
  "Where an object came from on the ledger, checked by this node."
  type Provenance {
    transactionId: String!
    blockNumber: Int!
    publishingAgency: Agency
    "The transaction's signature was verified against the publishing organisation's registered key."
    signatureVerified: Boolean!
    ledger: String!
  }

  type ThreatVersion {
    modified: String!
    transactionId: String!
    blockNumber: Int!
  }

  "A shared STIX object as this user may see it."
  type Threat {
    id: ID!
    type: String!
    name: String
    modified: String!
    "Publishing agency."
    agency: Agency
    tlp: String
    category: String
    severity: String
    revoked: Boolean!
    "[minLon, minLat, maxLon, maxLat] of the object's area, when it has one."
    bbox: [Float!]
    "The STIX 2.1 object (after redaction for this user)."
    stix: JSON!
    provenance: Provenance!
    """
    Sightings of this object by any agency, that this user may see. Part of the consultation that returned this object:
    restricted ones (TLP:AMBER or stricter) need a purpose, stated here or on the query that returned the object.
    """
    sightings(purpose: String): [Threat!]!
    history: [ThreatVersion!]!
  }

  type ThreatEdge { cursor: String!, node: Threat! }
  type PageInfo { hasNextPage: Boolean!, endCursor: String }
  "Results a page left out because they need a purpose that was not stated: only how many, never what."
  type LeftOutCount {
    "How many results you would see with a purpose (at most 1000)."
    count: Int!
    "There are more than count."
    more: Boolean!
  }
  type ThreatConnection {
    edges: [ThreatEdge!]!
    pageInfo: PageInfo!
    """
    With withoutPurpose: LEAVE_OUT and no purpose: how many restricted results (TLP:AMBER or stricter, or unmarked)
    matching the filter you may see once you state a purpose; null when nothing was left out.
    """
    restrictedLeftOut: LeftOutCount
  }

  "What a list does with restricted results when no purpose is stated (with the query or for the session)."
  enum WithoutPurpose {
    "Refuse the whole request with PURPOSE_REQUIRED (the default)."
    REFUSE
    "Return the results that need no purpose and count the others (ThreatConnection.restrictedLeftOut)."
    LEAVE_OUT
  }

  input ThreatFilter {
    "STIX types, e.g. indicator, incident, sighting. Without it, agencies' identities and marking/extension definitions are left out."
    types: [String!]
    "Alert categories, e.g. drone, gunshot."
    categories: [String!]
    severities: [String!]
    "Publishing agencies by key, e.g. pn."
    agencies: [String!]
    "modified at or after (RFC 3339)."
    from: String
    "modified at or before (RFC 3339)."
    to: String
    "[minLon, minLat, maxLon, maxLat]: objects whose area intersects it."
    bbox: [Float!]
    "Words in name, description, pattern, venue or guidance."
    text: String
    "Only the objects of this exercise (training), marked x_popart_exercise and labelled exercise; never listed otherwise."
    exercise: ID
  }

  "Why you see an object, see it redacted, or do not see it (never its content)."
  type Explanation {
    id: ID!
    "The object has reached your agency's node."
    known: Boolean!
    visible: Boolean!
    "The policy rule that decided."
    rule: String!
    reasons: [String!]!
    "Properties removed or coarsened for you."
    redacted: [String!]!
    tlp: String
    "Publishing agency key."
    publisher: String
    policyRevision: String!
  }

  extend type Query {
    "Why you can or cannot see an object."
    explain(id: ID!): Explanation! @auth
    """
    Threats visible to you, newest first. Restricted results (TLP:AMBER or stricter, or unmarked) need a purpose, stated
    here or for the session (statePurpose), which the audit log keeps; without one, withoutPurpose decides.
    """
    threats(filter: ThreatFilter, first: Int = 50, after: String, purpose: String, withoutPurpose: WithoutPurpose = REFUSE): ThreatConnection! @auth
    "One threat, or null when it does not exist or you may not see it."
    threat(id: ID!, purpose: String, "An exercise object: its exercise (exercise objects are shown only when asked for)." exercise: ID): Threat @auth
    "A STIX 2.1 bundle of the threats you may see (for MISP, OpenCTI and other tools)."
    exportBundle(filter: ThreatFilter, limit: Int = 500, purpose: String): JSON! @auth
  }

  type Subscription {
    "New alerts (objects carrying the public-space alert extension) visible to you, as they are committed."
    alerts("Also the alerts of this exercise (training), marked as such; without it, never an exercise alert." exercise: ID): Threat! @auth
    """
    Objects committed from now on that refer to the object \`id\` (sightings of it, operators' responses to it,
    relationships from or to it) and that you may see, redacted as for any query. Restricted objects (TLP:AMBER or
    stricter) come only when you state a purpose, which the audit log keeps with each delivery.
    """
    related(id: ID!, purpose: String, "The exercise of an exercise object." exercise: ID): Threat! @auth
  }
`;
