import type { RequestContext } from '../context.js';

export const detectionResolvers = {
  Query: {
    detectionSources: (_: unknown, __: unknown, ctx: RequestContext) => ctx.services.detection.sources(),
  },
};
