import type { TlpLevel } from '@popart/schemas';
import { InputError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import type { PublishResult } from './publish-service.js';

export const publishResolvers = {
  PublishResult: {
    ids: (r: PublishResult) => r.objects.map((o) => o.id),
  },
  Mutation: {
    publishBundle: (_: unknown, a: { bundle: unknown }, ctx: RequestContext) => ctx.services.publisher.publish(ctx.viewer!, a.bundle),
    recordSighting: (_: unknown, a: { objectId: string; count?: number; description?: string; tlp?: string }, ctx: RequestContext) => {
      const tlp = (a.tlp ?? 'GREEN').toLowerCase();
      if (!['clear', 'green', 'amber', 'amber+strict', 'red'].includes(tlp)) {
        throw new InputError('INVALID_ARGUMENT', `tlp: "${a.tlp}" is not CLEAR, GREEN, AMBER, AMBER+STRICT or RED`, { issues: [{ objectIndex: null, objectId: null, property: 'tlp', message: 'unknown TLP level' }] });
      }
      const viewer = ctx.viewer!;
      return ctx.services.publisher.recordSighting(viewer, { objectId: a.objectId, count: a.count ?? 1, description: a.description ?? null, tlp: tlp as TlpLevel },
        (id) => ctx.services.threats.canSee(viewer, id));
    },
  },
};
