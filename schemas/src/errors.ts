/**
 * The errors of the schemas package: one base class, {@link SchemaError}, and the error a caller gets
 * when it asks for a bundle to be valid and it is not, {@link StixValidationError}, which carries every
 * problem found.
 */
import type { StixIssue } from './issues.js';

/** Base error of this package. `cause` is kept when given. */
export class SchemaError extends Error {
  override readonly name: string = 'SchemaError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A STIX pattern that does not parse; `position` is the 0-based character offset of the problem. */
export class PatternSyntaxError extends SchemaError {
  override readonly name: string = 'PatternSyntaxError';

  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

/** Where an issue is, in words: `object[2] indicator--… property "pattern"`. */
export function describeIssue(issue: StixIssue): string {
  const where: string[] = [];
  if (issue.objectIndex !== null) where.push(`object[${issue.objectIndex}]`);
  if (issue.objectId !== null) where.push(issue.objectId);
  if (where.length === 0) where.push('bundle');
  return `${where.join(' ')} property "${issue.property}": ${issue.message}`;
}

/** Thrown by `assertValidBundle`/`assertValidObject`; `issues` lists every problem, in document order. */
export class StixValidationError extends SchemaError {
  override readonly name: string = 'StixValidationError';
  readonly issues: StixIssue[];

  constructor(issues: StixIssue[], options?: { cause?: unknown }) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
    super(first ? `${describeIssue(first)}${more}` : 'invalid STIX', options);
    this.issues = issues;
  }
}
