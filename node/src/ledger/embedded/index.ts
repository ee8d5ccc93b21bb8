/**
 * The embedded ledger: the default ledger when no Hyperledger Fabric network is used. It runs the
 * same contract class as the Fabric peers, in process, against a hash-chained, append-only block log.
 *
 * On disk: `<dir>/blocks.jsonl`, one block per line (line n = block n), each line the canonical JSON
 * (sorted keys, no whitespace; `canonicalJson` of @popart/schemas) of a `Block`, ending in "\n".
 * - Block 0 (genesis): { number: 0, previousHash: 64 zeros, timestamp: creation time, transactions: [],
 *   orgs: [{ mspId, publicKeyPem }] } — the membership whose keys verify every transaction.
 * - Block n > 0: { number, previousHash: hash of block n-1, timestamp: that of its last transaction,
 *   transactions: CommittedTx[] } where a CommittedTx is the signed proposal (txId, mspId, clientId,
 *   timestamp, fn, args, signature; never transient data) plus its read/write set (read versions
 *   "block:txIndex", written values base64, null = delete) and its event (payload base64) or null.
 * - Key rotation: a transaction with fn "popart.membership.rotateKey" (args: the new SPKI PEM and the new key's
 *   proof of possession), signed by a key the org already has, adds the new key; old keys stay valid for what
 *   they signed. It has no read/write set and is checked by the ledger, not the contract.
 * - hash = sha256 hex of the canonical JSON of the block without `hash`.
 * A block is appended with one write (+ fdatasync) and is committed once its line is complete; its writes are then
 * applied to the world state in `<dir>/state/` (LMDB, world-state.ts), a snapshot of the state after some block.
 * Opening checks every line's hash and link, the snapshot against the chain, and every block after the snapshot
 * in full (signatures, unique txIds, read versions, re-execution) — see chain-replay.ts and ledger-files.ts —
 * and refuses with LedgerIntegrityError naming the first bad block; an incomplete last line (a crash mid-write)
 * is refused the same way, never silently dropped.
 */
export { EmbeddedLedger, BLOCK_FILE, type EmbeddedLedgerOptions, type SubmitReceipt } from './embedded-ledger.js';
export { proposalDigestInput, ROTATE_KEY_FN, rotationProofInput, signProposal, verifyProposal, type SignedProposal, type UnsignedProposal, type OrgMembership } from './proposal.js';
export type { Block, CommittedTx } from './block.js';
export { LedgerError, LedgerIntegrityError, LedgerUnavailableError, EndorsementError } from './errors.js';
