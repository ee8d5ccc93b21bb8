export const correlationTypeDefs = /* GraphQL */ `
  """
  A link between two shared objects this node holds that concern the same thing, across agencies: they carry the same
  observable value (a drone's Remote ID serial, a MAC address, an IP, a domain, a file hash, a value an indicator's
  pattern compares with), or they are alerts of the same category close in space and time. Shown only when you may see
  both objects, and only if the reason holds in both as you see them.
  """
  type Correlation {
    "observable: they share a value; proximity: same category, close in space and time."
    kind: String!
    "What they share: remote-id, operator-id, mac-addr, ip, domain, url, email, file-hash or pattern; for proximity, the alerts' category."
    valueKind: String!
    "The shared value (null for proximity)."
    value: String
    "Between the two areas as you see them, in metres (proximity)."
    distanceM: Float
    "Time between the two objects' active periods, in seconds (0 when they overlap; proximity)."
    secondsApart: Float
    "Published by different agencies."
    crossAgency: Boolean!
    "The reason, in words."
    why: String!
    "When this node found the link."
    foundAt: String!
    "The other object, as you may see it."
    other: Threat!
  }

  "A new correlation: the object and the link to the other."
  type CorrelationEvent {
    threat: Threat!
    correlation: Correlation!
  }

  extend type Threat {
    """
    Objects linked to this one that you may see, and why. Part of the consultation that returned this object:
    restricted ones (TLP:AMBER or stricter) need a purpose, stated here or on the query that returned the object.
    """
    correlations(purpose: String): [Correlation!]!
  }

  extend input ThreatFilter {
    "Only objects linked to at least one other object you may see."
    correlated: Boolean
  }

  extend type Subscription {
    """
    New correlations from now on between two objects you may see. Restricted objects (TLP:AMBER or stricter) come only
    when you state a purpose, which the audit log keeps with each delivery.
    """
    correlations(purpose: String): CorrelationEvent! @auth
  }
`;
