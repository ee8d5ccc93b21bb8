import type { RequestContext } from '../context.js';
import type { PublishResult } from './publish-service.js';

export const publishResolvers = {
  PublishResult: {
    ids: (r: PublishResult) => r.objects.map((o) => o.id),
  },
  Mutation: {
    publishBundle: (_: unknown, a: { bundle: unknown }, ctx: RequestContext) => ctx.services.publisher.publish(ctx.viewer!, a.bundle),
  },
};
