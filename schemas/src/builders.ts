/**
 * Builders of valid STIX objects from explicit inputs. Time is always given by the caller (`created`);
 * the only randomness is `crypto.randomUUID` for new ids when no uuid is given (builders are for
 * publishers — detection and node — never for the ledger contract). Every builder validates what it
 * built and throws StixValidationError if the inputs make an invalid object.
 */
import { randomUUID } from 'node:crypto';
import { ALERT_EXTENSION_ID, type AlertArea, type PublicSpaceAlert } from './alert-extension.js';
import { SchemaError, StixValidationError } from './errors.js';
import { isTypeName, UUID_RE } from './stix-vocab.js';
import { tlpMarkingRef, type TlpLevel } from './tlp.js';
import type {
  Bundle, ExternalReference, Identity, Incident, Indicator, Location, ObservedData, Relationship, Sighting, StixObject,
} from './types.js';
import { validateBundle, validateObject } from './validate.js';

/** `<type>--<uuid>`, with a fresh random UUID unless one is given. */
export function newStixId(type: string, uuid?: string): string {
  if (!isTypeName(type)) throw new SchemaError(`newStixId: invalid STIX type name ${JSON.stringify(type)}`);
  const u = uuid ?? randomUUID();
  if (!UUID_RE.test(u)) throw new SchemaError(`newStixId: not an RFC 4122 UUID: ${JSON.stringify(u)}`);
  return `${type}--${u.toLowerCase()}`;
}

/** STIX timestamp with milliseconds: `2024-05-01T12:00:00.000Z`. */
export function stixTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new SchemaError('stixTimestamp: invalid Date');
  return date.toISOString();
}

/** Options every builder takes. */
export interface CommonOptions {
  /** When the object was created; also `modified` unless given. */
  created: Date;
  modified?: Date;
  /** The publishing agency's identity id. */
  createdByRef: string;
  /** Adds the TLP 2.0 marking to object_marking_refs. */
  tlp?: TlpLevel;
  /** Further marking-definition ids. */
  markingRefs?: string[];
  /** A fixed id (for idempotent publishing); otherwise a random one. */
  id?: string;
  labels?: string[];
  confidence?: number;
  externalReferences?: ExternalReference[];
}

function finish<T extends StixObject>(obj: Record<string, unknown>): T {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  const r = validateObject(obj);
  if (!r.ok) throw new StixValidationError(r.errors);
  return obj as T;
}

function common(type: string, o: Partial<CommonOptions> & { created: Date }): Record<string, unknown> {
  const created = stixTimestamp(o.created);
  const markings = [...(o.tlp ? [tlpMarkingRef(o.tlp)] : []), ...(o.markingRefs ?? [])];
  return {
    type,
    spec_version: '2.1',
    id: o.id ?? newStixId(type),
    created,
    modified: o.modified ? stixTimestamp(o.modified) : created,
    created_by_ref: o.createdByRef,
    labels: o.labels,
    confidence: o.confidence,
    external_references: o.externalReferences,
    object_marking_refs: markings.length > 0 ? [...new Set(markings)] : undefined,
  };
}

export interface IdentityOptions extends Omit<CommonOptions, 'createdByRef'> {
  name: string;
  /** Defaults to the identity itself (an agency describing itself). */
  createdByRef?: string;
  identityClass?: 'individual' | 'group' | 'system' | 'organization' | 'class' | 'unspecified';
  description?: string;
  sectors?: string[];
  contactInformation?: string;
  roles?: string[];
}

export function makeIdentity(o: IdentityOptions): Identity {
  const id = o.id ?? newStixId('identity');
  return finish<Identity>({
    ...common('identity', { ...o, id, createdByRef: o.createdByRef ?? id }),
    name: o.name,
    description: o.description,
    identity_class: o.identityClass ?? 'organization',
    sectors: o.sectors,
    contact_information: o.contactInformation,
    roles: o.roles,
  });
}

export interface IndicatorOptions extends CommonOptions {
  pattern: string;
  /** Defaults to `stix`. */
  patternType?: string;
  name?: string;
  description?: string;
  indicatorTypes?: string[];
  /** Defaults to `created`. */
  validFrom?: Date;
  validUntil?: Date;
}

export function makeIndicator(o: IndicatorOptions): Indicator {
  return finish<Indicator>({
    ...common('indicator', o),
    name: o.name,
    description: o.description,
    indicator_types: o.indicatorTypes,
    pattern: o.pattern,
    pattern_type: o.patternType ?? 'stix',
    valid_from: stixTimestamp(o.validFrom ?? o.created),
    valid_until: o.validUntil ? stixTimestamp(o.validUntil) : undefined,
  });
}

/** The alert properties; `expires` may be a Date. */
export interface AlertProperties {
  category: PublicSpaceAlert['category'];
  severity: PublicSpaceAlert['severity'];
  detectionConfidence: number;
  area: AlertArea;
  sensorKind: PublicSpaceAlert['sensor_kind'];
  venue: string;
  eventName?: string;
  expires: Date;
  guidance: string;
  audienceRefs?: string[];
}

export interface AlertOptions extends CommonOptions, AlertProperties {
  name: string;
  description?: string;
}

/** An alert: an `incident` carrying the POP-ART public-space alert extension. */
export function makeAlert(o: AlertOptions): Incident {
  const ext: Record<string, unknown> = {
    extension_type: 'property-extension',
    category: o.category,
    severity: o.severity,
    detection_confidence: o.detectionConfidence,
    area: o.area,
    sensor_kind: o.sensorKind,
    venue: o.venue,
    event_name: o.eventName,
    expires: stixTimestamp(o.expires),
    guidance: o.guidance,
    audience_refs: o.audienceRefs,
  };
  for (const k of Object.keys(ext)) if (ext[k] === undefined) delete ext[k];
  return finish<Incident>({
    ...common('incident', o),
    name: o.name,
    description: o.description,
    extensions: { [ALERT_EXTENSION_ID]: ext },
  });
}

export interface SightingOptions extends CommonOptions {
  sightingOfRef: string;
  whereSightedRefs?: string[];
  observedDataRefs?: string[];
  firstSeen?: Date;
  lastSeen?: Date;
  count?: number;
  description?: string;
  summary?: boolean;
}

export function makeSighting(o: SightingOptions): Sighting {
  return finish<Sighting>({
    ...common('sighting', o),
    sighting_of_ref: o.sightingOfRef,
    where_sighted_refs: o.whereSightedRefs,
    observed_data_refs: o.observedDataRefs,
    first_seen: o.firstSeen ? stixTimestamp(o.firstSeen) : undefined,
    last_seen: o.lastSeen ? stixTimestamp(o.lastSeen) : undefined,
    count: o.count,
    description: o.description,
    summary: o.summary,
  });
}

export interface LocationOptions extends CommonOptions {
  latitude?: number;
  longitude?: number;
  /** Metres. */
  precision?: number;
  name?: string;
  description?: string;
  region?: string;
  country?: string;
  administrativeArea?: string;
  city?: string;
  streetAddress?: string;
  postalCode?: string;
}

export function makeLocation(o: LocationOptions): Location {
  return finish<Location>({
    ...common('location', o),
    name: o.name,
    description: o.description,
    latitude: o.latitude,
    longitude: o.longitude,
    precision: o.precision,
    region: o.region,
    country: o.country,
    administrative_area: o.administrativeArea,
    city: o.city,
    street_address: o.streetAddress,
    postal_code: o.postalCode,
  });
}

export interface ObservedDataOptions extends CommonOptions {
  firstObserved: Date;
  lastObserved: Date;
  /** Defaults to 1. */
  numberObserved?: number;
  /** The SCOs observed (ids; put the SCOs themselves in the same bundle). */
  objectRefs: string[];
}

export function makeObservedData(o: ObservedDataOptions): ObservedData {
  return finish<ObservedData>({
    ...common('observed-data', o),
    first_observed: stixTimestamp(o.firstObserved),
    last_observed: stixTimestamp(o.lastObserved),
    number_observed: o.numberObserved ?? 1,
    object_refs: o.objectRefs,
  });
}

export interface RelationshipOptions extends CommonOptions {
  relationshipType: string;
  sourceRef: string;
  targetRef: string;
  description?: string;
  startTime?: Date;
  stopTime?: Date;
}

export function makeRelationship(o: RelationshipOptions): Relationship {
  return finish<Relationship>({
    ...common('relationship', o),
    relationship_type: o.relationshipType,
    source_ref: o.sourceRef,
    target_ref: o.targetRef,
    description: o.description,
    start_time: o.startTime ? stixTimestamp(o.startTime) : undefined,
    stop_time: o.stopTime ? stixTimestamp(o.stopTime) : undefined,
  });
}

/** A bundle of the objects (validated as a whole). */
export function makeBundle(objects: StixObject[], id?: string): Bundle {
  const bundle: Bundle = { type: 'bundle', id: id ?? newStixId('bundle'), objects };
  const r = validateBundle(bundle);
  if (!r.ok) throw new StixValidationError(r.errors);
  return bundle;
}
