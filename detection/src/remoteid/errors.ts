import { DetectionError } from '../errors.js';

/** The one error of the Remote ID part: bad input to an encoder or a bad zones/feed configuration. */
export class RemoteIdError extends DetectionError<'REMOTE_ID_INVALID'> {
  override name = 'RemoteIdError';
  /** Path of the offending field, e.g. `location.latitude` or `zones[2].circle.radius_m`. */
  readonly field: string;

  constructor(field: string, reason: string, options?: { cause?: unknown }) {
    super('REMOTE_ID_INVALID', `${field}: ${reason}`, options);
    this.field = field;
  }
}
