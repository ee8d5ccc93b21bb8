/**
 * Exercise objects (training): every object an exercise publishes carries the custom property `x_popart_exercise`
 * (the exercise's id: letters, digits, `.`, `_`, `-`, at most 64) and the label `exercise`, which any STIX consumer
 * (MISP tags, OpenCTI labels, CAP `status`) reads without knowing POP-ART. An object labelled `exercise` without the
 * property is an exercise object too (of the unnamed exercise `exercise`): the label alone never makes it real.
 */
import { isRecord } from './checker.js';
import type { StixObject } from './types.js';

export const EXERCISE_PROPERTY = 'x_popart_exercise';
export const EXERCISE_LABEL = 'exercise';
export const EXERCISE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The exercise an object belongs to, or null for a real object. */
export function exerciseOf(obj: StixObject | Record<string, unknown>): string | null {
  if (!isRecord(obj)) return null;
  const id = obj[EXERCISE_PROPERTY];
  if (typeof id === 'string') return id;
  return Array.isArray(obj.labels) && obj.labels.includes(EXERCISE_LABEL) ? EXERCISE_LABEL : null;
}

/** The object marked as belonging to the exercise (property and label); the object itself is not changed. */
export function markedForExercise<T extends Record<string, unknown>>(obj: T, exercise: string): T & { x_popart_exercise: string; labels: string[] } {
  const labels = Array.isArray(obj.labels) ? obj.labels.filter((l): l is string => typeof l === 'string') : [];
  return { ...obj, [EXERCISE_PROPERTY]: exercise, labels: labels.includes(EXERCISE_LABEL) ? labels : [...labels, EXERCISE_LABEL] } as T & { x_popart_exercise: string; labels: string[] };
}

/** Why the exercise mark is malformed ([property, message]), or undefined. */
export function exerciseMarkIssue(obj: Record<string, unknown>): [string, string] | undefined {
  if (!(EXERCISE_PROPERTY in obj)) return undefined;
  const id = obj[EXERCISE_PROPERTY];
  if (typeof id !== 'string' || !EXERCISE_ID_RE.test(id)) {
    return [EXERCISE_PROPERTY, 'must be an exercise id: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit'];
  }
  if (!Array.isArray(obj.labels) || !obj.labels.includes(EXERCISE_LABEL)) {
    return ['labels', `an object of exercise "${id}" must carry the label "${EXERCISE_LABEL}" (what other tools read)`];
  }
  return undefined;
}
