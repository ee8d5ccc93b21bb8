import { areaBBox } from '@popart/schemas';
import type { RequestContext } from '../context.js';
import { situationReport } from './situation-report.js';
import { isActive, type VenueContribution, type VenueView } from './venue-service.js';

const picture = (v: VenueView, ctx: RequestContext) => ctx.services.venues.picture(ctx.viewer!, v);

export const venueResolvers = {
  Venue: {
    id: (v: VenueView) => v.row.id,
    name: (v: VenueView) => v.name,
    kind: (v: VenueView) => v.venue.venue_kind,
    eventName: (v: VenueView) => v.venue.event_name ?? null,
    starts: (v: VenueView) => v.venue.starts ?? null,
    ends: (v: VenueView) => v.venue.ends ?? null,
    active: (v: VenueView) => isActive(v.venue, new Date()),
    area: (v: VenueView) => v.venue.area,
    bbox: (v: VenueView) => areaBBox(v.venue.area),
    agencies: (v: VenueView, _: unknown, ctx: RequestContext) => (v.venue.agency_refs ?? []).flatMap((id) => ctx.services.agencies.byIdentityId(id) ?? []),
    threat: (v: VenueView) => v.row,
    riskLevel: async (v: VenueView, _: unknown, ctx: RequestContext) => (await picture(v, ctx)).level,
    score: async (v: VenueView, _: unknown, ctx: RequestContext) => (await picture(v, ctx)).score,
    reasons: async (v: VenueView, _: unknown, ctx: RequestContext) => (await picture(v, ctx)).reasons,
    contributing: async (v: VenueView, _: unknown, ctx: RequestContext) => (await picture(v, ctx)).contributing,
    timeline: async (v: VenueView, _: unknown, ctx: RequestContext) => (await picture(v, ctx)).timeline,
    onScene: async (v: VenueView, _: unknown, ctx: RequestContext) =>
      (await Promise.all((await picture(v, ctx)).onSceneMsps.map((m) => ctx.services.agencies.byMspId(m)))).filter((a) => a !== undefined),
    restrictedLeftOut: async (v: VenueView, _: unknown, ctx: RequestContext) => (await picture(v, ctx)).restrictedLeftOut,
  },
  VenueContribution: {
    threat: (c: VenueContribution) => c.alert,
    counted: (c: VenueContribution) => c.contribution.counted,
    points: (c: VenueContribution) => c.contribution.points,
    reasons: (c: VenueContribution) => c.contribution.reasons,
  },
  Query: {
    venues: (_: unknown, a: { purpose?: string | null }, ctx: RequestContext) => ctx.services.venues.list(ctx.viewer!, a.purpose),
    venue: (_: unknown, a: { id: string; purpose?: string | null }, ctx: RequestContext) => ctx.services.venues.get(ctx.viewer!, a.id, a.purpose),
  },
  Mutation: {
    situationReport: (_: unknown, a: { venueId: string; publish?: boolean | null }, ctx: RequestContext) =>
      situationReport({ venues: ctx.services.venues, publisher: ctx.services.publisher }, ctx.viewer!, a.venueId, a.publish !== false),
  },
};
