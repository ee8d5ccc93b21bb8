export const venueTypeDefs = /* GraphQL */ `
  """
  A venue and its event (a stadium during a match, a demonstration route), shared as a STIX location with the POP-ART
  venue extension, and its risk picture as you may see it: computed from the alerts concerning it, their sightings and
  responses and the correlations between them, every one through the egress gate for you (rule: docs/situation.md).
  Restricted objects (TLP:AMBER or stricter) take part only when you state a purpose; without one they are left out
  and counted in restrictedLeftOut.
  """
  type Venue {
    id: ID!
    name: String!
    "stadium, arena, demonstration-route, public-square, festival, station or other."
    kind: String!
    eventName: String
    starts: String
    ends: String
    "Within its time window (from an hour before it starts), or without one."
    active: Boolean!
    "The venue's area (circle or polygon, WGS 84), as you may see it."
    area: JSON!
    "[minLon, minLat, maxLon, maxLat] of the area."
    bbox: [Float!]!
    "The agencies involved."
    agencies: [Agency!]!
    "The shared location object."
    threat: Threat!
    "normal, elevated, high or critical."
    riskLevel: String!
    score: Float!
    "Why: the level and its threshold, then each incident's points."
    reasons: [String!]!
    "The alerts concerning the venue, strongest first, with their points, reasons, guidance and responses."
    contributing: [VenueContribution!]!
    "Alerts, sightings, responses and correlations, oldest first."
    timeline: [VenueEvent!]!
    "Agencies with an operator on scene."
    onScene: [Agency!]!
    "Restricted objects left out for want of a purpose."
    restrictedLeftOut: Int!
  }

  type VenueContribution {
    threat: Threat!
    "Counted in the level (not expired nor resolved)."
    counted: Boolean!
    "The points of the incident it leads (0 when another alert of its incident leads it)."
    points: Float!
    reasons: [String!]!
    "The guidance and recommended measures the alert carries."
    guidance: String
    "Operators' acknowledgements and responses to it."
    responses: [AlertResponse!]!
  }

  type VenueEvent {
    at: String!
    "alert, sighting, response or correlation."
    kind: String!
    text: String!
    threatId: ID
  }

  "A situation report: a STIX report of what you may share (TLP:CLEAR and GREEN objects) about a venue."
  type SituationReport {
    report: JSON!
    "The risk level computed from the shared objects only."
    level: String!
    objectCount: Int!
    "The publication, unless publish was false."
    published: PublishResult
  }

  extend type Query {
    "The venues you may see, active ones first."
    venues(purpose: String): [Venue!]! @auth
    "One venue, or null when it does not exist or you may not see it."
    venue(id: ID!, purpose: String): Venue @auth
  }

  extend type Mutation {
    """
    Writes a situation report of the venue for the other agencies (TLP:GREEN): the venue and the TLP:CLEAR and GREEN
    objects concerning it that you see, the level computed from them, the reasons and guidance; published as your agency
    unless publish is false.
    """
    situationReport(venueId: ID!, publish: Boolean = true): SituationReport! @auth(roles: [ANALYST, SUPERVISOR])
  }
`;
