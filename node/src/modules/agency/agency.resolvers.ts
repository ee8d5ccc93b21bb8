import type { AgencySubject } from '../../identity.js';
import type { RequestContext } from '../context.js';

export const agencyResolvers = {
  Agency: {
    level: (a: AgencySubject) => a.level.toUpperCase(),
    name: (a: AgencySubject & { name?: string }) => a.name ?? a.key,
  },
  Query: {
    agencies: async (_: unknown, __: unknown, ctx: RequestContext) => {
      await ctx.services.agencies.refresh();
      return ctx.services.agencies.all();
    },
  },
};
