/**
 * The detection runner: the node runs each enabled source of its `detection` configuration continuously, turns the
 * events into STIX (detection/src/stix/to-stix.ts), merges the updates of one occurrence into versions of one alert
 * (alert-merger.ts), and publishes them as the agency through the PublishService — the same path as publishBundle:
 * checked, signed, committed, audited, or queued in the outbox while the ledger is unreachable.
 *
 * A source that fails is restarted with backoff (doubling from `restart.initialDelayS` to `restart.maxDelayS`); a
 * file read to its end is done. A live camera or microphone input is reconnected by its ingest with the same settings,
 * and when the ingest gives it up the source is failed: one retry level, never reconnections × restarts. Detector configurations are checked when the runner starts, so a bad one stops the
 * node from starting with the field named. `stop()` ends every source and waits for them.
 */
import { join } from 'node:path';
import { eventToStix, inputGaveUp, reconnectDelayMs, StixConversionError, type DetectionEvent } from '@popart/detection';
import { ALERT_SEVERITIES, type AlertArea } from '@popart/schemas';
import { ConfigError, NodeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { PublishService } from '../publish/publish-service.js';
import type { AgencySubject, Viewer } from '../../identity.js';
import { AlertMerger } from './alert-merger.js';
import { openAudioSource } from './audio-source.js';
import type { DetectionSourceConfig, DetectionSourceKind } from '../../config/detection-config.js';
import { sleep, type EventSource, type SourceContext, type SourceEvent } from './event-source.js';
import { evidenceLocator } from './evidence.js';
import { openRemoteIdSource } from './remoteid-source.js';
import { openVideoSource } from './video-source.js';

export type SourceState = 'disabled' | 'starting' | 'running' | 'restarting' | 'finished' | 'failed' | 'stopped';

export interface SourceStatus {
  id: string;
  kind: DetectionSourceKind;
  input: string;
  state: SourceState;
  /** Events the source emitted. */
  events: number;
  /** Alert versions published (committed or queued in the outbox). */
  published: number;
  /** Events merged into an earlier version (unchanged) or arriving after their occurrence ended. */
  merged: number;
  /** Events filtered out (below minSeverity, other categories). */
  filtered: number;
  /** Events that could not become a valid bundle or whose publish was refused. */
  refused: number;
  /** Restarts after a failure. */
  restarts: number;
  lastError: string | null;
  lastPublishedAt: string | null;
  /** The source's own counters (packets, frames, dropped, …). */
  counters: Record<string, number>;
}

/** Opens a source of one kind; `field` is the path of its `config` for error messages. */
export type SourceFactory = (config: DetectionSourceConfig, context: SourceContext & { evidenceRoot: string }, field: string) => Promise<EventSource>;

/** The source kinds and their factories, registered explicitly. */
export const SOURCE_FACTORIES: Readonly<Record<DetectionSourceKind, SourceFactory>> = {
  remoteid: openRemoteIdSource,
  audio: openAudioSource,
  video: openVideoSource,
};

export interface DetectionRunnerOptions {
  sources: readonly DetectionSourceConfig[];
  dataDir: string;
  agency: AgencySubject;
  /** Where the alerts go: the node's PublishService; an exercise replay publishes through the agency's GraphQL API. */
  publisher: Pick<PublishService, 'publish'>;
  /** Identity ids of agencies by key (refreshing the registry when one is unknown). */
  identityOf: (agencyKey: string) => Promise<string | undefined>;
  log: Logger;
  factories?: Readonly<Record<DetectionSourceKind, SourceFactory>>;
}

const severityRank = (s: string): number => (ALERT_SEVERITIES as readonly string[]).indexOf(s);

class SourceWorker {
  readonly status: SourceStatus;
  private readonly merger: AlertMerger;
  private readonly viewer: Viewer;
  private readonly sensorArea: AlertArea | undefined;
  private readonly warnedAudience = new Set<string>();
  private readonly publishedIds = new Set<string>();
  private loop: Promise<void> | null = null;
  private current: EventSource | null = null;

  constructor(
    private readonly config: DetectionSourceConfig,
    private readonly index: number,
    private readonly o: DetectionRunnerOptions,
    private readonly factory: SourceFactory,
    private readonly log: Logger,
  ) {
    this.status = {
      id: config.id, kind: config.kind, input: config.input, state: config.enabled ? 'starting' : 'disabled',
      events: 0, published: 0, merged: 0, filtered: 0, refused: 0, restarts: 0, lastError: null, lastPublishedAt: null, counters: {},
    };
    this.merger = new AlertMerger(config.republishIntervalS);
    this.viewer = { username: `detection:${config.id}`, displayName: `Detection source ${config.id}`, role: 'operator', agency: o.agency };
    this.sensorArea = config.position ? { shape: 'circle', ...config.position } : undefined;
  }

  private context(): SourceContext & { evidenceRoot: string } {
    const evidenceRoot = join(this.o.dataDir, 'evidence');
    const { initialDelayS, maxDelayS, maxAttempts } = this.config.restart;
    const reconnect = { initialDelayMs: initialDelayS * 1000, maxDelayMs: maxDelayS * 1000, factor: 2, maxAttempts };
    return { evidenceDir: join(evidenceRoot, this.config.id), evidenceRoot, log: this.log, reconnect };
  }

  /** Opens the source once (checking its detector configuration); a bad configuration is a ConfigError naming the field. */
  async open(): Promise<EventSource> {
    return this.factory(this.config, this.context(), `detection.sources.${this.index}.config`);
  }

  start(first: EventSource, signal: AbortSignal): void {
    this.loop = this.run(first, signal);
  }

  async stopped(): Promise<void> {
    await this.loop;
  }

  counters(): Record<string, number> {
    return this.current?.stats() ?? this.status.counters;
  }

  private async run(first: EventSource, signal: AbortSignal): Promise<void> {
    const { restart } = this.config;
    let source: EventSource | null = first;
    let failures = 0;
    while (!signal.aborted) {
      try {
        source ??= await this.open();
        this.current = source;
        this.status.state = 'running';
        const startedAt = Date.now();
        this.log.info('detection source running', { source: this.config.id, kind: this.config.kind, input: this.config.input });
        for await (const item of source.events(signal)) {
          failures = 0;
          await this.handle(item);
        }
        this.status.counters = source.stats();
        if (signal.aborted) break;
        if (!source.live) {
          this.status.state = 'finished';
          this.log.info('detection source finished its input', { source: this.config.id, ...this.status.counters, published: this.status.published });
          return;
        }
        if (Date.now() - startedAt >= restart.maxDelayS * 1000) failures = 0;
        throw new NodeError('INTERNAL', 'the live input ended');
      } catch (err) {
        if (source) this.status.counters = source.stats();
        source = null;
        this.current = null;
        if (signal.aborted) break;
        const message = err instanceof Error ? err.message : String(err);
        this.status.lastError = message;
        if (err instanceof ConfigError) {
          this.status.state = 'failed';
          this.log.error('detection source configuration refused; not restarting', { source: this.config.id, reason: message });
          return;
        }
        if (inputGaveUp(err)) {
          // The ingest already reconnected its input with this source's restart settings: one retry level, not two.
          this.status.state = 'failed';
          this.log.error('detection source input given up after its reconnections; not restarting', { source: this.config.id, reason: message });
          return;
        }
        failures++;
        if (restart.maxAttempts > 0 && failures > restart.maxAttempts) {
          this.status.state = 'failed';
          this.log.error('detection source failed; giving up', { source: this.config.id, failures: failures - 1, reason: message });
          return;
        }
        const delayMs = reconnectDelayMs(failures, { initialDelayMs: restart.initialDelayS * 1000, maxDelayMs: restart.maxDelayS * 1000, factor: 2 });
        this.status.state = 'restarting';
        this.status.restarts++;
        this.log.warn('detection source failed; restarting', { source: this.config.id, attempt: failures, inMs: delayMs, reason: message });
        await sleep(delayMs, signal);
      }
    }
    this.status.state = 'stopped';
  }

  private async audienceRefs(): Promise<string[]> {
    const refs: string[] = [];
    for (const key of this.config.audience) {
      const id = await this.o.identityOf(key);
      if (id) refs.push(id);
      else if (!this.warnedAudience.has(key)) {
        this.warnedAudience.add(key);
        this.log.warn('audience agency is not registered on the ledger; alerts go without it', { source: this.config.id, agency: key });
      }
    }
    return refs;
  }

  private async handle(item: SourceEvent): Promise<void> {
    const { event } = item;
    const ended = item.ended === true;
    this.status.events++;
    // Filters decide whether an occurrence is published at all; once it is, its later versions follow it.
    if (!this.publishedIds.has(event.id)) {
      const wanted = (!this.config.categories || this.config.categories.includes(event.category)) &&
        severityRank(event.severity) >= severityRank(this.config.minSeverity);
      if (!wanted) {
        this.status.filtered++;
        return;
      }
    }
    const decision = this.merger.decide(event, ended);
    if (!decision.publish) {
      this.status.merged++;
      return;
    }
    const c = this.config;
    let converted;
    try {
      converted = eventToStix(event, {
        agencyIdentityId: this.o.agency.identityId,
        venue: c.venue,
        ...(c.eventName ? { eventName: c.eventName } : {}),
        tlp: c.tlp,
        audienceRefs: await this.audienceRefs(),
        ...(this.sensorArea ? { sensorArea: this.sensorArea } : {}),
        ...(c.alertTtlS ? { ttlS: c.alertTtlS } : {}),
        endedTtlS: c.endedTtlS,
        ...(c.guidance ? { guidance: c.guidance } : {}),
        ended,
        modified: decision.modified,
        evidenceRef: (ev) => evidenceLocator(this.o.dataDir, ev),
        ...(item.transmitters ? { transmitters: item.transmitters } : {}),
      });
    } catch (err) {
      this.refuse(event, err instanceof StixConversionError ? `${err.field}: ${err.reason}` : String(err));
      return;
    }
    try {
      const r = await this.o.publisher.publish(this.viewer, converted.bundle, { waitVisible: false });
      this.merger.published(event, ended, decision.modified);
      this.publishedIds.add(event.id);
      if (ended) this.publishedIds.delete(event.id);
      this.status.published++;
      this.status.lastPublishedAt = new Date().toISOString();
      this.log.info(ended ? 'detection alert ended' : decision.reason === 'new' ? 'detection alert published' : 'detection alert updated', {
        source: c.id, category: event.category, severity: event.severity, alert: converted.alertId, version: converted.modified,
        reason: decision.reason, status: r.status, ...(r.status === 'COMMITTED' ? { block: r.blockNumber } : { outboxId: r.outboxId }),
      });
    } catch (err) {
      const code = err instanceof NodeError ? err.code : 'INTERNAL';
      this.refuse(event, `${code}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private refuse(event: DetectionEvent, reason: string): void {
    this.status.refused++;
    this.status.lastError = reason;
    this.log.error('detection event not published', { source: this.config.id, event: event.id, category: event.category, reason });
  }
}

export class DetectionRunner {
  private readonly controller = new AbortController();
  private readonly workers: SourceWorker[];
  private started = false;

  constructor(private readonly o: DetectionRunnerOptions) {
    const factories = o.factories ?? SOURCE_FACTORIES;
    this.workers = o.sources.map((s, i) => new SourceWorker(s, i, o, factories[s.kind], o.log));
  }

  /**
   * Opens every enabled source (checking its detector configuration: a ConfigError names the field and nothing is
   * left running) and starts them.
   */
  async start(): Promise<void> {
    if (this.started) return;
    const opened: [SourceWorker, EventSource][] = [];
    try {
      for (const w of this.workers) {
        if (w.status.state === 'disabled') continue;
        opened.push([w, await w.open()]);
      }
    } catch (err) {
      for (const [, source] of opened) await source.close?.().catch(() => undefined);
      throw err;
    }
    this.started = true;
    for (const [w, source] of opened) w.start(source, this.controller.signal);
    if (opened.length) this.o.log.info('detection runner started', { sources: opened.map(([w]) => `${w.status.id} (${w.status.kind})`) });
  }

  status(): SourceStatus[] {
    return this.workers.map((w) => ({ ...w.status, counters: w.counters() }));
  }

  /** Resolves when every source has stopped by itself (a file read to its end, or failed) or was stopped. */
  async finished(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stopped()));
  }

  /** Ends every source and waits for them (publishes in flight finish first). */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.workers.map((w) => w.stopped()));
  }
}
