/**
 * Keys and secrets port. The node signs every ledger transaction with its agency's key and keeps its
 * secrets (token signing key) here. Implementations: the encrypted file keystore (embedded default)
 * and OpenBao/Vault transit + KV v2 (real deployments, vault-key-service.ts).
 */
export interface KeyService {
  /** 'file' or 'vault': for logs and status. */
  readonly kind: 'file' | 'vault';
  /** SPKI PEM of the newest signing key version. */
  publicKeyPem(): string;
  /** SPKI PEM of every version of the signing key, oldest first (the last is the current one). */
  publicKeyPems(): string[];
  /** ECDSA P-256 SHA-256 signature with the active key version, DER, low-S. */
  sign(data: Uint8Array): Promise<Buffer>;
  /**
   * Signs with a given version of the signing key (1 = the first), for key rotation proofs. Versions count
   * from 1 in the order of publicKeyPems().
   */
  signWithVersion(version: number, data: Uint8Array): Promise<Buffer>;
  /** A named 32-byte secret (current version), created on first use and kept from then on. */
  secret(name: string): Promise<Buffer>;
  /** Every kept version of a named secret, newest first (verifiers accept all; signers use the first). */
  secretVersions(name: string): Promise<Buffer[]>;
  /** Makes a new version of a named secret the current one; older versions stay available to verify. */
  rotateSecret(name: string): Promise<void>;
  /**
   * Creates a new version of the signing key and returns it. `sign()` keeps using the active version until
   * `activateSigningKey` is called (after the ledger trusts the new key), so publishing never stops.
   */
  rotateSigningKey(): Promise<number>;
  /** Makes `sign()` use this version. A freshly opened key service signs with the newest version. */
  activateSigningKey(version: number): void;
  /** The version `sign()` uses (1-based). */
  activeSigningVersion(): number;
  /** Stops background work (token renewal). */
  close(): Promise<void>;
}

/** How many versions of a rotated secret stay valid for verification (current + previous). */
export const SECRET_VERSIONS_KEPT = 2;
