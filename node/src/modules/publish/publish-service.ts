/**
 * Publishing a STIX bundle as the caller's agency. The bundle is checked here first (so a user gets
 * every problem at once, and nothing reaches the ledger or the outbox when it is bad), then submitted;
 * the contract checks it again on the ledger, where the creator rules are enforced.
 */
import { canonicalJson, validateBundle, type Bundle } from '@popart/schemas';
import { InputError, LedgerUnavailable, NodeError } from '../../errors.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { LedgerListener } from '../../ledger/listener.js';
import type { Logger } from '../../log.js';
import type { Outbox } from '../../outbox/outbox.js';
import type { Viewer } from '../../policy/policy.js';

export interface PublishedObject { id: string; type: string; modified: string; status: 'created' | 'updated' | 'unchanged' | 'queued' }

export type PublishResult =
  | { status: 'COMMITTED'; bundleId: string; transactionId: string; blockNumber: number; objects: PublishedObject[]; outboxId: null }
  | { status: 'QUEUED'; bundleId: string; transactionId: null; blockNumber: null; objects: PublishedObject[]; outboxId: number };

const PUBLISHING_ROLES = new Set(['analyst', 'supervisor', 'operator']);

/** Parses a bundle given as JSON text or as an already-parsed value. */
export function parseBundleInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch (err) {
    const message = (err as Error).message;
    throw new InputError('MALFORMED_JSON', `bundle is not valid JSON: ${message}`, {
      issues: [{ objectIndex: null, objectId: null, property: 'bundle', message }],
    });
  }
}

export function checkBundle(input: unknown): Bundle {
  const result = validateBundle(parseBundleInput(input));
  if (!result.ok) {
    const first = result.errors[0];
    const where = first ? `${first.objectId ?? (first.objectIndex === null ? 'bundle' : `object[${first.objectIndex}]`)} property "${first.property}": ${first.message}` : '';
    throw new InputError('INVALID_BUNDLE', `the bundle is not valid STIX 2.1 (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}; first: ${where})`, { issues: result.errors });
  }
  return result.value;
}

export class PublishService {
  constructor(
    private readonly ledger: Ledger,
    private readonly outbox: Outbox,
    private readonly listener: LedgerListener,
    private readonly log: Logger,
  ) {}

  /** Submits a canonical bundle; used by the API and by the outbox worker. */
  submitCanonical = async (bundleJson: string): Promise<{ txId: string; blockNumber: number; objects: PublishedObject[] }> => {
    const r = await this.ledger.submit('PublishBundle', [bundleJson]);
    const receipt = JSON.parse(r.result) as { objects?: PublishedObject[] };
    return { txId: r.txId, blockNumber: r.blockNumber, objects: receipt.objects ?? [] };
  };

  async publish(viewer: Viewer, input: unknown, opts: { waitVisible?: boolean } = {}): Promise<PublishResult> {
    if (!PUBLISHING_ROLES.has(viewer.role)) {
      throw new NodeError('FORBIDDEN', `role ${viewer.role} may not publish`);
    }
    const bundle = checkBundle(input);
    const json = canonicalJson(bundle);
    try {
      const r = await this.submitCanonical(json);
      if (opts.waitVisible !== false) await this.listener.waitForBlock(r.blockNumber);
      this.log.info('bundle published', { user: viewer.username, bundleId: bundle.id, objects: bundle.objects.length, txId: r.txId, block: r.blockNumber });
      return { status: 'COMMITTED', bundleId: bundle.id, transactionId: r.txId, blockNumber: r.blockNumber, objects: r.objects, outboxId: null };
    } catch (err) {
      if (!(err instanceof LedgerUnavailable)) throw err;
      const outboxId = await this.outbox.enqueue(bundle.id, json, err.message);
      this.log.warn('ledger unavailable, bundle queued in the outbox', { user: viewer.username, bundleId: bundle.id, outboxId });
      const objects = bundle.objects.map((o) => ({ id: o.id, type: o.type, modified: String(o.modified ?? o.created ?? ''), status: 'queued' as const }));
      return { status: 'QUEUED', bundleId: bundle.id, transactionId: null, blockNumber: null, objects, outboxId };
    }
  }
}
