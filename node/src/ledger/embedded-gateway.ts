/**
 * The node's adapter for the embedded ledger: signs each proposal with the agency key from the
 * key service, and checks every committed transaction's signature against the membership.
 */
import { randomBytes } from 'node:crypto';
import { EmbeddedLedger, proposalDigestInput, ROTATE_KEY_FN, rotationProofInput, verifyProposal, type Block, type CommittedTx } from './embedded/index.js';
import { LedgerUnavailable } from '../errors.js';
import type { KeyService } from '../keys/key-service.js';
import type { Ledger, LedgerBlock, LedgerMembership, SubmitOptions, SubmitResult } from './ledger.js';
import { mapLedgerError } from './map-error.js';

/** Where the current ledger instance is found; empty while the ledger is down. */
export interface LedgerHandle {
  current: EmbeddedLedger | null;
}

export class EmbeddedLedgerGateway implements Ledger, LedgerMembership {
  readonly kind = 'embedded' as const;
  private closed = false;

  constructor(
    private readonly handle: LedgerHandle,
    private readonly identity: { mspId: string; clientId: string },
    private readonly keys: Pick<KeyService, 'sign' | 'signWithVersion'>,
  ) {}

  private ledger(): EmbeddedLedger {
    if (this.closed || !this.handle.current) throw new LedgerUnavailable('the embedded ledger is not open');
    return this.handle.current;
  }

  async submit(fn: string, args: string[], options: SubmitOptions = {}): Promise<SubmitResult> {
    return this.submitSigned(fn, args, randomBytes(32).toString('hex'), undefined, options.transient);
  }

  private async submitSigned(fn: string, args: string[], txId: string, signerVersion?: number, transient?: Record<string, string>): Promise<SubmitResult> {
    const ledger = this.ledger();
    const proposal = {
      txId,
      mspId: this.identity.mspId,
      clientId: this.identity.clientId,
      timestamp: new Date().toISOString(),
      fn,
      args,
    };
    const input = Buffer.from(proposalDigestInput(proposal), 'utf8');
    const der = signerVersion === undefined ? await this.keys.sign(input) : await this.keys.signWithVersion(signerVersion, input);
    const signature = der.toString('base64');
    try {
      const r = await ledger.submit({ ...proposal, signature, ...(transient ? { transient } : {}) });
      return { txId: r.txId, blockNumber: r.blockNumber, result: r.result };
    } catch (err) {
      throw mapLedgerError(err);
    }
  }

  /** The embedded ledger keeps its members' signing keys itself: this gateway is its membership. */
  get membership(): LedgerMembership {
    return this;
  }

  /** The public keys (SPKI PEM) the ledger trusts for this node's organisation, oldest first. */
  trustedKeys(): string[] {
    return [...(this.ledger().orgKeys().get(this.identity.mspId) ?? [])];
  }

  /**
   * Registers the key service's version `newVersion` (public key `newKeyPem`) with the ledger's membership, in a
   * transaction signed with `signerVersion`, a version the ledger already trusts, and with the new key's proof of
   * possession. Old keys stay valid for what they signed.
   */
  async registerKey(newKeyPem: string, newVersion: number, signerVersion: number): Promise<SubmitResult> {
    const txId = randomBytes(32).toString('hex');
    const proof = await this.keys.signWithVersion(newVersion, rotationProofInput({ txId, mspId: this.identity.mspId }, newKeyPem));
    return this.submitSigned(ROTATE_KEY_FN, [newKeyPem, proof.toString('base64')], txId, signerVersion);
  }

  async height(): Promise<number> {
    return this.ledger().height();
  }

  async evaluate(fn: string, args: string[]): Promise<string> {
    const ledger = this.ledger();
    try {
      return await ledger.evaluate(this.identity.mspId, fn, args);
    } catch (err) {
      throw mapLedgerError(err);
    }
  }

  /**
   * Not an async generator on purpose: a generator's return() waits behind a pending next(), so a
   * listener waiting for the next block could never be stopped. This iterator forwards return().
   */
  blocks(fromBlock: number): AsyncIterable<LedgerBlock> {
    const ledger = this.ledger();

    return {
      [Symbol.asyncIterator]: (): AsyncIterator<LedgerBlock> => {
        const source = ledger.blocks(fromBlock)[Symbol.asyncIterator]();
        return {
          next: async () => {
            try {
              const r = await source.next();
              if (r.done || this.closed) return { done: true, value: undefined };
              return { done: false, value: toLedgerBlock(r.value, ledger.orgKeys()) };
            } catch (err) {
              throw mapLedgerError(err);
            }
          },
          return: async () => {
            await source.return?.();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * Signature checks, memoised per committed transaction object: the nodes of one process receive the
 * same block objects, and verifying the same bytes against the same key gives the same answer.
 */
const verified = new WeakMap<CommittedTx, Map<string, boolean>>();

function verifyOnce(tx: CommittedTx, key: string): boolean {
  let byKey = verified.get(tx);
  if (!byKey) verified.set(tx, (byKey = new Map()));
  let ok = byKey.get(key);
  if (ok === undefined) byKey.set(key, (ok = verifyProposal(tx, key)));
  return ok;
}

function toLedgerBlock(block: Block, keys: ReadonlyMap<string, readonly string[]>): LedgerBlock {
  const events: LedgerBlock['events'] = [];
  block.transactions.forEach((tx, txIndex) => {
    if (!tx.event) return;
    const orgKeys = keys.get(tx.mspId) ?? [];
    events.push({
      blockNumber: block.number,
      txIndex,
      txId: tx.txId,
      mspId: tx.mspId,
      name: tx.event.name,
      payload: Buffer.from(tx.event.payload, 'base64'),
      signatureVerified: orgKeys.some((key) => verifyOnce(tx, key)),
    });
  });
  return { number: block.number, events };
}
