import type { RequestContext } from '../context.js';

export const exerciseResolvers = {
  Query: {
    exerciseReport: (_: unknown, a: { exercise: string }, ctx: RequestContext) => ctx.services.exercises.report(ctx.viewer!, a.exercise),
  },
  Mutation: {
    removeExercise: (_: unknown, a: { exercise: string }, ctx: RequestContext) => ctx.services.exercises.remove(ctx.viewer!, a.exercise),
  },
};
