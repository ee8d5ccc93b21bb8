import type { RequestContext } from '../context.js';
import type { PublishResult } from './publish-service.js';
import { parseTlpArgument } from './referring-marking.js';

export const publishResolvers = {
  PublishResult: {
    ids: (r: PublishResult) => r.objects.map((o) => o.id),
  },
  Mutation: {
    publishBundle: (_: unknown, a: { bundle: unknown }, ctx: RequestContext) => ctx.services.publisher.publish(ctx.viewer!, a.bundle),
    recordSighting: (_: unknown, a: { objectId: string; count?: number; description?: string; tlp?: string | null }, ctx: RequestContext) => {
      const tlp = parseTlpArgument(a.tlp);
      const viewer = ctx.viewer!;
      return ctx.services.publisher.recordSighting(viewer, { objectId: a.objectId, count: a.count ?? 1, description: a.description ?? null, tlp },
        (id) => ctx.services.threats.subjectOf(viewer, id));
    },
  },
};
