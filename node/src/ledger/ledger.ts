/**
 * The ledger port: what an agency node needs from the shared ledger, whichever runs it
 * (the embedded ledger in process, or Hyperledger Fabric through the Fabric Gateway).
 * Errors leave an adapter already mapped to the node's errors (see map-error.ts).
 */
export interface LedgerEvent {
  blockNumber: number;
  txIndex: number;
  txId: string;
  /** Organisation that signed and submitted the transaction. */
  mspId: string;
  name: string;
  payload: Uint8Array;
  /** The transaction's signature checked by this node against the organisation's registered key. */
  signatureVerified: boolean;
}

export interface LedgerBlock {
  number: number;
  events: LedgerEvent[];
}

export interface SubmitResult {
  txId: string;
  blockNumber: number;
  result: string;
}

export interface SubmitOptions {
  /**
   * Transient data: given to the contract at endorsement, never recorded in a block (private content goes to the
   * ledger this way; the contract writes it into private data collections).
   */
  transient?: Record<string, string>;
  /**
   * The organisations (MSP ids) that may endorse it, when the transaction carries private content: only those that
   * keep that content (Fabric's gateway refuses to send transient data to others; the embedded ledger has one
   * endorser and ignores this).
   */
  endorsingOrganizations?: string[];
}

/**
 * The membership operations of a ledger that keeps its members' signing keys itself (the embedded ledger's key
 * registry). Fabric trusts the certificates of the agency's CA instead, and has none.
 */
export interface LedgerMembership {
  /** The public keys (SPKI PEM) the ledger trusts for this node's organisation, oldest first. */
  trustedKeys(): string[];
  /**
   * Registers the key service's version `newVersion` (public key `newKeyPem`) in a transaction signed with
   * `signerVersion`, a version the ledger already trusts. Old keys stay valid for what they signed.
   */
  registerKey(newKeyPem: string, newVersion: number, signerVersion: number): Promise<SubmitResult>;
}

export interface Ledger {
  readonly kind: 'embedded' | 'fabric';
  /** Endorse, order and commit a transaction as this node's agency; resolves once committed. */
  submit(fn: string, args: string[], options?: SubmitOptions): Promise<SubmitResult>;
  /** Read-only call against committed state. */
  evaluate(fn: string, args: string[]): Promise<string>;
  /** Number of committed blocks (the newest is height − 1): how far the ledger is, to measure replication lag. */
  height(): Promise<number>;
  /** Committed blocks from a number on, then live. Ends (or throws LedgerUnavailable) when the ledger goes away. */
  blocks(fromBlock: number): AsyncIterable<LedgerBlock>;
  close(): Promise<void>;
  /** Its membership operations, on a ledger that keeps its members' signing keys itself (absent on Fabric). */
  readonly membership?: LedgerMembership;
}
