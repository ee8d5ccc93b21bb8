/** The check shared by every list of configured things that have an id (detection sources, webhooks, partner imports). */
import { z } from 'zod';

/**
 * Adds an issue at `[...path, index, 'id']` for each entry whose id an earlier entry already has, with the text of
 * `message(id, index of the first)`.
 */
export function checkUniqueIds(
  entries: readonly { id: string }[], ctx: z.RefinementCtx, message: (id: string, first: number) => string, path: (string | number)[] = [],
): void {
  const first = new Map<string, number>();
  entries.forEach((e, i) => {
    const at = first.get(e.id);
    if (at !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path, i, 'id'], message: message(e.id, at) });
    else first.set(e.id, i);
  });
}
