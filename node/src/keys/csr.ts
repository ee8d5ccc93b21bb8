/**
 * A PKCS#10 certificate signing request for a key that cannot leave the vault: the request body is encoded
 * here (DER) and signed by whoever holds the key (transit), so a CA (OpenBao's PKI engine, or the Fabric
 * network's CA) can issue the X.509 certificate that matches it, as a Fabric MSP identity needs.
 */
import { createPublicKey } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(body.length), body]);
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const OID = { commonName: '2.5.4.3', organization: '2.5.4.10', organizationalUnit: '2.5.4.11', country: '2.5.4.6', ecdsaWithSha256: '1.2.840.10045.4.3.2' };

export interface CsrSubject {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** ISO 3166 alpha-2 */
  country?: string;
}

function name(subject: CsrSubject): Buffer {
  const rdn = (type: string, value: Buffer): Buffer => set(sequence(oid(type), value));
  const rdns: Buffer[] = [];
  if (subject.country) rdns.push(rdn(OID.country, tlv(0x13, Buffer.from(subject.country, 'ascii'))));
  if (subject.organization) rdns.push(rdn(OID.organization, utf8(subject.organization)));
  if (subject.organizationalUnit) rdns.push(rdn(OID.organizationalUnit, utf8(subject.organizationalUnit)));
  rdns.push(rdn(OID.commonName, utf8(subject.commonName)));
  return sequence(...rdns);
}

/**
 * Builds a CSR for `publicKeyPem` (SPKI) and has `signDer` sign its body (ECDSA-SHA256 over the DER of
 * CertificationRequestInfo, DER signature). Returns the CSR as PEM.
 */
export async function buildCsr(publicKeyPem: string, subject: CsrSubject, signDer: (body: Buffer) => Promise<Buffer>): Promise<string> {
  const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const info = sequence(tlv(0x02, Buffer.from([0])), name(subject), spki, tlv(0xa0, Buffer.alloc(0)));
  const signature = await signDer(info);
  const der = sequence(info, sequence(oid(OID.ecdsaWithSha256)), tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}
