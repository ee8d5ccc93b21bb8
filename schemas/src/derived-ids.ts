/**
 * Deterministic UUIDs: the same name always gives the same id, so an object derived again (a re-export, a new version
 * of a detection event) keeps its id. Pure: only `node:crypto`'s hashes.
 */
import { createHash } from 'node:crypto';

function layout(hash: Buffer, version: number): string {
  hash[6] = ((hash[6] as number) & 0x0f) | (version << 4);
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const x = hash.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** RFC 4122 version 5 UUID of a name in a namespace (as Python's uuid.uuid5): what STIX 2.1 §2.9 asks of SCO ids. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  return layout(createHash('sha1').update(ns).update(name, 'utf8').digest(), 5);
}

/**
 * A UUID with the version-4 layout whose random bits are the SHA-256 of a name: deterministic, and shaped as STIX
 * 2.1 asks of SDO and SRO ids (UUIDv4; the OASIS validator warns on other versions, and fails in strict mode).
 */
export function hashedUuidV4(name: string): string {
  return layout(createHash('sha256').update(name, 'utf8').digest(), 4);
}
