/**
 * Webhooks: each URL an agency registers (config `webhooks`) receives, as the principal it is configured as (this
 * agency, a role, a purpose), the new alerts (CAP 1.2 messages and/or a STIX bundle) and, if asked, every new object
 * it may see. Everything goes through the egress gate as that principal; restricted objects (TLP:AMBER or stricter,
 * unmarked) only to a webhook with a purpose. Each delivery is signed (webhook-signature.ts), retried with a doubling
 * delay up to `maxAttempts`, and audited as a disclosure (delivered or given up).
 *
 * Every receiver has its own bounded queue and its own worker: the listener only appends rows to the queues (no
 * waiting), so a slow or failing receiver never slows replication or the other receivers. The queues live in memory:
 * deliveries still waiting when the node stops are not sent (the log says how many).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookConfig } from '../../config/cap-config.js';
import type { AgencySubject, Viewer } from '../../identity.js';
import type { KeyService } from '../../keys/key-service.js';
import type { Logger } from '../../log.js';
import type { CapAlerts } from '../cap/cap-alerts.js';
import { CAP_MEDIA_TYPE } from '../cap/cap-message.js';
import type { EgressGate } from '../threat/egress.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { RESTRICTED } from '../threat/threat-service.js';
import { SIGNATURE_HEADER, signDelivery, webhookSecretName } from './webhook-signature.js';

export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';
/** No wait between attempts is longer than this, whatever the doubling reaches. */
const MAX_RETRY_DELAY_MS = 300_000;

export interface WebhookDeps {
  onRows: (fn: (rows: ThreatRow[]) => void) => () => void;
  gate: EgressGate;
  cap: CapAlerts;
  keys: Pick<KeyService, 'secret'>;
  agency: AgencySubject;
  log: Logger;
  /** Base URL of the node for the `web` link of CAP messages (config cap.publicUrl). */
  publicUrl?: string | undefined;
}

/** What one receiver has been through, for status and tests. */
export interface WebhookCounters { delivered: number; failed: number; dropped: number; queued: number }

class Receiver {
  private readonly queue: ThreatRow[][] = [];
  private worker: Promise<void> | null = null;
  readonly counters: WebhookCounters = { delivered: 0, failed: 0, dropped: 0, queued: 0 };
  readonly viewer: Viewer;

  constructor(readonly config: WebhookConfig, private readonly deps: WebhookDeps, private readonly stopping: AbortSignal) {
    this.viewer = {
      username: `webhook:${config.id}`, displayName: `Webhook ${config.id} (${config.url})`, role: config.role, agency: deps.agency, minSeverity: config.minSeverity,
    };
  }

  /** Appends a block's rows; never waits. */
  enqueue(rows: ThreatRow[]): void {
    if (this.stopping.aborted) return;
    if (this.queue.length >= this.config.maxQueued) {
      this.counters.dropped++;
      this.deps.log.warn('webhook queue full: rows dropped', { webhook: this.config.id, rows: rows.length, queued: this.queue.length });
      return;
    }
    this.queue.push(rows);
    this.counters.queued = this.queue.length;
    this.kick();
  }

  /** Starts the worker unless it runs; a row that came as it finished starts it again. */
  private kick(): void {
    if (this.worker || this.stopping.aborted) return;
    this.worker = this.drain().finally(() => {
      this.worker = null;
      if (this.queue.length) this.kick();
    });
  }

  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    for (let rows = this.queue.shift(); rows && !this.stopping.aborted; rows = this.queue.shift()) {
      this.counters.queued = this.queue.length;
      try {
        await this.process(rows);
      } catch (err) {
        // the gate or the audit log failing must not stop the receiver's worker for good
        this.deps.log.error('webhook delivery failed', { webhook: this.config.id, error: (err as Error).message });
      }
    }
  }

  /** Restricted rows only with a purpose: without one, the receiver gets TLP:CLEAR and TLP:GREEN only. */
  private allowed(rows: ThreatRow[]): ThreatRow[] {
    return this.config.purpose ? rows : rows.filter((r) => !RESTRICTED.has(r.tlp));
  }

  private async process(rows: ThreatRow[]): Promise<void> {
    const { config, deps } = this;
    const alerts = rows.filter((r) => r.category !== null);
    const released = config.events.includes('alerts') && alerts.length ? this.allowed(await deps.gate.releaseAlerts(this.viewer, alerts)) : [];
    if (config.formats.includes('cap')) {
      const base = deps.publicUrl?.replace(/\/+$/, '');
      for (const row of released) {
        const message = await deps.cap.messageOf(row, base ? (id) => `${base}/cap/alerts/${id}.xml` : undefined);
        await this.deliver(CAP_MEDIA_TYPE, message.document, [row], 'cap');
      }
    }
    if (!config.formats.includes('stix')) return;
    const objects = config.events.includes('objects') ? this.allowed(await deps.gate.releaseAll(this.viewer, rows)) : released;
    if (objects.length) {
      const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: objects.map((r) => r.stix) };
      await this.deliver(STIX_MEDIA_TYPE, JSON.stringify(bundle), objects, 'stix');
    }
  }

  /** POSTs one body until the receiver answers 2xx or the attempts run out; audits the outcome. */
  private async deliver(type: string, body: string, rows: ThreatRow[], format: string): Promise<void> {
    const { config, deps } = this;
    const secret = await deps.keys.secret(webhookSecretName(config.id));
    const delivery = randomUUID();
    let outcome = 'failed';
    let lastError = '';
    let attempt = 0;
    while (attempt < config.maxAttempts && !this.stopping.aborted) {
      attempt++;
      try {
        const res = await fetch(config.url, {
          method: 'POST', body,
          headers: { 'content-type': type, [SIGNATURE_HEADER]: signDelivery(secret, body), 'x-popart-webhook': config.id, 'x-popart-delivery': delivery },
          signal: AbortSignal.any([AbortSignal.timeout(config.timeoutMs), this.stopping]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          outcome = 'delivered';
          break;
        }
        lastError = `HTTP ${res.status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (attempt < config.maxAttempts) {
        await sleep(Math.min(MAX_RETRY_DELAY_MS, config.retryDelayMs * 2 ** (attempt - 1)), undefined, { signal: this.stopping }).catch(() => undefined);
      }
    }
    if (outcome === 'delivered') this.counters.delivered++;
    else {
      this.counters.failed++;
      deps.log.warn('webhook delivery given up', { webhook: config.id, url: config.url, attempts: attempt, error: lastError });
    }
    // The body left the node on every attempt (a failing receiver may still have read it): a disclosure either way.
    await deps.cap.disclosed(this.viewer, rows, config.purpose ?? null, 'webhook', config.url, {
      webhook: config.id, delivery, format, outcome, attempts: attempt, ...(outcome === 'delivered' ? {} : { error: lastError }),
    });
  }
}

export class WebhookDispatcher {
  private readonly receivers: Receiver[];
  private readonly stopping = new AbortController();
  private unsubscribe: (() => void) | null = null;

  constructor(webhooks: readonly WebhookConfig[], private readonly deps: WebhookDeps) {
    this.receivers = webhooks.map((w) => new Receiver(w, deps, this.stopping.signal));
  }

  /** Makes sure every webhook has its signing secret, then follows new rows. */
  async start(): Promise<void> {
    for (const r of this.receivers) await this.deps.keys.secret(webhookSecretName(r.config.id));
    if (this.receivers.length) this.unsubscribe = this.deps.onRows((rows) => this.receivers.forEach((r) => r.enqueue(rows)));
  }

  counters(id: string): WebhookCounters | undefined {
    return this.receivers.find((r) => r.config.id === id)?.counters;
  }

  /** Resolves once every receiver's queue is empty (tests, orderly shutdown). */
  async idle(): Promise<void> {
    for (const r of this.receivers) await r.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    const waiting = this.receivers.reduce((n, r) => n + r.waiting(), 0);
    this.stopping.abort();
    for (const r of this.receivers) await r.idle();
    if (waiting) this.deps.log.warn('webhook deliveries not sent at stop', { blocks: waiting });
  }
}
