export const sessionTypeDefs = /* GraphQL */ `
  enum Role { ANALYST OPERATOR SUPERVISOR AUDITOR }

  "The signed-in user."
  type User {
    username: String!
    displayName: String!
    role: Role!
    agency: Agency!
  }

  type Session {
    "Bearer token for the Authorization header (HTTP) or connection_init payload (WebSocket)."
    token: String!
    expiresAt: String!
    user: User!
  }

  "A purpose stated once for the session (or the operation: a case number)."
  type StatedPurpose {
    purpose: String!
    statedAt: String!
  }

  extend type Query {
    "The signed-in user."
    me: User! @auth
    "The purpose stated for this session, or null: every consultation that states none of its own is made under it."
    sessionPurpose: StatedPurpose @auth
  }

  extend type Mutation {
    """
    Signs in (over HTTP only; refused on a WebSocket). After 5 failed sign-ins for a user name within 15 min, or
    20 from one address, that name or address is locked (15 min, doubling for each further lock within a day):
    LOGIN_RATE_LIMITED with extensions.retryAfterSeconds.
    """
    login(username: String!, password: String!): Session! @public
    "Revokes the token this request came with, until it expires (also across restarts). Always true."
    logout: Boolean! @auth
    """
    States the purpose of this session's consultations (why you consult restricted data: a case number, an operation),
    until you sign out or the token expires: every query, export and feed read with this token that states no purpose of
    its own is made under it, and the audit log keeps it with each consultation. Null or blank withdraws it; at most
    500 characters. The statement itself is audited.
    """
    statePurpose(purpose: String): StatedPurpose @auth
  }
`;
