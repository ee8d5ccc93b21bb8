/**
 * Keys and secrets port. The node signs every ledger transaction with its agency's key and keeps its
 * secrets (token signing key) here. Implementations: the encrypted file keystore (embedded default)
 * and OpenBao/Vault transit + KV v2 (real deployments).
 */
export interface KeyService {
  /** SPKI PEM of the agency's signing key (registered in the ledger membership). */
  publicKeyPem(): string;
  /** ECDSA P-256 SHA-256 signature, DER, low-S. */
  sign(data: Uint8Array): Promise<Buffer>;
  /** A named 32-byte secret, created on first use and kept from then on. */
  secret(name: string): Promise<Buffer>;
}
