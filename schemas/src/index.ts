/** Public API of @popart/schemas: STIX 2.1 types, validators, TLP markings, the alert extension, canonical JSON. */
export { canonicalJson, sha256Hex } from './canonical-json.js';
export { SchemaError, StixValidationError, PatternSyntaxError, describeIssue } from './errors.js';
export type { StixIssue, Validation } from './issues.js';
export type * from './types.js';
export { validateObject, validateBundle, assertValidBundle, assertValidObject, collectWarnings, type ValidationOptions } from './validate.js';
export { CONTENT_LIMITS, PROPERTY_NAME_RE, checkObjectContent } from './content-limits.js';
export { isStixId, isTypeName, typeOfId, SDO_TYPES, SRO_TYPES, SCO_TYPES, META_TYPES } from './stix-vocab.js';
export { isTimestamp, compareTimestamps } from './checker.js';
export {
  parseStixPattern, patternObjectTypes,
  type PatternAst, type ObservationExpression, type ComparisonExpression, type ComparisonOperator, type ObjectPath,
  type PathStep, type PatternLiteral, type Qualifier,
} from './pattern.js';
export {
  TLP, TLP1, TLP_ORDER, TLP_EXTENSION_ID, tlpOf, tlpMarkingRef, tlp1Equivalent, isTlpMarkingId, tlpLevelOfMarking, isTlpLevel, compareTlp,
  mostRestrictiveTlp, markingsForProperty, type TlpLevel, type Tlp1Level,
} from './tlp.js';
export {
  ALERT_EXTENSION_ID, ALERT_EXTENSION_SCHEMA_URL, POPART_IDENTITY_ID, popartIdentity, alertExtensionDefinition, ALERT_CATEGORIES,
  ALERT_SEVERITIES, SENSOR_KINDS, MAX_RADIUS_M, MAX_GUIDANCE_CHARS, alertOf, validateAlertExtension,
  type PublicSpaceAlert, type AlertArea, type CircleArea, type PolygonArea, type AlertCategory, type AlertSeverity, type SensorKind,
} from './alert-extension.js';
export { areaBBox, areaOfObject, enclosingCircle, type GeoArea, type PointArea, type BBox } from './alert-area.js';
export {
  newStixId, stixTimestamp, makeIdentity, makeIndicator, makeAlert, makeSighting, makeLocation, makeObservedData,
  makeRelationship, makeBundle,
  type CommonOptions, type IdentityOptions, type IndicatorOptions, type AlertOptions, type AlertProperties, type SightingOptions,
  type LocationOptions, type ObservedDataOptions, type RelationshipOptions,
} from './builders.js';
export {
  AUDIENCE_PROPERTY, audienceOf, effectiveMarking, inheritedMarking, lessRestrictedThanSubject, type Marking, type Subject,
} from './referring-marking.js';
export { ownPlacement, isPlaced, placementRefs, placementsOf, type Placement } from './placement.js';
export { uuidV5, hashedUuidV4 } from './derived-ids.js';
export { alertExtensionJsonSchema, ALERT_EXTENSION_SCHEMA_PATH } from './alert-extension-schema.js';
export { alertView, alertViews, alertViewIds, markingsWithTlp1 } from './alert-view.js';
export { AGENCY_EXTENSION_ID, AGENCY_EXTENSION_SCHEMA_URL, agencyExtensionDefinition, agencyExtensionJsonSchema } from './agency-extension.js';
export { EXERCISE_PROPERTY, EXERCISE_LABEL, EXERCISE_ID_RE, exerciseOf, markedForExercise, exerciseMarkIssue } from './exercise.js';
export { observablesOf, observableKey, REMOTE_ID_PROPERTY, MAX_OBSERVABLES, type Observable, type ObservableKind } from './observables.js';
export {
  VENUE_EXTENSION_ID, VENUE_EXTENSION_SCHEMA_URL, VENUE_KINDS, venueExtensionDefinition, venueExtensionJsonSchema, venueOf, validateVenueExtension,
  type VenueExtension, type VenueKind,
} from './venue-extension.js';
