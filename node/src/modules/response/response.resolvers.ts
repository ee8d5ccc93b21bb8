import type { ThreatRow } from '../../read-model/threat-row.js';
import type { RequestContext } from '../context.js';
import { respondToAlert, responsesAmong, type AlertResponse } from './response-service.js';

const toEnum = (s: string): string => s.replace('-', '_').toUpperCase();
const fromEnum = (s: string): string => s.toLowerCase().replace('_', '-');

export const responseResolvers = {
  AlertResponse: {
    status: (r: AlertResponse) => toEnum(r.status),
    agency: (r: AlertResponse, _: unknown, ctx: RequestContext) => ctx.services.agencies.byMspId(r.agencyMsp),
  },
  Threat: {
    responses: async (t: ThreatRow, _: unknown, ctx: RequestContext) =>
      t.category === null ? [] : responsesAmong(await ctx.services.threats.sightingsOf(ctx.viewer!, t.id)),
  },
  Mutation: {
    respondToAlert: (_: unknown, a: { alertId: string; status: string; note?: string | null }, ctx: RequestContext) =>
      respondToAlert(ctx.services, ctx.viewer!, { alertId: a.alertId, status: fromEnum(a.status), note: a.note ?? null }),
  },
};
