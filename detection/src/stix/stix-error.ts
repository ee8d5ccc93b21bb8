import { DetectionError } from '../errors.js';

/** A DetectionEvent (or the options given with it) that cannot become a valid STIX bundle: the field and why. */
export class StixConversionError extends DetectionError<'STIX_CONVERSION_FAILED'> {
  override name = 'StixConversionError';

  constructor(
    /** The event field or option at fault, e.g. `area`, `options.audienceRefs`, `confidence`. */
    readonly field: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('STIX_CONVERSION_FAILED', `${field}: ${reason}`, options);
  }
}
