/**
 * Follows the ledger from the read model's checkpoint and keeps the read model up to date.
 * Each block is applied in one database transaction together with the checkpoint, so a restart
 * resumes exactly after the last applied block: nothing missed, nothing applied twice.
 * Objects this agency may not hold (release policy) are never fetched.
 */
import { EventEmitter } from 'node:events';
import { OBJECTS_EVENT, type ObjectRecord, type ObjectsEventPayload } from '@popart/chaincode';
import { factsFromAnnouncement } from '../policy/facts.js';
import type { Logger } from '../log.js';
import type { AgencySubject, PolicyGate } from '../policy/policy.js';
import { rowFromObject, type ThreatRow } from '../read-model/threat-row.js';
import type { ThreatStore } from '../read-model/threat-store.js';
import type { Ledger, LedgerBlock, LedgerEvent } from './ledger.js';

export class LedgerListener {
  private readonly emitter = new EventEmitter();
  private running = false;
  private applied = -1;
  private loop: Promise<void> | null = null;
  private iterator: AsyncIterator<LedgerBlock> | null = null;

  constructor(
    private readonly ledger: Ledger,
    private readonly store: ThreatStore,
    private readonly policy: PolicyGate,
    private readonly agency: AgencySubject,
    private readonly log: Logger,
    /** Agency key of a ledger organisation (from the registry). */
    private readonly agencyKeyOf: (mspId: string) => Promise<string>,
    private readonly retryMs = 500,
  ) {
    this.emitter.setMaxListeners(0);
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
        if (this.running) this.log.warn('ledger listener interrupted, will resume', { error: (err as Error).message, fromBlock: this.applied + 1 });
      }
      if (this.running) await new Promise((r) => setTimeout(r, this.retryMs));
    }
  }

  private async apply(block: LedgerBlock): Promise<void> {
    if (block.number <= this.applied) return;
    const rows: ThreatRow[] = [];
    for (const event of block.events) {
      if (event.name !== OBJECTS_EVENT) continue;
      rows.push(...(await this.rowsOf(event)));
    }
    await this.store.applyBlock(block.number, rows);
    this.applied = block.number;
    if (rows.length) this.emitter.emit('rows', rows);
    this.emitter.emit('applied', block.number);
  }

  private async rowsOf(event: LedgerEvent): Promise<ThreatRow[]> {
    const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as ObjectsEventPayload;
    const rows: ThreatRow[] = [];
    const publisher = await this.agencyKeyOf(payload.publisher_msp);
    for (const summary of payload.objects) {
      const facts = factsFromAnnouncement(summary, publisher);
      const decision = await this.policy.release(this.agency, facts, new Date());
      if (!decision.allow) {
        await this.store.recordWithheld(summary.id, facts, { rule: decision.rule, reasons: decision.reasons }, event.blockNumber);
        continue;
      }
      const record = JSON.parse(await this.ledger.evaluate('ReadObject', [summary.id, summary.modified ?? ''])) as ObjectRecord;
      rows.push(rowFromObject(record.object, {
        publisherMsp: payload.publisher_msp,
        txId: event.txId,
        blockNumber: event.blockNumber,
        signatureVerified: event.signatureVerified && event.mspId === payload.publisher_msp,
      }));
    }
    return rows;
  }
}
