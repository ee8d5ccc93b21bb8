/**
 * ECDSA P-256 / SHA-256 signatures as Fabric expects them: DER-encoded, with S in the lower half of the
 * curve order (Fabric rejects high-S signatures as malleable).
 */
import { createSign, createVerify, type KeyObject } from 'node:crypto';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = P256_N >> 1n;

function readDerInt(buf: Buffer, offset: number): { value: bigint; next: number } {
  if (buf[offset] !== 0x02) throw new Error('DER: expected INTEGER');
  const len = buf[offset + 1] as number;
  const bytes = buf.subarray(offset + 2, offset + 2 + len);
  return { value: BigInt('0x' + (bytes.toString('hex') || '0')), next: offset + 2 + len };
}

function derInt(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  const buf = Buffer.from(der);
  if (buf[0] !== 0x30) throw new Error('DER: expected SEQUENCE');
  const r = readDerInt(buf, 2);
  const s = readDerInt(buf, r.next);
  return { r: r.value, s: s.value };
}

export function isLowS(der: Uint8Array): boolean {
  return parseDerSignature(der).s <= HALF_N;
}

/** Re-encodes a DER signature with S replaced by N - S when S is high. */
export function toLowS(der: Uint8Array): Buffer {
  const { r, s } = parseDerSignature(der);
  if (s <= HALF_N) return Buffer.from(der);
  const body = Buffer.concat([derInt(r), derInt(P256_N - s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

export function signLowS(privateKey: KeyObject, data: Uint8Array): Buffer {
  const signer = createSign('SHA256');
  signer.update(data);
  return toLowS(signer.sign(privateKey));
}

/** Verifies an ECDSA-SHA256 DER signature and refuses high-S ones. */
export function verifyLowS(publicKey: KeyObject | string, data: Uint8Array, der: Uint8Array): boolean {
  try {
    if (!isLowS(der)) return false;
    const verifier = createVerify('SHA256');
    verifier.update(data);
    return verifier.verify(publicKey, der);
  } catch {
    return false;
  }
}
