/**
 * Publishing a STIX bundle as the caller's agency. The bundle is checked here first (so a user gets
 * every problem at once, and nothing reaches the ledger or the outbox when it is bad), then submitted;
 * the contract checks it again on the ledger, where the creator rules are enforced.
 */
import { randomUUID } from 'node:crypto';
import { isPrivateObject } from '@popart/chaincode';
import { canonicalJson, describeIssue, validateBundle, validateObject, type Bundle, type StixObject, type TlpLevel } from '@popart/schemas';
import { actorOf, type AuditLog } from '../audit/index.js';
import { InputError, LedgerUnavailable, NodeError } from '../../errors.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { LedgerListener } from '../threat/listener.js';
import type { Logger } from '../../log.js';
import type { Outbox } from './outbox.js';
import type { Viewer } from '../../identity.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { referringMarking } from './referring-marking.js';
import type { PublishedObject, SubmitBundle } from './submit-bundle.js';

export type { PublishedObject } from './submit-bundle.js';

export type PublishResult =
  | { status: 'COMMITTED'; bundleId: string; transactionId: string; blockNumber: number; objects: PublishedObject[]; outboxId: null }
  | { status: 'QUEUED'; bundleId: string; transactionId: null; blockNumber: null; objects: PublishedObject[]; outboxId: number };

const PUBLISHING_ROLES = new Set(['analyst', 'supervisor', 'operator']);

/** Whether the user's role may publish (bundles, sightings). */
export function mayPublish(viewer: Viewer): boolean {
  return PUBLISHING_ROLES.has(viewer.role);
}

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
  const result = validateBundle(parseBundleInput(input), { now: new Date() });
  if (!result.ok) {
    const first = result.errors[0];
    throw new InputError('INVALID_BUNDLE', `the bundle is not valid STIX 2.1 (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}; first: ${first ? describeIssue(first) : ''})`, { issues: result.errors });
  }
  return result.value;
}

export interface SightingInput {
  objectId: string;
  count?: number | null;
  description?: string | null;
  tlp?: TlpLevel | null;
}

export class PublishService {
  constructor(
    private readonly ledger: Ledger,
    private readonly outbox: Outbox,
    private readonly listener: LedgerListener,
    private readonly log: Logger,
    private readonly audit: AuditLog,
    /** Agencies (other than this one) that the release policy lets hold these objects. */
    private readonly recipientsOf: (objects: Bundle['objects']) => Promise<string[]>,
    /** The ledger's submit function for a canonical bundle (submit-bundle.ts); the outbox worker uses the same one. */
    private readonly submitCanonical: SubmitBundle,
  ) {}

  /**
   * How long a publish waits for its block to be applied to this node's own read model before answering. A bundle
   * whose block takes longer (the read model behind the ledger under load) is still committed: the answer says so, and
   * the object appears in the read model when the listener gets there; a warning is logged.
   */
  visibleWithinMs = 10_000;

  /** Waits until this node's read model holds the block, at most visibleWithinMs (see there). */
  private async visible(blockNumber: number, what: Record<string, unknown>): Promise<void> {
    try {
      await this.listener.waitForBlock(blockNumber, this.visibleWithinMs);
    } catch (err) {
      this.log.warn('committed on the ledger, not yet in this node\'s read model (it is behind the ledger)', { ...what, block: blockNumber, reason: (err as Error).message });
    }
  }

  /** LED Art. 25: the collection, and the disclosure to the agencies the objects are released to. */
  private async audited(viewer: Viewer, objects: Bundle['objects'], details: Record<string, unknown>): Promise<void> {
    const objectIds = objects.map((o) => o.id);
    const recipients = await this.recipientsOf(objects);
    await this.audit.recordAll([
      { actor: actorOf(viewer), action: 'collection', objectIds, details },
      ...(recipients.length ? [{ actor: actorOf(viewer), action: 'disclosure' as const, objectIds, recipients, details: { ...details, channel: 'ledger' } }] : []),
    ]);
  }

  /** `details` are added to the publication's audit records (e.g. where an imported bundle came from). */
  async publish(viewer: Viewer, input: unknown, opts: { waitVisible?: boolean; details?: Record<string, unknown> } = {}): Promise<PublishResult> {
    if (!PUBLISHING_ROLES.has(viewer.role)) {
      throw new NodeError('FORBIDDEN', `role ${viewer.role} may not publish`);
    }
    const bundle = checkBundle(input);
    const json = canonicalJson(bundle);
    try {
      const r = await this.submitCanonical(json);
      if (opts.waitVisible !== false) await this.visible(r.blockNumber, { bundleId: bundle.id });
      await this.audited(viewer, bundle.objects, { ...opts.details, bundleId: bundle.id, txId: r.txId, block: r.blockNumber });
      this.log.info('bundle published', { user: viewer.username, bundleId: bundle.id, objects: bundle.objects.length, txId: r.txId, block: r.blockNumber });
      return { status: 'COMMITTED', bundleId: bundle.id, transactionId: r.txId, blockNumber: r.blockNumber, objects: r.objects, outboxId: null };
    } catch (err) {
      if (!(err instanceof LedgerUnavailable)) throw err;
      const outboxId = await this.outbox.enqueue(bundle.id, json, err.message);
      await this.audit.record({ actor: actorOf(viewer), action: 'collection', objectIds: bundle.objects.map((o) => o.id), details: { ...opts.details, bundleId: bundle.id, outboxId, queued: true } });
      this.log.warn(err.code === 'KEYS_UNAVAILABLE' ? 'cannot sign (key service unavailable), bundle queued in the outbox' : 'ledger unavailable, bundle queued in the outbox',
        { user: viewer.username, bundleId: bundle.id, outboxId, reason: err.message });
      const objects = bundle.objects.map((o) => ({ id: o.id, type: o.type, modified: String(o.modified ?? o.created ?? ''), status: 'queued' as const }));
      return { status: 'QUEUED', bundleId: bundle.id, transactionId: null, blockNumber: null, objects, outboxId };
    }
  }

  /**
   * Records that the caller's agency sighted an existing object (cross-agency corroboration).
   * The caller must be able to see the object; the sighting is signed as the caller's agency and
   * marked like the object (`tlp` may only make it stricter: see referring-marking.ts).
   */
  async recordSighting(
    viewer: Viewer, input: SightingInput,
    subjectOf: (id: string) => Promise<{ row: ThreatRow; publisherIdentity: string | undefined } | null>,
  ): Promise<PublishResult> {
    if (!PUBLISHING_ROLES.has(viewer.role)) throw new NodeError('FORBIDDEN', `role ${viewer.role} may not record sightings`);
    const subject = await subjectOf(input.objectId);
    if (!subject) {
      throw new InputError('NOT_FOUND', `no object ${input.objectId} visible to you`, { issues: [{ objectIndex: null, objectId: input.objectId, property: 'objectId', message: 'not found' }] });
    }
    const marking = referringMarking(subject.row, subject.publisherIdentity, input.tlp ?? null);
    const now = new Date().toISOString();
    const sighting = {
      type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: now, modified: now,
      created_by_ref: viewer.agency.identityId, sighting_of_ref: input.objectId, first_seen: now, last_seen: now,
      count: input.count ?? 1, where_sighted_refs: [viewer.agency.identityId],
      ...(input.description ? { description: input.description } : {}),
      ...marking,
    };
    const checked = validateObject(sighting, 0);
    if (!checked.ok) throw new InputError('INVALID_ARGUMENT', `the sighting is not valid: ${checked.errors.map(describeIssue).join('; ')}`, { issues: checked.errors });
    // A restricted sighting is private data: it goes the two-transaction way, as a bundle of one.
    const r = isPrivateObject(sighting as unknown as StixObject)
      ? await this.submitCanonical(canonicalJson({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: [sighting] }))
      : await this.ledger.submit('RecordSighting', [canonicalJson(sighting)]);
    await this.visible(r.blockNumber, { sighting: sighting.id });
    await this.audited(viewer, [sighting], { txId: r.txId, block: r.blockNumber, sightingOf: input.objectId });
    this.log.info('sighting recorded', { user: viewer.username, of: input.objectId, txId: r.txId });
    return { status: 'COMMITTED', bundleId: sighting.id, transactionId: r.txId, blockNumber: r.blockNumber, objects: [{ id: sighting.id, type: 'sighting', modified: now, status: 'created' }], outboxId: null };
  }
}
