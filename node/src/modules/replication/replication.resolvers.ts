import type { QuarantinedObject } from '../threat/quarantine.js';
import type { RequestContext } from '../context.js';

export const replicationResolvers = {
  QuarantinedObject: {
    transactionId: (q: QuarantinedObject) => q.txId,
  },
  ReplicationStatus: {
    quarantined: (_: unknown, a: { first?: number }, ctx: RequestContext) => ctx.services.replication.quarantined(Math.min(Math.max(a.first ?? 100, 0), 1000)),
  },
  Query: {
    replication: async (_: unknown, __: unknown, ctx: RequestContext) => {
      const s = await ctx.services.replication.status();
      return { ...s, quarantinedCount: s.quarantined };
    },
  },
  Mutation: {
    retryQuarantined: (_: unknown, a: { objectIds?: string[] | null }, ctx: RequestContext) =>
      ctx.services.replication.retryQuarantined(a.objectIds ?? undefined),
  },
};
