import type { RequestContext } from '../context.js';
import type { ThreatRow } from '../threat/threat-row.js';
import type { VisibleCorrelation } from './correlation-service.js';

export const correlationResolvers = {
  Threat: {
    correlations: (t: ThreatRow, a: { purpose?: string | null }, ctx: RequestContext) =>
      ctx.services.correlations.of(ctx.viewer!, t, { purpose: a.purpose, resource: 'threat.correlations' }),
  },
  Correlation: {
    kind: (c: VisibleCorrelation) => c.link.kind,
    valueKind: (c: VisibleCorrelation) => c.link.valueKind,
    value: (c: VisibleCorrelation) => (c.link.kind === 'observable' ? c.link.value : null),
    crossAgency: (c: VisibleCorrelation) => c.link.crossAgency,
    foundAt: (c: VisibleCorrelation) => c.link.foundAt,
  },
  CorrelationEvent: {
    threat: (c: VisibleCorrelation) => c.subject,
    correlation: (c: VisibleCorrelation) => c,
  },
  Subscription: {
    correlations: {
      subscribe: (_: unknown, a: { purpose?: string | null }, ctx: RequestContext) => ctx.services.correlations.subscribe(ctx.viewer!, a.purpose),
      resolve: (c: VisibleCorrelation) => c,
    },
  },
};
