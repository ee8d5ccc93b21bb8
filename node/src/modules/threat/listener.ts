/**
 * Follows the ledger from the read model's checkpoint and keeps the read model up to date.
 * Each block is applied in one database transaction together with the checkpoint, so a restart
 * resumes exactly after the last applied block: nothing missed, nothing applied twice.
 * Objects this agency may not hold (release policy) are never fetched.
 *
 * No single object can stop the listener: when a block cannot be applied whole, its objects are applied
 * one by one, and an object that the read model cannot take (whatever the reason) is set aside in the
 * quarantine with the reason, the block and the transaction, and replication goes on. Only failures of
 * the ledger, the database or the policy service themselves (which every object would meet) make the
 * listener wait and retry the block; status() says when it is stuck.
 */
import { EventEmitter } from 'node:events';
import { OBJECTS_EVENT, type ObjectAnnouncement, type ObjectRecord, type ObjectsEventPayload } from '@popart/chaincode';
import { LedgerUnavailable } from '../../errors.js';
import { factsFromAnnouncement } from './facts.js';
import type { Logger } from '../../log.js';
import type { AgencySubject } from '../../identity.js';
import type { Decision, ObjectFacts, PolicyGate } from '../../policy/policy.js';
import type { QuarantineEntry, QuarantineStore, QuarantinedObject } from './quarantine.js';
import { rowFromObject, type ThreatRow } from './threat-row.js';
import type { ThreatStore, Withheld } from './threat-store.js';
import type { Ledger, LedgerBlock, LedgerEvent } from '../../ledger/ledger.js';

/** How replication is doing, for /healthz and operators. */
export interface ListenerStatus {
  /** Last block applied to the read model (-1: none). */
  appliedBlock: number;
  /** Blocks on the ledger not applied yet (null when the ledger could not say). */
  lag: number | null;
  /** Objects set aside since the read model was created. */
  quarantined: number;
  /** Objects set aside by this process since it started (a counter for monitoring). */
  quarantinedSinceStart: number;
  /** True when the listener has not been able to move for longer than `stuckAfterMs`. */
  stuck: boolean;
  /** The last error that made the listener wait, while it is failing. */
  lastError: string | null;
  /** Milliseconds since the last block was applied (null before the first one). */
  sinceLastAppliedMs: number | null;
}

export interface ListenerOptions {
  /** Wait before resuming after a failure. */
  retryMs?: number;
  /** A listener that cannot move for this long is reported stuck. */
  stuckAfterMs?: number;
  /**
   * Runs on the rows of each applied block (block null: quarantined rows stored on retry) once they are announced
   * (correlation, modules/correlation/: it takes them to correlate and returns). It must not throw: replication does
   * not wait for it to succeed.
   */
  onStored?: (rows: ThreatRow[], blockNumber: number | null) => Promise<unknown>;
}

/** Network failures of a service every object needs (policy server, database): not the object's fault. */
const SERVICE_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', '57P01', '57P03', '08006', '08003', '08001']);

function isServiceFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof LedgerUnavailable) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && SERVICE_ERROR_CODES.has(code)) return true;
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'TimeoutError') return true;
    if (e instanceof Error && /fetch failed|connection terminated|Connection terminated|server closed the connection/i.test(e.message)) return true;
  }
  return false;
}

function describe(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return `RangeError: ${err.message} (nesting too deep to process)`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export class LedgerListener {
  private readonly emitter = new EventEmitter();
  private running = false;
  private applied = -1;
  private loop: Promise<void> | null = null;
  private iterator: AsyncIterator<LedgerBlock> | null = null;
  private readonly retryMs: number;
  private readonly stuckAfterMs: number;
  private lastAppliedAt: number | null = null;
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private quarantinedSinceStart = 0;
  private readonly startedAt = Date.now();
  private readonly onStored: ListenerOptions['onStored'];

  constructor(
    private readonly ledger: Ledger,
    private readonly store: ThreatStore,
    private readonly quarantine: QuarantineStore,
    private readonly policy: PolicyGate,
    private readonly agency: AgencySubject,
    private readonly log: Logger,
    /** Agency key of a ledger organisation (from the registry). */
    private readonly agencyKeyOf: (mspId: string) => Promise<string>,
    options: ListenerOptions = {},
  ) {
    this.emitter.setMaxListeners(0);
    this.retryMs = options.retryMs ?? 500;
    this.stuckAfterMs = options.stuckAfterMs ?? 10_000;
    this.onStored = options.onStored;
  }

  async start(): Promise<void> {
    this.applied = await this.store.checkpoint();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.iterator?.return?.();
    await this.loop;
  }

  /** Last block applied to the read model. */
  height(): number {
    return this.applied;
  }

  /** Replication lag, quarantined objects, and whether the listener is stuck. */
  async status(): Promise<ListenerStatus> {
    const now = Date.now();
    const ledgerHeight = await Promise.race([
      this.ledger.height().catch(() => null),
      new Promise<null>((r) => setTimeout(() => r(null), 1000).unref()),
    ]);
    const lag = ledgerHeight === null ? null : Math.max(0, ledgerHeight - 1 - this.applied);
    const failingTooLong = this.failingSince !== null && now - this.failingSince > this.stuckAfterMs;
    const behindTooLong = (lag ?? 0) > 0 && now - (this.lastAppliedAt ?? this.startedAt) > this.stuckAfterMs;
    return {
      appliedBlock: this.applied,
      lag,
      quarantined: await this.quarantine.count().catch(() => -1),
      quarantinedSinceStart: this.quarantinedSinceStart,
      stuck: failingTooLong || behindTooLong,
      lastError: this.failingSince === null ? null : this.lastError,
      sinceLastAppliedMs: this.lastAppliedAt === null ? null : now - this.lastAppliedAt,
    };
  }

  /** Called with the rows of each applied block (for subscriptions). Returns an unsubscribe function. */
  onRows(fn: (rows: ThreatRow[]) => void): () => void {
    this.emitter.on('rows', fn);
    return () => this.emitter.off('rows', fn);
  }

  /** Resolves once the block has been applied (or rejects after timeoutMs). */
  waitForBlock(blockNumber: number, timeoutMs = 10_000): Promise<void> {
    if (this.applied >= blockNumber) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onApplied = (n: number): void => {
        if (n >= blockNumber) done(null);
      };
      const timer = setTimeout(() => done(new Error(`block ${blockNumber} not applied within ${timeoutMs} ms`)), timeoutMs);
      const done = (err: Error | null): void => {
        clearTimeout(timer);
        this.emitter.off('applied', onApplied);
        if (err) reject(err);
        else resolve();
      };
      this.emitter.on('applied', onApplied);
    });
  }

  /** The objects set aside, oldest block first. */
  quarantined(limit?: number): Promise<QuarantinedObject[]> {
    return this.quarantine.list(limit);
  }

  /**
   * Tries quarantined objects again (all, or those with the given ids): each that the read model now takes
   * leaves the quarantine and is delivered like a new object; the others stay, with the new reason.
   */
  async retryQuarantined(objectIds?: readonly string[]): Promise<{ stored: string[]; stillQuarantined: QuarantinedObject[] }> {
    const wanted = objectIds ? new Set(objectIds) : null;
    const entries = (await this.quarantine.list(10_000)).filter((e) => !wanted || wanted.has(e.objectId));
    const stored: string[] = [];
    const rows: ThreatRow[] = [];
    for (const entry of entries) {
      try {
        const summary = JSON.parse(entry.announcement) as ObjectAnnouncement;
        const row = await this.rowAlone(summary, entry.publisherMsp, { txId: entry.txId, blockNumber: entry.blockNumber, signatureVerified: entry.signatureVerified, mspId: entry.publisherMsp });
        if (row) {
          await this.store.storeRows([row]);
          rows.push(row);
        }
        await this.quarantine.remove(entry);
        stored.push(entry.objectId);
        this.log.info('quarantined object stored on retry', { objectId: entry.objectId, block: entry.blockNumber, txId: entry.txId });
      } catch (err) {
        if (isServiceFailure(err)) throw err;
        await this.quarantine.add([{ ...entry, reason: describe(err) }]);
      }
    }
    await this.announce(rows, null);
    const left = new Set(stored);
    const stillQuarantined = (await this.quarantine.list(10_000)).filter((e) => (!wanted || wanted.has(e.objectId)) && !left.has(e.objectId));
    return { stored, stillQuarantined };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const iterable = this.ledger.blocks(this.applied + 1);
        this.iterator = iterable[Symbol.asyncIterator]();
        for (;;) {
          const next = await this.iterator.next();
          if (next.done || !this.running) break;
          await this.apply(next.value);
        }
      } catch (err) {
        if (this.running) {
          this.failingSince ??= Date.now();
          this.lastError = describe(err);
          this.log.warn('ledger listener interrupted, will resume', { error: this.lastError, fromBlock: this.applied + 1 });
        }
      }
      if (this.running) await new Promise((r) => setTimeout(r, this.retryMs));
    }
  }

  private async apply(block: LedgerBlock): Promise<void> {
    if (block.number <= this.applied) return;
    let rows: ThreatRow[];
    try {
      rows = [];
      const withheld: Withheld[] = [];
      for (const event of block.events) {
        if (event.name !== OBJECTS_EVENT) continue;
        rows.push(...(await this.rowsOf(event, withheld)));
      }
      await this.store.recordWithheldMany(withheld);
      await this.store.applyBlock(block.number, rows);
    } catch (err) {
      if (isServiceFailure(err) || !(await this.store.ping())) throw err;
      rows = await this.applyIsolated(block, err);
    }
    this.applied = block.number;
    this.lastAppliedAt = Date.now();
    this.failingSince = null;
    this.lastError = null;
    await this.announce(rows, block.number);
    this.emitter.emit('applied', block.number);
  }

  /** Hands stored rows to the subscribers, then to `onStored`. */
  private async announce(rows: ThreatRow[], blockNumber: number | null): Promise<void> {
    if (!rows.length) return;
    this.emitter.emit('rows', rows);
    await this.onStored?.(rows, blockNumber).catch((err: unknown) => this.log.error('onStored failed', { block: blockNumber, error: describe(err) }));
  }

  /** The block object by object: what fails alone goes to the quarantine; the checkpoint moves with the entries. */
  private async applyIsolated(block: LedgerBlock, blockError: unknown): Promise<ThreatRow[]> {
    this.log.warn('block could not be applied whole, applying it object by object', { block: block.number, error: describe(blockError) });
    const rows: ThreatRow[] = [];
    const entries: QuarantineEntry[] = [];
    for (const event of block.events) {
      if (event.name !== OBJECTS_EVENT) continue;
      let payload: ObjectsEventPayload;
      try {
        payload = parsePayload(event);
      } catch (err) {
        entries.push({ objectId: '(objects event)', modified: '', blockNumber: event.blockNumber, txId: event.txId, publisherMsp: event.mspId,
          announcement: Buffer.from(event.payload).toString('utf8'), signatureVerified: event.signatureVerified, reason: describe(err) });
        continue;
      }
      for (const summary of payload.objects ?? []) {
        try {
          const row = await this.rowAlone(summary, payload.publisher_msp, event);
          if (row) {
            await this.store.storeRows([row]);
            rows.push(row);
          }
        } catch (err) {
          if (isServiceFailure(err) || !(await this.store.ping())) throw err;
          entries.push({ objectId: String(summary?.id), modified: String(summary?.modified ?? ''), blockNumber: event.blockNumber, txId: event.txId,
            publisherMsp: payload.publisher_msp, announcement: JSON.stringify(summary),
            signatureVerified: event.signatureVerified && event.mspId === payload.publisher_msp, reason: describe(err) });
        }
      }
    }
    await this.store.checkpointWith(block.number, (sql) => this.quarantine.add(entries, sql));
    for (const e of entries) {
      this.quarantinedSinceStart++;
      this.log.error('object quarantined: the read model cannot take it; replication goes on', {
        objectId: e.objectId, modified: e.modified, block: e.blockNumber, txId: e.txId, publisher: e.publisherMsp, reason: e.reason,
      });
    }
    return rows;
  }

  /**
   * The rows of an objects event; what the release policy withholds goes to `withheld`, stored by the caller.
   * The release policy judges the event's objects in one evaluation.
   */
  private async rowsOf(event: LedgerEvent, withheld: Withheld[]): Promise<ThreatRow[]> {
    const payload = parsePayload(event);
    const publisher = await this.agencyKeyOf(payload.publisher_msp);
    const facts = payload.objects.map((summary) => factsFromAnnouncement(summary, publisher));
    const decisions = await this.policy.releaseMany(this.agency, facts, new Date());
    const rows: ThreatRow[] = [];
    for (const [i, summary] of payload.objects.entries()) {
      const row = await this.rowOfDecided(summary, facts[i]!, decisions[i]!, payload.publisher_msp, event, withheld);
      if (row) rows.push(row);
    }
    return rows;
  }

  /** rowOf for an object handled on its own (a retry, a block applied object by object): what is withheld is stored at once. */
  private async rowAlone(summary: ObjectAnnouncement, publisherMsp: string, event: Pick<LedgerEvent, 'txId' | 'blockNumber' | 'signatureVerified' | 'mspId'>): Promise<ThreatRow | null> {
    const withheld: Withheld[] = [];
    const row = await this.rowOf(summary, publisherMsp, event, withheld);
    await this.store.recordWithheldMany(withheld);
    return row;
  }

  /**
   * The row of one announced object, or null when the release policy withholds it from this agency: then its facts
   * and the decision go to `withheld`, which the caller stores.
   */
  private async rowOf(summary: ObjectAnnouncement, publisherMsp: string, event: Pick<LedgerEvent, 'txId' | 'blockNumber' | 'signatureVerified' | 'mspId'>,
    withheld: Withheld[]): Promise<ThreatRow | null> {
    const facts = factsFromAnnouncement(summary, await this.agencyKeyOf(publisherMsp));
    return this.rowOfDecided(summary, facts, await this.policy.release(this.agency, facts, new Date()), publisherMsp, event, withheld);
  }

  /** rowOf once the release policy has decided. */
  private async rowOfDecided(summary: ObjectAnnouncement, facts: ObjectFacts, decision: Decision, publisherMsp: string,
    event: Pick<LedgerEvent, 'txId' | 'blockNumber' | 'signatureVerified' | 'mspId'>, withheld: Withheld[]): Promise<ThreatRow | null> {
    if (!decision.allow) {
      withheld.push({ id: summary.id, facts, decision: { rule: decision.rule, reasons: decision.reasons }, blockNumber: event.blockNumber });
      return null;
    }
    // public content comes with the announcement; private content (and large objects) is read from the ledger
    const object = summary.object ?? (JSON.parse(await this.ledger.evaluate('ReadObject', [summary.id, summary.modified ?? ''])) as ObjectRecord).object;
    return rowFromObject(object, {
      publisherMsp,
      txId: event.txId,
      blockNumber: event.blockNumber,
      signatureVerified: event.signatureVerified && event.mspId === publisherMsp,
      bbox: summary.bbox,
      ...(summary.countries?.length ? { countries: summary.countries } : {}),
    });
  }
}

function parsePayload(event: LedgerEvent): ObjectsEventPayload {
  const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as ObjectsEventPayload;
  if (!payload || !Array.isArray(payload.objects) || typeof payload.publisher_msp !== 'string') {
    throw new Error('the objects event does not hold publisher_msp and a list of objects');
  }
  return payload;
}
