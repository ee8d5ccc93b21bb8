/**
 * What validation reports: an issue names the object (its index in the bundle and its id), the property
 * path inside it and the reason.
 */

export interface StixIssue {
  /** Index of the object in the bundle's `objects`, or null for the bundle itself / a lone object. */
  objectIndex: number | null;
  /** The object's `id` when it has a string one, else null. */
  objectId: string | null;
  /** Property path inside the object: `pattern`, `objects`, `extensions.extension-definition--….area.radius_m`. */
  property: string;
  /** Why, in words a publisher can act on. */
  message: string;
}

export type Validation<T> = { ok: true; value: T; warnings: StixIssue[] } | { ok: false; errors: StixIssue[] };

/** Collects the issues of one object (or of the bundle envelope). */
export class IssueSink {
  readonly errors: StixIssue[] = [];
  readonly warnings: StixIssue[] = [];

  constructor(
    readonly objectIndex: number | null,
    readonly objectId: string | null,
  ) {}

  error(property: string, message: string): void {
    this.errors.push({ objectIndex: this.objectIndex, objectId: this.objectId, property, message });
  }

  warn(property: string, message: string): void {
    this.warnings.push({ objectIndex: this.objectIndex, objectId: this.objectId, property, message });
  }
}
