import type { AuditEntry } from './audit-entry.js';
import type { RequestContext } from '../context.js';
import type { AuditFilterInput } from './audit-service.js';

export const auditResolvers = {
  AuditEntry: {
    action: (e: AuditEntry) => e.action.toUpperCase(),
  },
  Query: {
    auditLog: (_: unknown, a: { filter?: AuditFilterInput | null; first?: number; after?: string | null }, ctx: RequestContext) =>
      ctx.services.audit.list(ctx.viewer!, a.filter ?? {}, a.first ?? 50, a.after ?? null),
    verifyAuditLog: (_: unknown, __: unknown, ctx: RequestContext) => ctx.services.audit.verify(ctx.viewer!),
  },
};
