/**
 * Partner feeds in: every configured import (config `imports`) pulls its partner's TAXII 2.1 collection or MISP feed
 * (misp-pull.ts, misp-event.ts) on a schedule
 * and publishes what is new as this agency, as the principal "import:<id>", keeping each object's creator. Pages are
 * bounded (pageSize, the content limits); the cursor (the last X-TAXII-Date-Added-Last) is kept in the read model after
 * each page, so a restart does not import again. A failure of the partner stops the run and the next one comes later,
 * the delay doubling up to an hour; an object the node refuses is logged with its reason and counted, and never stops
 * the others. Provenance: each publication's audit records carry the import id, the URL and the collection.
 */
import type { TlpLevel } from '@popart/schemas';
import type { ImportConfig } from '../../config/imports-config.js';
import { ConfigError } from '../../errors.js';
import type { AgencySubject, Viewer } from '../../identity.js';
import type { Logger } from '../../log.js';
import { importBatch, type BatchDeps } from './import-batch.js';
import type { ImportState, ImportStore } from './import-store.js';
import { mispEventToStix } from './misp-event.js';
import { dueEvents, fetchEvent } from './misp-pull.js';
import { fetchPage, objectsUrl, PartnerError } from './taxii-pull.js';

/** Pages one run reads at most; the rest waits for the next run. */
const MAX_PAGES_PER_RUN = 50;
const MAX_BACKOFF_MS = 3_600_000;

/** The delay before the next pull: the interval, doubled after each failure in a row, up to an hour (or the interval when longer). */
export function nextPullDelayMs(intervalSeconds: number, failures: number): number {
  const base = intervalSeconds * 1000;
  return failures ? Math.min(base * 2 ** failures, Math.max(base, MAX_BACKOFF_MS)) : base;
}

export interface ImportStatus extends ImportState { id: string; url: string; collection: string | null; running: boolean }

export interface ImporterDeps extends BatchDeps {
  store: ImportStore;
  agency: AgencySubject;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

class Import {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;
  readonly viewer: Viewer;

  constructor(readonly config: ImportConfig, private readonly password: string | undefined, private readonly deps: ImporterDeps) {
    this.viewer = { username: `import:${config.id}`, displayName: `Import ${config.id} (${config.url})`, role: config.role, agency: deps.agency };
  }

  get busy(): boolean {
    return this.running !== null;
  }

  schedule(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run().finally(() => {
        this.schedule(nextPullDelayMs(this.config.intervalSeconds, this.failures));
      });
    }, delayMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pull: every page added since the cursor (at most MAX_PAGES_PER_RUN). Never throws. */
  run(): Promise<void> {
    this.running ??= this.pull().finally(() => { this.running = null; });
    return this.running;
  }

  private async pull(): Promise<void> {
    const { store, log } = this.deps;
    const id = this.config.id;
    let error: string | null = null;
    try {
      if (this.config.kind === 'misp') await this.pullMisp();
      else await this.pullTaxii();
      this.failures = 0;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      this.failures++;
      log.warn(err instanceof PartnerError ? 'partner feed unavailable, backing off' : 'partner import failed, backing off', { import: id, failures: this.failures, error });
    }
    await store.runDone(id, error).catch((err: unknown) => log.error('cannot record the import run', { import: id, error: (err as Error).message }));
  }

  /** Publishes a batch of the partner's objects and moves the cursor. */
  private async importObjects(objects: readonly unknown[], cursor: string | undefined, details: Record<string, unknown>): Promise<void> {
    const { store, log } = this.deps;
    const id = this.config.id;
    const r = await importBatch(this.viewer, objects, this.config.defaultTlp as TlpLevel, this.deps, details);
    for (const refusal of r.refused) log.warn('partner object refused', { import: id, index: refusal.index, objectId: refusal.id, reason: refusal.reason });
    await store.pageDone(id, cursor, { imported: r.imported + r.queued, skipped: r.skipped, refused: r.refused.length });
    if (r.imported + r.queued + r.refused.length) log.info('partner objects imported', { import: id, imported: r.imported, queued: r.queued, skipped: r.skipped, refused: r.refused.length });
  }

  private async pullTaxii(): Promise<void> {
    const details = { import: this.config.id, source: objectsUrl(this.config).href, collection: this.config.collection ?? null };
    let addedAfter = (await this.deps.store.get(this.config.id)).addedAfter ?? undefined;
    let next: string | undefined;
    for (let page = 0; page < MAX_PAGES_PER_RUN && !this.stopped; page++) {
      const p = await fetchPage(this.config, this.password, { addedAfter, next });
      await this.importObjects(p.objects, p.addedLast, details);
      if (!p.more) break;
      // With `next` the server keeps the place; without it, the next page starts after the last object added.
      next = p.next;
      if (!next) addedAfter = p.addedLast ?? addedAfter;
      if (!next && !p.addedLast) break;
    }
  }

  private async pullMisp(): Promise<void> {
    const { store, log } = this.deps;
    const since = Number((await store.get(this.config.id)).addedAfter ?? '0') || 0;
    for (const e of await dueEvents(this.config, this.password, since)) {
      if (this.stopped) break;
      const details = { import: this.config.id, source: this.config.url, event: e.uuid };
      let converted: ReturnType<typeof mispEventToStix>;
      try {
        converted = mispEventToStix(await fetchEvent(this.config, this.password, e.uuid), this.config.defaultTlp as TlpLevel);
      } catch (err) {
        if (err instanceof PartnerError) throw err;
        // An event file that is not a MISP event is refused alone; the cursor moves past it.
        log.warn('partner event refused', { import: this.config.id, event: e.uuid, reason: (err as Error).message });
        await store.pageDone(this.config.id, String(e.timestamp), { imported: 0, skipped: 0, refused: 1 });
        continue;
      }
      await this.importObjects(converted.objects, String(e.timestamp), details);
    }
  }
}

export class PartnerImporter {
  private readonly imports: Import[];

  constructor(configs: readonly ImportConfig[], private readonly deps: ImporterDeps) {
    const env = deps.env ?? process.env;
    this.imports = configs.map((c, i) => {
      const password = c.auth ? env[c.auth.passwordEnv] : undefined;
      if (c.auth && password === undefined) {
        throw new ConfigError(`imports.${i}.auth.passwordEnv: the environment variable ${c.auth.passwordEnv} is not set`,
          [{ objectIndex: null, objectId: null, property: `imports.${i}.auth.passwordEnv`, message: `${c.auth.passwordEnv} is not set` }]);
      }
      return new Import(c, password, deps);
    });
  }

  /** Starts the schedules: the first pull of each import right away. */
  start(): void {
    for (const i of this.imports) i.schedule(0);
  }

  async stop(): Promise<void> {
    for (const i of this.imports) await i.stop();
  }

  /** Pulls one import now (waits for a pull already under way); for operators and tests. */
  async runNow(importId: string): Promise<ImportStatus> {
    const i = this.imports.find((x) => x.config.id === importId);
    if (!i) throw new ConfigError(`no import "${importId}" in the config`);
    if (i.busy) await i.run();
    await i.run();
    return this.statusOf(i);
  }

  private async statusOf(i: Import): Promise<ImportStatus> {
    return { id: i.config.id, url: i.config.url, collection: i.config.collection ?? null, running: i.busy, ...(await this.deps.store.get(i.config.id)) };
  }

  /** Last run, counts and last error of every import (shown in /healthz). */
  async status(): Promise<ImportStatus[]> {
    return Promise.all(this.imports.map((i) => this.statusOf(i)));
  }
}
