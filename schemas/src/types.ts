/**
 * TypeScript shapes of the STIX 2.1 objects the system reads and writes. They describe valid objects;
 * the validators are what establish that an unknown value is one. Every object keeps an index signature,
 * so custom properties (`x_misp_…`, toplevel extension properties) travel untouched.
 */

export type ExtensionType = 'new-sdo' | 'new-sco' | 'new-sro' | 'property-extension' | 'toplevel-property-extension';

export interface ExternalReference {
  source_name: string;
  description?: string;
  url?: string;
  hashes?: Record<string, string>;
  external_id?: string;
}

export interface GranularMarking {
  selectors: string[];
  marking_ref?: string;
  lang?: string;
}

export interface KillChainPhase {
  kill_chain_name: string;
  phase_name: string;
}

/** The value of one entry of `extensions`. */
export interface Extension {
  extension_type?: ExtensionType;
  [k: string]: unknown;
}

/** Any STIX 2.1 object: SDO, SRO, SCO, meta object or a custom object. */
export interface StixObject {
  type: string;
  id: string;
  spec_version?: string;
  created?: string;
  modified?: string;
  created_by_ref?: string;
  revoked?: boolean;
  labels?: string[];
  confidence?: number;
  lang?: string;
  external_references?: ExternalReference[];
  object_marking_refs?: string[];
  granular_markings?: GranularMarking[];
  extensions?: Record<string, Extension>;
  [k: string]: unknown;
}

export interface Bundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

/** Common shape of SDOs and SROs: spec_version, created and modified are required. */
export interface StixCoreObject extends StixObject {
  spec_version: '2.1';
  created: string;
  modified: string;
}

export interface Identity extends StixCoreObject {
  type: 'identity';
  name: string;
  description?: string;
  roles?: string[];
  identity_class?: string;
  sectors?: string[];
  contact_information?: string;
}

export interface Indicator extends StixCoreObject {
  type: 'indicator';
  name?: string;
  description?: string;
  indicator_types?: string[];
  pattern: string;
  pattern_type: string;
  pattern_version?: string;
  valid_from: string;
  valid_until?: string;
  kill_chain_phases?: KillChainPhase[];
}

export interface ObservedData extends StixCoreObject {
  type: 'observed-data';
  first_observed: string;
  last_observed: string;
  number_observed: number;
  object_refs?: string[];
  /** Deprecated in 2.1, still accepted. */
  objects?: Record<string, unknown>;
}

export interface Sighting extends StixCoreObject {
  type: 'sighting';
  description?: string;
  first_seen?: string;
  last_seen?: string;
  count?: number;
  sighting_of_ref: string;
  observed_data_refs?: string[];
  where_sighted_refs?: string[];
  summary?: boolean;
}

export interface Location extends StixCoreObject {
  type: 'location';
  name?: string;
  description?: string;
  latitude?: number;
  longitude?: number;
  /** Metres. */
  precision?: number;
  region?: string;
  country?: string;
  administrative_area?: string;
  city?: string;
  street_address?: string;
  postal_code?: string;
}

export interface Note extends StixCoreObject {
  type: 'note';
  abstract?: string;
  content: string;
  authors?: string[];
  object_refs: string[];
}

export interface Report extends StixCoreObject {
  type: 'report';
  name: string;
  description?: string;
  report_types?: string[];
  published: string;
  object_refs: string[];
}

export interface Grouping extends StixCoreObject {
  type: 'grouping';
  name?: string;
  description?: string;
  context: string;
  object_refs: string[];
}

export interface Incident extends StixCoreObject {
  type: 'incident';
  name: string;
  description?: string;
  kill_chain_phases?: KillChainPhase[];
}

export interface Relationship extends StixCoreObject {
  type: 'relationship';
  relationship_type: string;
  description?: string;
  source_ref: string;
  target_ref: string;
  start_time?: string;
  stop_time?: string;
}

export interface MarkingDefinition extends StixObject {
  type: 'marking-definition';
  spec_version: '2.1';
  created: string;
  name?: string;
  definition_type?: string;
  definition?: Record<string, unknown>;
}

export interface ExtensionDefinition extends StixCoreObject {
  type: 'extension-definition';
  created_by_ref: string;
  name: string;
  description?: string;
  schema: string;
  version: string;
  extension_types: ExtensionType[];
  extension_properties?: string[];
}

/** SCOs: no created/modified; spec_version optional. */
export interface StixCyberObservable extends StixObject {
  defanged?: boolean;
}

export interface Ipv4Addr extends StixCyberObservable {
  type: 'ipv4-addr';
  value: string;
  resolves_to_refs?: string[];
  belongs_to_refs?: string[];
}

export interface Ipv6Addr extends StixCyberObservable {
  type: 'ipv6-addr';
  value: string;
  resolves_to_refs?: string[];
  belongs_to_refs?: string[];
}

/** Remote ID / Wi-Fi / Bluetooth sources: lower-case, colon-separated MAC-48. */
export interface MacAddr extends StixCyberObservable {
  type: 'mac-addr';
  value: string;
}

export interface DomainName extends StixCyberObservable {
  type: 'domain-name';
  value: string;
  resolves_to_refs?: string[];
}

/** Video or audio streams. */
export interface Url extends StixCyberObservable {
  type: 'url';
  value: string;
}

/** Media evidence (video clips, audio recordings, snapshots). */
export interface StixFile extends StixCyberObservable {
  type: 'file';
  hashes?: Record<string, string>;
  size?: number;
  name?: string;
  mime_type?: string;
  ctime?: string;
  mtime?: string;
  atime?: string;
  content_ref?: string;
}

export interface NetworkTraffic extends StixCyberObservable {
  type: 'network-traffic';
  start?: string;
  end?: string;
  is_active?: boolean;
  src_ref?: string;
  dst_ref?: string;
  src_port?: number;
  dst_port?: number;
  protocols: string[];
}

/** Drone firmware / flight-controller software, detector software. */
export interface Software extends StixCyberObservable {
  type: 'software';
  name: string;
  cpe?: string;
  vendor?: string;
  version?: string;
}
