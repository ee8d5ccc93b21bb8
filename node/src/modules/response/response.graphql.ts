export const responseTypeDefs = /* GraphQL */ `
  enum ResponseStatus { ACKNOWLEDGED ON_SCENE RESOLVED }

  "An operator's response to an alert, published by the operator's agency on the ledger as a STIX sighting of the alert."
  type AlertResponse {
    "The sighting that records the response."
    id: ID!
    alertId: ID!
    status: ResponseStatus!
    "The operator's username on the responding agency's node."
    responder: String!
    "The responding agency."
    agency: Agency
    "When the operator responded (RFC 3339)."
    at: String!
    note: String
    "The response's TLP marking: the alert's, or stricter."
    tlp: String
    transactionId: String
    blockNumber: Int
  }

  extend type Threat {
    """
    Operators' responses to this alert that you may see, oldest first (empty for objects that are not alerts). Restricted
    ones (TLP:AMBER or stricter) need a purpose, stated here or on the query that returned the alert.
    """
    responses(purpose: String): [AlertResponse!]!
  }

  extend type Mutation {
    """
    Tells the publishing agency (and every agency that may see it) that you acknowledged an alert, are on scene, or resolved it.
    The response is marked like the alert (its TLP, and for AMBER its audience and publisher); \`tlp\` may only make it stricter.
    """
    respondToAlert(alertId: ID!, status: ResponseStatus!, note: String, tlp: String, "An exercise alert: its exercise (the response is marked with it)." exercise: ID): AlertResponse! @auth(roles: [OPERATOR, SUPERVISOR])
  }
`;
