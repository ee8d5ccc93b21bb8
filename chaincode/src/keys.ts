/**
 * World-state key layout of the ThreatExchange contract.
 *
 *   obj~<id>                                    latest ObjectRecord of a STIX object
 *   agency~msp~<mspId>                          AgencyEntry of an organisation (one identity per MSP)
 *   agency~id~<identityId>                      AgencyEntry again, by identity id
 *   \0ver\0<id>\0<versionKey>\0                 ObjectRecord of every version
 *   \0idx-type\0<type>\0<versionKey>\0<id>\0    IndexEntry of the latest version, by type and modified
 *   \0idx-time\0<versionKey>\0<id>\0            IndexEntry of the latest version, by modified
 *   \0idx-sighting\0<sightedId>\0<sightingId>\0 IndexEntry of a sighting, by the object it sights
 *
 * A version key is the object's `modified` (or `created`) normalised to nanosecond precision, so that
 * byte order equals time order whatever precision the producer used. Composite keys are built with the
 * stub, as Fabric requires; simple keys never start with \0 and so never collide with them.
 */
import type { TxStub } from './fabric.js';

export const VERSION_INDEX = 'ver';
export const TYPE_INDEX = 'idx-type';
export const TIME_INDEX = 'idx-time';
export const SIGHTING_INDEX = 'idx-sighting';

const OBJECT_PREFIX = 'obj~';
const AGENCY_BY_MSP_PREFIX = 'agency~msp~';
const AGENCY_BY_ID_PREFIX = 'agency~id~';
/** Highest code point: the exclusive end of a prefix range. */
const RANGE_END = '\u{10FFFF}';

export const objectKey = (id: string): string => OBJECT_PREFIX + id;
export const agencyByMspKey = (mspId: string): string => AGENCY_BY_MSP_PREFIX + mspId;
export const agencyByIdKey = (identityId: string): string => AGENCY_BY_ID_PREFIX + identityId;
export const agencyRange = (): [string, string] => [AGENCY_BY_MSP_PREFIX, AGENCY_BY_MSP_PREFIX + RANGE_END];

export const versionKey = (stub: TxStub, id: string, version: string): string =>
  stub.createCompositeKey(VERSION_INDEX, [id, version]);
export const typeIndexKey = (stub: TxStub, type: string, version: string, id: string): string =>
  stub.createCompositeKey(TYPE_INDEX, [type, version, id]);
export const timeIndexKey = (stub: TxStub, version: string, id: string): string =>
  stub.createCompositeKey(TIME_INDEX, [version, id]);
export const sightingIndexKey = (stub: TxStub, sightedId: string, sightingId: string): string =>
  stub.createCompositeKey(SIGHTING_INDEX, [sightedId, sightingId]);

/**
 * Version key of objects without modified or created (cyber observables, which STIX does not
 * version). Fabric refuses empty composite key attributes, and this sorts before every timestamp.
 */
export const UNVERSIONED_KEY = '0000-00-00T00:00:00.000000000Z';

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * A STIX timestamp ("2025-03-01T10:00:00Z", "...00.5Z", "...00.123456Z") as a fixed-width key
 * ("2025-03-01T10:00:00.000000000Z"); undefined when it is not a STIX timestamp.
 */
export function timestampKey(timestamp: string): string | undefined {
  const m = TIMESTAMP.exec(timestamp);
  if (!m || !m[1]) return undefined;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}
