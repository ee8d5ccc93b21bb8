/**
 * The GraphQL schema, assembled from the modules. Every root field must say who may call it
 * (@auth, optionally with roles, or @public): the schema refuses to build otherwise, and the
 * directive is enforced by wrapping the field's resolver.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLSchema, isObjectType, type GraphQLField, valueFromASTUntyped } from 'graphql';
import { AuthError } from '../errors.js';
import type { RequestContext } from '../modules/context.js';
import { agencyTypeDefs } from '../modules/agency/agency.graphql.js';
import { agencyResolvers } from '../modules/agency/agency.resolvers.js';
import { auditTypeDefs } from '../modules/audit/audit.graphql.js';
import { auditResolvers } from '../modules/audit/audit.resolvers.js';
import { detectionTypeDefs } from '../modules/detection/detection.graphql.js';
import { detectionResolvers } from '../modules/detection/detection.resolvers.js';
import { exerciseResolvers } from '../modules/exercise/exercise.resolvers.js';
import { exerciseTypeDefs } from '../modules/exercise/exercise.graphql.js';
import { publishTypeDefs } from '../modules/publish/publish.graphql.js';
import { publishResolvers } from '../modules/publish/publish.resolvers.js';
import { replicationTypeDefs } from '../modules/replication/replication.graphql.js';
import { replicationResolvers } from '../modules/replication/replication.resolvers.js';
import { responseTypeDefs } from '../modules/response/response.graphql.js';
import { responseResolvers } from '../modules/response/response.resolvers.js';
import { sessionTypeDefs } from '../modules/session/session.graphql.js';
import { sessionResolvers } from '../modules/session/session.resolvers.js';
import { threatTypeDefs } from '../modules/threat/threat.graphql.js';
import { territoryTypeDefs } from '../modules/territory/territory.graphql.js';
import { territoryResolvers } from '../modules/territory/territory.resolvers.js';
import { threatResolvers } from '../modules/threat/threat.resolvers.js';
import { correlationTypeDefs } from '../modules/correlation/correlation.graphql.js';
import { correlationResolvers } from '../modules/correlation/correlation.resolvers.js';
import { venueTypeDefs } from '../modules/venue/venue.graphql.js';
import { venueResolvers } from '../modules/venue/venue.resolvers.js';
import { JSONScalar } from './json-scalar.js';

const baseTypeDefs = /* GraphQL */ `
  "Requires a signed-in user; with roles, one of those roles."
  directive @auth(roles: [Role!]) on FIELD_DEFINITION
  "Callable without signing in."
  directive @public on FIELD_DEFINITION
  scalar JSON
  type Query { _version: String! @public }
  type Mutation { _noop: Boolean @public }
`;

export const typeDefs = [baseTypeDefs, sessionTypeDefs, agencyTypeDefs, threatTypeDefs, publishTypeDefs, auditTypeDefs, responseTypeDefs, territoryTypeDefs, detectionTypeDefs, replicationTypeDefs, exerciseTypeDefs,
  correlationTypeDefs, venueTypeDefs];

type Access = { kind: 'public' } | { kind: 'auth'; roles: string[] | null };

function accessOf(field: GraphQLField<unknown, unknown>): Access | undefined {
  for (const d of field.astNode?.directives ?? []) {
    if (d.name.value === 'public') return { kind: 'public' };
    if (d.name.value === 'auth') {
      const arg = d.arguments?.find((a) => a.name.value === 'roles');
      const roles = arg ? (valueFromASTUntyped(arg.value) as string[]).map((r) => r.toLowerCase()) : null;
      return { kind: 'auth', roles };
    }
  }
  return undefined;
}

function guard(access: Access, typeName: string, fieldName: string, ctx: RequestContext): void {
  if (access.kind === 'public') return;
  if (!ctx.viewer) throw new AuthError('UNAUTHENTICATED', `sign in (mutation login) to use ${typeName}.${fieldName}`);
  if (access.roles && !access.roles.includes(ctx.viewer.role)) {
    throw new AuthError('FORBIDDEN', `${typeName}.${fieldName} needs one of the roles ${access.roles.join(', ')}; you are ${ctx.viewer.role}`);
  }
}

/** Wraps every root field with its access check; throws when a root field has no access directive. */
export function enforceAccess(schema: GraphQLSchema): GraphQLSchema {
  const missing: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root || !isObjectType(root)) continue;
    for (const field of Object.values(root.getFields())) {
      const access = accessOf(field);
      if (!access) {
        missing.push(`${root.name}.${field.name}`);
        continue;
      }
      const f = field as unknown as GraphQLFieldConfig<unknown, RequestContext>;
      for (const key of ['resolve', 'subscribe'] as const) {
        const original = f[key] ?? (key === 'resolve' ? defaultFieldResolver : undefined);
        if (!original) continue;
        f[key] = (source, args, ctx, info) => {
          guard(access, root.name, field.name, ctx);
          return original(source, args, ctx, info);
        };
      }
    }
  }
  if (missing.length) throw new Error(`GraphQL operations without an @auth or @public directive: ${missing.join(', ')}`);
  return schema;
}

export function buildSchema(version: string, extraTypeDefs: string[] = []): GraphQLSchema {
  const schema = makeExecutableSchema<RequestContext>({
    typeDefs: [...typeDefs, ...extraTypeDefs],
    resolvers: [
      { JSON: JSONScalar, Query: { _version: () => version }, Mutation: { _noop: () => null } },
      sessionResolvers, agencyResolvers, threatResolvers, publishResolvers, auditResolvers, responseResolvers, territoryResolvers, detectionResolvers,
      replicationResolvers, exerciseResolvers, correlationResolvers, venueResolvers,
    ],
  });
  return enforceAccess(schema);
}
