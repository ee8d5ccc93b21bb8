export const agencyTypeDefs = /* GraphQL */ `
  enum AuthorityLevel { NATIONAL PARTNER REGIONAL LOCAL }

  "An agency of the network, as registered on the ledger."
  type Agency {
    key: String!
    name: String!
    mspId: String!
    identityId: ID!
    level: AuthorityLevel!
    country: String
  }

  extend type Query {
    "Every agency registered on the ledger."
    agencies: [Agency!]! @auth
  }
`;
