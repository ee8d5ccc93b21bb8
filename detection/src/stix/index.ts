/** Detection events → STIX 2.1 bundles (the agency's alert, evidence hashes, Remote ID indicator and sighting). */
export {
  eventToStix, detectionStixIds, evidenceFile, uuidV5, hashedUuidV4, DETECTION_NAMESPACE, DEFAULT_TTL_S, DEFAULT_ENDED_TTL_S,
  type ToStixOptions, type StixAlertBundle,
} from './to-stix.js';
export { DEFAULT_GUIDANCE, OPERATOR_POSITION_GUIDANCE, SENSOR_AREA_GUIDANCE, ENDED_GUIDANCE } from './guidance.js';
export { StixConversionError } from './stix-error.js';
