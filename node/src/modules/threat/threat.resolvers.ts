import type { ThreatRow } from './threat-row.js';
import type { RequestContext } from '../context.js';
import { asking, type LeftOut, type ThreatFilterInput, type WithoutPurpose } from './threat-request.js';

export const threatResolvers = {
  Threat: {
    agency: (t: ThreatRow, _: unknown, ctx: RequestContext) => ctx.services.agencies.forField(t.publisherMsp),
    tlp: (t: ThreatRow) => t.tlp?.toUpperCase() ?? null,
    provenance: (t: ThreatRow, _: unknown, ctx: RequestContext) => ({
      transactionId: t.txId,
      blockNumber: t.blockNumber,
      publishingAgency: ctx.services.agencies.forField(t.publisherMsp),
      signatureVerified: t.signatureVerified,
      ledger: ctx.services.ledgerKind,
    }),
    sightings: (t: ThreatRow, a: { purpose?: string | null }, ctx: RequestContext) =>
      ctx.services.threats.sightingsOf(ctx.viewer!, t, { purpose: a.purpose, resource: 'threat.sightings' }),
    history: async (t: ThreatRow, _: unknown, ctx: RequestContext) =>
      (await ctx.services.threats.history(ctx.viewer!, t)).map((v) => ({ modified: v.modified, transactionId: v.txId, blockNumber: v.blockNumber })),
  },
  ThreatConnection: {
    restrictedLeftOut: (c: { leftOut?: LeftOut | null }, _: unknown, ctx: RequestContext) => (c.leftOut ? ctx.services.threats.countLeftOut(c.leftOut) : null),
  },
  Query: {
    threats: (_: unknown, a: { filter?: ThreatFilterInput; first?: number; after?: string; purpose?: string; withoutPurpose?: 'REFUSE' | 'LEAVE_OUT' }, ctx: RequestContext) =>
      ctx.services.threats.list(ctx.viewer!, a.filter, a.first ?? 50, a.after, a.purpose, a.withoutPurpose === 'LEAVE_OUT' ? 'leave-out' : 'refuse' satisfies WithoutPurpose),
    threat: (_: unknown, a: { id: string; purpose?: string; exercise?: string | null }, ctx: RequestContext) =>
      ctx.services.threats.get(asking(ctx.viewer!, a.exercise), a.id, a.purpose),
    explain: (_: unknown, a: { id: string }, ctx: RequestContext) => ctx.services.threats.explain(ctx.viewer!, a.id),
    exportBundle: (_: unknown, a: { filter?: ThreatFilterInput; limit?: number; purpose?: string }, ctx: RequestContext) =>
      ctx.services.threats.exportBundle(ctx.viewer!, a.filter, a.limit ?? 500, a.purpose),
  },
  Subscription: {
    alerts: {
      subscribe: (_: unknown, a: { exercise?: string | null }, ctx: RequestContext) => ctx.services.threats.alerts(asking(ctx.viewer!, a.exercise)),
      resolve: (row: ThreatRow) => row,
    },
    related: {
      subscribe: (_: unknown, a: { id: string; purpose?: string | null; exercise?: string | null }, ctx: RequestContext) =>
        ctx.services.threats.related(asking(ctx.viewer!, a.exercise), a.id, a.purpose),
      resolve: (row: ThreatRow) => row,
    },
  },
};
