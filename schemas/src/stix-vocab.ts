/** The object types and names STIX 2.1 defines, and the shapes of its identifiers. */

export const SDO_TYPES: ReadonlySet<string> = new Set([
  'attack-pattern', 'campaign', 'course-of-action', 'grouping', 'identity', 'incident', 'indicator',
  'infrastructure', 'intrusion-set', 'location', 'malware', 'malware-analysis', 'note', 'observed-data',
  'opinion', 'report', 'threat-actor', 'tool', 'vulnerability',
]);

export const SRO_TYPES: ReadonlySet<string> = new Set(['relationship', 'sighting']);

/** Meta objects: required spec_version and created like SDOs, but not domain objects. */
export const META_TYPES: ReadonlySet<string> = new Set(['marking-definition', 'extension-definition', 'language-content']);

export const SCO_TYPES: ReadonlySet<string> = new Set([
  'artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file',
  'ipv4-addr', 'ipv6-addr', 'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url',
  'user-account', 'windows-registry-key', 'x509-certificate',
]);

/** Predefined (STIX 2.1 §6) extension names and the SCO type each belongs to. */
export const PREDEFINED_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['archive-ext', 'file'], ['ntfs-ext', 'file'], ['pdf-ext', 'file'], ['raster-image-ext', 'file'],
  ['windows-pebinary-ext', 'file'], ['http-request-ext', 'network-traffic'], ['icmp-ext', 'network-traffic'],
  ['socket-ext', 'network-traffic'], ['tcp-ext', 'network-traffic'], ['windows-process-ext', 'process'],
  ['windows-service-ext', 'process'], ['unix-account-ext', 'user-account'],
]);

export const EXTENSION_TYPES: ReadonlySet<string> = new Set([
  'new-sdo', 'new-sco', 'new-sro', 'property-extension', 'toplevel-property-extension',
]);

export const TYPE_NAME_RE = /^[a-z][a-z0-9-]+[a-z0-9]$/;
/** RFC 4122 UUID in its canonical lower-case form (STIX ids are compared as strings, so case matters). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A valid STIX type name: 3–250 characters, `^[a-z][a-z0-9-]+[a-z0-9]$`, no `--` (which would make ids ambiguous). */
export function isTypeName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 3 && value.length <= 250 && TYPE_NAME_RE.test(value) && !value.includes('--');
}

/** `<type>--<RFC 4122 uuid>`, in lower case. */
export function isStixId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const at = value.lastIndexOf('--');
  return at > 0 && isTypeName(value.slice(0, at)) && UUID_RE.test(value.slice(at + 2));
}

/** The type part of an identifier (no check). */
export function typeOfId(id: string): string {
  const at = id.lastIndexOf('--');
  return at > 0 ? id.slice(0, at) : id;
}

/** Whether a type is (or is shaped as) a STIX Domain Object: predefined SDOs and custom non-SCO, non-SRO types. */
export function isSdoType(type: string): boolean {
  return SDO_TYPES.has(type) || (!SCO_TYPES.has(type) && !SRO_TYPES.has(type) && !META_TYPES.has(type) && type !== 'bundle');
}
