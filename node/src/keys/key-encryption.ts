/**
 * How the file keystore encrypts what it keeps, under a key derived from the passphrase with scrypt
 * (memory-hard, RFC 7914) and a fresh random salt for every file:
 *
 * - Private keys: PKCS#8 `ENCRYPTED PRIVATE KEY` PEM, PBES2 (RFC 8018) with the scrypt KDF (RFC 7914 §7)
 *   and AES-256-CBC, the standard form OpenSSL reads (`openssl pkcs8`, given enough scrypt memory).
 * - Secrets: a JSON envelope `{"format":"popart-sealed/2","kdf":{scrypt N r p salt},"iv","tag","data"}`,
 *   AES-256-GCM, the secret's name and version bound to the ciphertext as additional data.
 *
 * Files written before this format (PBKDF2 with 2,048 iterations for keys; one fixed salt per secret
 * name) are still read, and reported as legacy so the keystore rewrites them.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes, scrypt as scryptCb, scryptSync, type KeyObject } from 'node:crypto';
import { NodeError } from '../errors.js';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB and ~0.1 s a derivation: files are opened once, when the node starts. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** Refused when reading: above this a hostile file could make the node allocate without bound. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const SALT_BYTES = 16;
const SEALED_FORMAT = 'popart-sealed/2';

function scrypt(passphrase: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  const maxmem = 256 * params.r * (params.N + params.p + 2);
  return new Promise((resolve, reject) => {
    scryptCb(passphrase, salt, length, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function checkParams(params: ScryptParams, what: string): void {
  const { N, r, p } = params;
  const ok = Number.isInteger(N) && N >= 2 && N <= MAX_N && (N & (N - 1)) === 0 && Number.isInteger(r) && r >= 1 && r <= MAX_R && Number.isInteger(p) && p >= 1 && p <= MAX_P;
  if (!ok) throw new NodeError('KEYSTORE', `${what}: unsupported scrypt parameters N=${N} r=${r} p=${p}`);
}

// ---- the little DER that PKCS#8 needs -------------------------------------------------------------

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);

function integer(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || (bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift((v & 0x7f) | (groups.length ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

interface Der { tag: number; content: Buffer; children(): Der[] }

function readDer(buf: Buffer, what: string): Der[] {
  const out: Der[] = [];
  let i = 0;
  const fail = (): never => {
    throw new NodeError('KEYSTORE', `${what}: not a valid DER structure`);
  };
  while (i < buf.length) {
    const tag = buf[i++] ?? fail();
    let len = buf[i++] ?? fail();
    if (len & 0x80) {
      const count = len & 0x7f;
      if (count === 0 || count > 4) fail();
      len = 0;
      for (let k = 0; k < count; k++) len = len * 256 + (buf[i++] ?? fail());
    }
    if (i + len > buf.length) fail();
    const content = buf.subarray(i, i + len);
    i += len;
    out.push({ tag, content, children: () => readDer(content, what) });
  }
  return out;
}

function oidOf(node: Der | undefined): string {
  if (!node || node.tag !== 0x06) return '';
  const bytes = [...node.content];
  const first = bytes.shift() ?? 0;
  const arcs = [Math.floor(first / 40), first % 40];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

function intOf(node: Der | undefined, what: string): number {
  if (!node || node.tag !== 0x02 || node.content.length > 6) throw new NodeError('KEYSTORE', `${what}: bad integer in the key's encryption parameters`);
  return node.content.reduce((n, b) => n * 256 + b, 0);
}

function pem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

function unpem(text: string, label: string, what: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  if (!m?.[1]) throw new NodeError('KEYSTORE', `${what}: not a PEM "${label}"`);
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

// ---- private keys --------------------------------------------------------------------------------

/** The key as PKCS#8 PEM, encrypted with PBES2: scrypt (fresh salt) and AES-256-CBC. */
export async function encryptPrivateKey(key: KeyObject, passphrase: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(16);
  const dk = await scrypt(passphrase, salt, 32, params);
  const plain = key.export({ format: 'der', type: 'pkcs8' });
  const cipher = createCipheriv('aes-256-cbc', dk, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  const algorithm = seq(
    oid(OID.pbes2),
    seq(
      seq(oid(OID.scrypt), seq(octets(salt), integer(params.N), integer(params.r), integer(params.p), integer(32))),
      seq(oid(OID.aes256Cbc), octets(iv)),
    ),
  );
  return pem(seq(algorithm, octets(encrypted)), 'ENCRYPTED PRIVATE KEY');
}

/** How an encrypted key file was protected. */
export interface KeyFileKdf { name: 'scrypt' | 'pbkdf2' | 'other'; params?: ScryptParams; salt?: Buffer }

/** Which KDF an `ENCRYPTED PRIVATE KEY` PEM uses (and scrypt's parameters), without decrypting it. */
export function keyFileKdf(text: string, what = 'key file'): KeyFileKdf {
  const [info] = readDer(unpem(text, 'ENCRYPTED PRIVATE KEY', what), what);
  const [alg] = info?.children() ?? [];
  const [scheme, pbes2Params] = alg?.children() ?? [];
  if (oidOf(scheme) !== OID.pbes2 || !pbes2Params) return { name: 'other' };
  const [kdf] = pbes2Params.children();
  const [kdfOid, kdfParams] = kdf?.children() ?? [];
  if (oidOf(kdfOid) === OID.pbkdf2) return { name: 'pbkdf2' };
  if (oidOf(kdfOid) !== OID.scrypt || !kdfParams) return { name: 'other' };
  const [salt, n, r, p] = kdfParams.children();
  if (!salt || salt.tag !== 0x04) throw new NodeError('KEYSTORE', `${what}: scrypt parameters without a salt`);
  return { name: 'scrypt', salt: Buffer.from(salt.content), params: { N: intOf(n, what), r: intOf(r, what), p: intOf(p, what) } };
}

/**
 * Decrypts a key file. Files in the scrypt form are decrypted here; older files (PBKDF2, as Node's
 * `export({ cipher })` writes them) by OpenSSL, and reported as `legacy` so that the caller rewrites them.
 */
export async function decryptPrivateKey(text: string, passphrase: string, what = 'key file'): Promise<{ key: KeyObject; legacy: boolean }> {
  const kdf = keyFileKdf(text, what);
  if (kdf.name !== 'scrypt') {
    try {
      return { key: createPrivateKey({ key: text, format: 'pem', passphrase }), legacy: true };
    } catch (cause) {
      throw new NodeError('KEYSTORE', `cannot decrypt ${what}: wrong passphrase or damaged file`, { cause });
    }
  }
  checkParams(kdf.params as ScryptParams, what);
  const [info] = readDer(unpem(text, 'ENCRYPTED PRIVATE KEY', what), what);
  const [alg, data] = info?.children() ?? [];
  const [, pbes2Params] = alg?.children() ?? [];
  const [, enc] = pbes2Params?.children() ?? [];
  const [encOid, iv] = enc?.children() ?? [];
  if (oidOf(encOid) !== OID.aes256Cbc || !iv || iv.content.length !== 16 || !data || data.tag !== 0x04) {
    throw new NodeError('KEYSTORE', `${what}: unsupported cipher (expected AES-256-CBC)`);
  }
  const dk = await scrypt(passphrase, kdf.salt as Buffer, 32, kdf.params as ScryptParams);
  try {
    const decipher = createDecipheriv('aes-256-cbc', dk, iv.content);
    const plain = Buffer.concat([decipher.update(data.content), decipher.final()]);
    return { key: createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' }), legacy: false };
  } catch (cause) {
    throw new NodeError('KEYSTORE', `cannot decrypt ${what}: wrong passphrase or damaged file`, { cause });
  }
}

// ---- sealed secrets ------------------------------------------------------------------------------

interface SealedEnvelope {
  format: typeof SEALED_FORMAT;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

/** A secret sealed with AES-256-GCM under scrypt(passphrase, fresh salt); `label` (name and version) is bound as additional data. */
export async function sealSecret(secret: Buffer, passphrase: string, label: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(12);
  const key = await scrypt(passphrase, salt, 32, params);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(label, 'utf8'));
  const data = Buffer.concat([cipher.update(secret), cipher.final()]);
  const envelope: SealedEnvelope = {
    format: SEALED_FORMAT,
    kdf: { name: 'scrypt', ...params, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return JSON.stringify(envelope) + '\n';
}

/**
 * Opens a sealed secret file. The legacy form (base64 of iv | tag | data, key = scrypt(passphrase,
 * "popart-secret-" + name), one salt for every keystore) is still read and reported as `legacy`.
 */
export async function openSealedSecret(text: string, passphrase: string, name: string, label: string, what = 'secret'): Promise<{ secret: Buffer; legacy: boolean }> {
  const fail = (cause?: unknown): never => {
    throw new NodeError('KEYSTORE', `cannot open ${what}: wrong passphrase or damaged file`, cause === undefined ? {} : { cause });
  };
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    const sealed = Buffer.from(trimmed, 'base64');
    if (sealed.length < 29) fail();
    try {
      const decipher = createDecipheriv('aes-256-gcm', scryptSync(passphrase, 'popart-secret-' + name, 32), sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return { secret: Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]), legacy: true };
    } catch (cause) {
      return fail(cause);
    }
  }
  let env: SealedEnvelope;
  try {
    env = JSON.parse(trimmed) as SealedEnvelope;
  } catch (cause) {
    return fail(cause);
  }
  if (env.format !== SEALED_FORMAT || env.kdf?.name !== 'scrypt' || env.cipher !== 'aes-256-gcm') {
    throw new NodeError('KEYSTORE', `${what}: unknown sealed format ${JSON.stringify(env.format)}`);
  }
  const params = { N: env.kdf.N, r: env.kdf.r, p: env.kdf.p };
  checkParams(params, what);
  const key = await scrypt(passphrase, Buffer.from(env.kdf.salt, 'base64'), 32, params);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(env.iv, 'base64'));
    decipher.setAAD(Buffer.from(label, 'utf8'));
    decipher.setAuthTag(Buffer.from(env.tag, 'base64'));
    return { secret: Buffer.concat([decipher.update(Buffer.from(env.data, 'base64')), decipher.final()]), legacy: false };
  } catch (cause) {
    return fail(cause);
  }
}
