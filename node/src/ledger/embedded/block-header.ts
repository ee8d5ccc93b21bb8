/**
 * Checking a block line without parsing it: a block is written as canonical JSON (keys sorted), so its line
 * starts `{"hash":"<64 hex>",` and the canonical JSON of the block without `hash` — what the hash is the
 * SHA-256 of — is the line with that field cut out: `{` + the rest. The number and previousHash follow in a
 * fixed place (`"number":N,"previousHash":"<64 hex>"`, the genesis block having `orgs` between them).
 * So a block's hash, number and link are checked by hashing its bytes, at disk speed.
 */
import { createHash } from 'node:crypto';

export interface BlockHeader {
  number: number;
  /** The hash the line records. */
  hash: string;
  /** SHA-256 (hex) of the line's bytes without the hash field: equals `hash` for an intact block. */
  contentHash: string;
  previousHash: string;
}

const HEAD = Buffer.from('{"hash":"');
const NUMBER = Buffer.from('","number":');
const PREVIOUS = Buffer.from(',"previousHash":"');
/** `{"hash":"` + 64 hex + `",` */
const HASH_FIELD_LENGTH = HEAD.length + 64 + 2;
const OPEN_BRACE = Buffer.from('{');
const HEX = /^[0-9a-f]{64}$/;

/** The header of a block line (without its newline) written as canonical JSON, or null when the line is not one. */
export function blockHeader(line: Buffer): BlockHeader | null {
  if (line.length < HASH_FIELD_LENGTH + 40 || !line.subarray(0, HEAD.length).equals(HEAD)) return null;
  const hash = line.toString('latin1', HEAD.length, HEAD.length + 64);
  if (!HEX.test(hash) || !line.subarray(HEAD.length + 64, HEAD.length + 64 + NUMBER.length).equals(NUMBER)) return null;
  const numberStart = HEAD.length + 64 + NUMBER.length;
  let i = numberStart;
  while (i < line.length && i - numberStart < 16 && (line[i] as number) >= 0x30 && (line[i] as number) <= 0x39) i++;
  const digits = line.toString('latin1', numberStart, i);
  if (digits === '' || (digits.length > 1 && digits.startsWith('0'))) return null;
  if (!line.subarray(i, i + PREVIOUS.length).equals(PREVIOUS)) return null;
  const previousHash = line.toString('latin1', i + PREVIOUS.length, i + PREVIOUS.length + 64);
  if (!HEX.test(previousHash)) return null;
  const contentHash = createHash('sha256').update(OPEN_BRACE).update(line.subarray(HASH_FIELD_LENGTH)).digest('hex');
  return { number: Number(digits), hash, contentHash, previousHash };
}
