import { AuthError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import type { StatedPurpose } from '../../auth/session-purposes.js';
import type { RequestContext } from '../context.js';

const purposeOut = (p: StatedPurpose | null | undefined) => (p ? { purpose: p.purpose, statedAt: p.statedAt.toISOString() } : null);

export const sessionResolvers = {
  User: {
    role: (u: Viewer) => u.role.toUpperCase(),
    agency: (u: Viewer, _: unknown, ctx: RequestContext) => ctx.services.agencies.byAgencyKey(u.agency.key) ?? u.agency,
  },
  Query: {
    me: (_: unknown, __: unknown, ctx: RequestContext) => ctx.viewer,
    sessionPurpose: (_: unknown, __: unknown, ctx: RequestContext) => purposeOut(ctx.services.sessions.statedPurpose(ctx.token ?? '')),
  },
  Mutation: {
    login: async (_: unknown, a: { username: string; password: string }, ctx: RequestContext) => {
      if (ctx.transport === 'ws') throw new AuthError('LOGIN_OVER_HTTP_ONLY', 'sign in over HTTP (POST /graphql), then open the WebSocket with the token in connectionParams.authorization');
      const s = await ctx.services.sessions.login(a.username, a.password, new Date(), ctx.clientAddress);
      return { token: s.token, expiresAt: s.expiresAt.toISOString(), user: s.viewer };
    },
    logout: async (_: unknown, __: unknown, ctx: RequestContext) => {
      await ctx.services.sessions.logout(ctx.token ?? '', ctx.clientAddress);
      return true;
    },
    statePurpose: async (_: unknown, a: { purpose?: string | null }, ctx: RequestContext) =>
      purposeOut(await ctx.services.sessions.statePurpose(ctx.token ?? '', a.purpose ?? null, ctx.clientAddress)),
  },
};
