/**
 * Webhooks: each URL an agency registers (config `webhooks`) receives, as the principal it is configured as (this
 * agency, a role, a purpose), the new alerts (CAP 1.2 messages and/or a STIX bundle) and, if asked, every new object
 * it may see. Everything goes through the egress gate as that principal; restricted objects (TLP:AMBER or stricter,
 * unmarked) only to a webhook with a purpose. Each delivery is signed (webhook-signature.ts), retried with a doubling
 * delay up to `maxAttempts`, and audited as a disclosure (delivered or given up).
 *
 * Every receiver has its own queues and workers, in two stages: the listener only appends a block's rows to the
 * receiver's queue (no waiting); a worker releases them through the gate, writes the deliveries and stores them in the
 * read model's database (webhook-store.ts); another sends the stored deliveries in order. So a slow or failing
 * receiver never slows replication or the other receivers, and deliveries waiting for a receiver survive a restart
 * (those being sent at a stop are sent again after it, with the same X-Popart-Delivery id, so receivers can drop
 * duplicates). Only blocks not yet written as deliveries when the node stops are lost (the log says how many).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { alertViews, isTlpMarkingId, type StixObject } from '@popart/schemas';
import type { WebhookConfig } from '../../config/cap-config.js';
import { actorOf, type AuditRecord } from '../audit/index.js';
import type { AgencySubject, Viewer } from '../../identity.js';
import type { KeyService } from '../../keys/key-service.js';
import type { Logger } from '../../log.js';
import type { CapAlerts } from '../cap/cap-alerts.js';
import { CAP_MEDIA_TYPE } from '../cap/cap-message.js';
import type { Closure } from '../threat/closure.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { RESTRICTED } from '../threat/threat-request.js';
import { SIGNATURE_HEADER, signDelivery, webhookSecretName } from './webhook-signature.js';
import type { NewDelivery, StoredDelivery, WebhookStore } from './webhook-store.js';

export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';
/** No wait between attempts is longer than this, whatever the doubling reaches. */
const MAX_RETRY_DELAY_MS = 300_000;

export interface WebhookDeps {
  onRows: (fn: (rows: ThreatRow[]) => void) => () => void;
  gate: EgressGate;
  cap: Pick<CapAlerts, 'messageOf'>;
  /** What objects refer to that the viewer may see (ThreatService.closure): STIX bundles go out whole, as exports do. */
  closure: (viewer: Viewer, objects: readonly StixObject[]) => Promise<Closure>;
  keys: Pick<KeyService, 'secret'>;
  /** Where deliveries wait for their receiver (the read model's database). */
  store: WebhookStore;
  /** Each delivery's disclosure is written here. */
  audit: { record(entry: AuditRecord): Promise<unknown> };
  agency: AgencySubject;
  log: Logger;
  /** Base URL of the node for the `web` link of CAP messages (config cap.publicUrl). */
  publicUrl?: string | undefined;
}

/** What one receiver has been through, for status and tests. */
export interface WebhookCounters { delivered: number; failed: number; dropped: number; queued: number }

/** Runs `work` unless it runs already; when it ends and `more()` says so, runs it again. */
class Worker {
  private running: Promise<void> | null = null;
  constructor(private readonly work: () => Promise<void>, private readonly more: () => boolean, private readonly stopped: AbortSignal) {}

  kick(): void {
    if (this.running || this.stopped.aborted) return;
    this.running = this.work().finally(() => {
      this.running = null;
      if (this.more()) this.kick();
    });
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}

class Receiver {
  /** Blocks of rows not yet written as deliveries. */
  private readonly blocks: ThreatRow[][] = [];
  private readonly preparer: Worker;
  private readonly sender: Worker;
  private stored = false;
  readonly counters: WebhookCounters = { delivered: 0, failed: 0, dropped: 0, queued: 0 };
  readonly viewer: Viewer;

  constructor(readonly config: WebhookConfig, private readonly deps: WebhookDeps, private readonly stopping: AbortSignal) {
    this.viewer = {
      username: `webhook:${config.id}`, displayName: `Webhook ${config.id} (${config.url})`, role: config.role, agency: deps.agency, minSeverity: config.minSeverity,
    };
    this.preparer = new Worker(() => this.prepareAll(), () => this.blocks.length > 0, stopping);
    this.sender = new Worker(() => this.sendAll(), () => this.stored, stopping);
  }

  /** Appends a block's rows; never waits. */
  enqueue(rows: ThreatRow[]): void {
    if (this.stopping.aborted) return;
    if (this.blocks.length >= this.config.maxQueued) {
      this.counters.dropped++;
      this.deps.log.warn('webhook queue full: rows dropped', { webhook: this.config.id, rows: rows.length, queued: this.blocks.length });
      return;
    }
    this.blocks.push(rows);
    this.counters.queued = this.blocks.length;
    this.preparer.kick();
  }

  /** Sends what is stored (deliveries left from before a restart, or just written). */
  resume(): void {
    this.stored = true;
    this.sender.kick();
  }

  async idle(): Promise<void> {
    do {
      await this.preparer.idle();
      await this.sender.idle();
    } while (!this.stopping.aborted && (this.blocks.length > 0 || this.stored));
  }

  waiting(): number {
    return this.blocks.length;
  }

  /** Logs what a worker could not do (the gate or the database failing) without stopping the receiver for good. */
  private failed(err: unknown): void {
    this.deps.log.error('webhook delivery failed', { webhook: this.config.id, error: (err as Error).message });
  }

  private async prepareAll(): Promise<void> {
    for (let rows = this.blocks.shift(); rows && !this.stopping.aborted; rows = this.blocks.shift()) {
      this.counters.queued = this.blocks.length;
      try {
        for (const d of await this.prepare(rows)) await this.keep(d);
      } catch (err) {
        this.failed(err);
      }
    }
  }

  private async sendAll(): Promise<void> {
    this.stored = false;
    try {
      for (let d = await this.deps.store.next(this.config.id); d && !this.stopping.aborted; d = await this.deps.store.next(this.config.id)) {
        await this.send(d);
      }
    } catch (err) {
      this.failed(err);
    }
  }

  /** Restricted rows only with a purpose: without one, the receiver gets TLP:CLEAR and TLP:GREEN only. */
  private allowed(rows: ThreatRow[]): ThreatRow[] {
    return this.config.purpose ? rows : rows.filter((r) => !RESTRICTED.has(r.tlp));
  }

  /** The deliveries of a block: the rows released as the receiver, written in its formats. */
  private async prepare(rows: ThreatRow[]): Promise<NewDelivery[]> {
    const { config, deps } = this;
    const out: NewDelivery[] = [];
    const purpose = config.purpose ?? null;
    const alerts = rows.filter((r) => r.category !== null);
    const released = config.events.includes('alerts') && alerts.length ? this.allowed(await deps.gate.releaseAlerts(this.viewer, alerts)) : [];
    if (config.formats.includes('cap')) {
      const base = deps.publicUrl?.replace(/\/+$/, '');
      for (const row of released) {
        const message = await deps.cap.messageOf(row, base ? (id) => `${base}/cap/alerts/${id}.xml` : undefined);
        out.push({ delivery: randomUUID(), format: 'cap', contentType: CAP_MEDIA_TYPE, body: message.document, objectIds: [row.id], purpose });
      }
    }
    if (config.formats.includes('stix')) {
      const objects = config.events.includes('objects') ? this.allowed(await deps.gate.releaseAll(this.viewer, rows)) : released;
      if (objects.length) {
        // as exportBundle gives them: each alert's standard objects and what everything refers to that the receiver
        // may see (restricted references, too, only with a purpose)
        const stix = objects.map((r) => r.stix).filter((o) => !(o.type === 'marking-definition' && isTlpMarkingId(o.id)));
        const views = alertViews(stix);
        const closure = await deps.closure(this.viewer, [...stix, ...views]);
        const referenced = this.allowed(closure.rows);
        const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [...closure.reference, ...referenced.map((r) => r.stix), ...stix, ...views] };
        out.push({
          delivery: randomUUID(), format: 'stix', contentType: STIX_MEDIA_TYPE, body: JSON.stringify(bundle), objectIds: [...objects, ...referenced].map((r) => r.id), purpose,
        });
      }
    }
    return out;
  }

  /** Stores a delivery for the sender, unless the receiver has `maxQueued` waiting already. */
  private async keep(d: NewDelivery): Promise<void> {
    if (await this.deps.store.waiting(this.config.id) >= this.config.maxQueued) {
      this.counters.dropped++;
      this.deps.log.warn('webhook deliveries full: delivery dropped', { webhook: this.config.id, objects: d.objectIds.length });
      return;
    }
    await this.deps.store.add(this.config.id, d);
    this.resume();
  }

  /**
   * POSTs a stored delivery until the receiver answers 2xx or the attempts run out; then audits it and removes it.
   * Stopped in between, it stays stored (with the attempts made) for after the restart.
   */
  private async send(d: StoredDelivery): Promise<void> {
    const { config, deps } = this;
    const secret = await deps.keys.secret(webhookSecretName(config.id));
    let delivered = false;
    let lastError = '';
    let attempt = d.attempts;
    while (attempt < config.maxAttempts && !this.stopping.aborted) {
      attempt++;
      try {
        const res = await fetch(config.url, {
          method: 'POST', body: d.body,
          headers: { 'content-type': d.contentType, [SIGNATURE_HEADER]: signDelivery(secret, d.body), 'x-popart-webhook': config.id, 'x-popart-delivery': d.delivery },
          signal: AbortSignal.any([AbortSignal.timeout(config.timeoutMs), this.stopping]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          delivered = true;
          break;
        }
        lastError = `HTTP ${res.status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (this.stopping.aborted) return;
      await deps.store.attempted(d.seq, attempt);
      if (attempt < config.maxAttempts) {
        await sleep(Math.min(MAX_RETRY_DELAY_MS, config.retryDelayMs * 2 ** (attempt - 1)), undefined, { signal: this.stopping }).catch(() => undefined);
      }
    }
    if (!delivered && this.stopping.aborted) return;
    if (delivered) this.counters.delivered++;
    else {
      this.counters.failed++;
      deps.log.warn('webhook delivery given up', { webhook: config.id, url: config.url, attempts: attempt, error: lastError });
    }
    // The body left the node on every attempt (a failing receiver may still have read it): a disclosure either way.
    await deps.audit.record({
      actor: actorOf(this.viewer), action: 'disclosure', objectIds: d.objectIds, purpose: d.purpose, recipients: [config.url],
      policyRevision: deps.gate.revision,
      details: { resource: 'webhook', webhook: config.id, delivery: d.delivery, format: d.format, outcome: delivered ? 'delivered' : 'failed', attempts: attempt, ...(delivered ? {} : { error: lastError }) },
    });
    await deps.store.done(d.seq);
  }
}

export class WebhookDispatcher {
  private readonly receivers: Receiver[];
  private readonly stopping = new AbortController();
  private unsubscribe: (() => void) | null = null;

  constructor(webhooks: readonly WebhookConfig[], private readonly deps: WebhookDeps) {
    this.receivers = webhooks.map((w) => new Receiver(w, deps, this.stopping.signal));
  }

  /**
   * Makes sure every webhook has its signing secret, drops the stored deliveries of webhooks no longer configured,
   * resumes the ones stored before a restart, then follows new rows.
   */
  async start(): Promise<void> {
    for (const r of this.receivers) await this.deps.keys.secret(webhookSecretName(r.config.id));
    const forgotten = await this.deps.store.forgetOthers(this.receivers.map((r) => r.config.id));
    if (forgotten) this.deps.log.warn('deliveries of webhooks no longer configured dropped', { deliveries: forgotten });
    for (const r of this.receivers) r.resume();
    if (this.receivers.length) this.unsubscribe = this.deps.onRows((rows) => this.receivers.forEach((r) => r.enqueue(rows)));
  }

  counters(id: string): WebhookCounters | undefined {
    return this.receivers.find((r) => r.config.id === id)?.counters;
  }

  /** Resolves once every receiver has written and sent what it had (tests, orderly shutdown). */
  async idle(): Promise<void> {
    for (const r of this.receivers) await r.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    const waiting = this.receivers.reduce((n, r) => n + r.waiting(), 0);
    this.stopping.abort();
    for (const r of this.receivers) await r.idle();
    if (waiting) this.deps.log.warn('webhook blocks not written as deliveries at stop (not sent)', { blocks: waiting });
  }
}
