import type { Viewer } from '../../policy/policy.js';
import type { RequestContext } from '../context.js';

export const sessionResolvers = {
  User: {
    role: (u: Viewer) => u.role.toUpperCase(),
    agency: (u: Viewer, _: unknown, ctx: RequestContext) => ctx.services.agencies.byAgencyKey(u.agency.key) ?? u.agency,
  },
  Query: {
    me: (_: unknown, __: unknown, ctx: RequestContext) => ctx.viewer,
  },
  Mutation: {
    login: async (_: unknown, a: { username: string; password: string }, ctx: RequestContext) => {
      const s = await ctx.services.sessions.login(a.username, a.password);
      return { token: s.token, expiresAt: s.expiresAt.toISOString(), user: s.viewer };
    },
  },
};
