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

  extend type Query {
    "The signed-in user."
    me: User! @auth
  }

  extend type Mutation {
    login(username: String!, password: String!): Session! @public
  }
`;
