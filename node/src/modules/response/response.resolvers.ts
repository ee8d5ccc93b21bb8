import type { ThreatRow } from '../threat/threat-row.js';
import type { RequestContext } from '../context.js';
import { asking } from '../threat/threat-request.js';
import { respondToAlert, responseOf, responsesAmong, type AlertResponse } from './response-service.js';

const toEnum = (s: string): string => s.replace('-', '_').toUpperCase();
const fromEnum = (s: string): string => s.toLowerCase().replace('_', '-');

export const responseResolvers = {
  AlertResponse: {
    status: (r: AlertResponse) => toEnum(r.status),
    agency: (r: AlertResponse, _: unknown, ctx: RequestContext) => ctx.services.agencies.forField(r.agencyMsp),
  },
  Threat: {
    responses: async (t: ThreatRow, a: { purpose?: string | null }, ctx: RequestContext) =>
      t.category === null ? [] : responsesAmong(await ctx.services.threats.sightingsOf(ctx.viewer!, t,
        { purpose: a.purpose, resource: 'threat.responses', pick: (row) => responseOf(row) !== undefined })),
  },
  Mutation: {
    respondToAlert: (_: unknown, a: { alertId: string; status: string; note?: string | null; tlp?: string | null; exercise?: string | null }, ctx: RequestContext) =>
      respondToAlert(ctx.services, asking(ctx.viewer!, a.exercise), { alertId: a.alertId, status: fromEnum(a.status), note: a.note ?? null, tlp: a.tlp ?? null }),
  },
};
