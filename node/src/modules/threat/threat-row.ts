/**
 * Storage rows of the read model, kept apart from STIX types, with the one converter from a
 * committed STIX object to its row.
 */
import { alertOf, areaBBox, areaOfObject, audienceOf, tlpOf, type StixObject, type TlpLevel } from '@popart/schemas';

export interface ThreatRow {
  id: string;
  type: string;
  modified: string;
  publisherMsp: string;
  createdByRef: string | null;
  tlp: TlpLevel | null;
  audience: string[];
  category: string | null;
  severity: string | null;
  name: string | null;
  bbox: [number, number, number, number] | null;
  /** ISO 3166-1 alpha-2 countries the object is placed in when its placement names only countries (else []). */
  countries: string[];
  sightingOfRef: string | null;
  revoked: boolean;
  stix: StixObject;
  txId: string;
  blockNumber: number;
  signatureVerified: boolean;
}

export interface CommitInfo {
  publisherMsp: string;
  txId: string;
  blockNumber: number;
  signatureVerified: boolean;
  /**
   * Where the ledger announced the object to be: its own area, or its standard STIX placement (located-at,
   * where_sighted_refs) resolved by the contract from its bundle and the ledger. Absent: the object's own area.
   */
  bbox?: [number, number, number, number] | null;
  /** Countries the ledger announced the object to be placed in, when only countries are known. */
  countries?: string[];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function rowFromObject(obj: StixObject, commit: CommitInfo): ThreatRow {
  const alert = alertOf(obj);
  const area = areaOfObject(obj);
  return {
    id: obj.id,
    type: obj.type,
    modified: str(obj.modified) ?? str(obj.created) ?? '1970-01-01T00:00:00.000Z',
    publisherMsp: commit.publisherMsp,
    createdByRef: str(obj.created_by_ref),
    tlp: tlpOf(obj) ?? null,
    audience: audienceOf(obj),
    category: alert?.category ?? null,
    severity: alert?.severity ?? null,
    name: str(obj.name) ?? str(obj.value) ?? null,
    bbox: commit.bbox !== undefined ? commit.bbox : area ? areaBBox(area) : null,
    countries: commit.countries ?? [],
    sightingOfRef: str(obj.sighting_of_ref),
    revoked: obj.revoked === true,
    stix: obj,
    txId: commit.txId,
    blockNumber: commit.blockNumber,
    signatureVerified: commit.signatureVerified,
  };
}

/** Lower-cased words a text search looks in. */
export function searchText(obj: StixObject): string {
  const alert = alertOf(obj);
  return [obj.name, obj.description, obj.pattern, obj.value, obj.content, alert?.category, alert?.venue, alert?.event_name, alert?.guidance]
    .filter((v): v is string => typeof v === 'string')
    .join(' ')
    .toLowerCase();
}

export interface DbThreatRow {
  id: string;
  type: string;
  modified: string;
  publisher_msp: string;
  created_by_ref: string | null;
  tlp: string | null;
  audience: string[];
  category: string | null;
  severity: string | null;
  name: string | null;
  min_lon: number | null;
  min_lat: number | null;
  max_lon: number | null;
  max_lat: number | null;
  sighting_of_ref: string | null;
  revoked: boolean;
  stix: StixObject;
  tx_id: string;
  block_number: number;
  signature_verified: boolean;
  countries: string[] | null;
}

export function rowFromDb(r: DbThreatRow): ThreatRow {
  const bbox: ThreatRow['bbox'] = r.min_lon === null || r.min_lat === null || r.max_lon === null || r.max_lat === null
    ? null : [r.min_lon, r.min_lat, r.max_lon, r.max_lat];
  return {
    id: r.id,
    type: r.type,
    modified: r.modified,
    publisherMsp: r.publisher_msp,
    createdByRef: r.created_by_ref,
    tlp: r.tlp as TlpLevel | null,
    audience: r.audience,
    category: r.category,
    severity: r.severity,
    name: r.name,
    bbox,
    countries: r.countries ?? [],
    sightingOfRef: r.sighting_of_ref,
    revoked: r.revoked,
    stix: r.stix,
    txId: r.tx_id,
    blockNumber: r.block_number,
    signatureVerified: r.signature_verified,
  };
}
