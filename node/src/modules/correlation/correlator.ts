/**
 * Correlation on arrival: as the listener stores an object, the node links it to the objects it already holds that
 * share an observable value with it, and (alerts) to alerts of the same category close in space and time, whatever the
 * agency. Incremental: each new object asks the value index and the proximity grid, never scans. A node correlates
 * only what its read model holds; who may see a link is decided at egress (correlation-service.ts).
 * A failure here never stops replication: it is logged, and the object stays uncorrelated.
 *
 * The listener hands each applied block over after announcing its objects (follow): the objects reach their
 * subscribers without waiting for correlation, and their links follow a few milliseconds later, announced to the
 * `correlations` subscription. Blocks that pile up while a batch is correlated are correlated together next.
 * Reading an object's links (settled) waits for its block to be correlated, so a reader never misses a link that is
 * being made.
 */
import { EventEmitter, once } from 'node:events';
import { exerciseOf, observablesOf } from '@popart/schemas';
import type { Database } from '../../read-model/database.js';
import type { Logger } from '../../log.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { latestPerId } from '../threat/threat-store.js';
import { CorrelationStore, type CorrelationLink, type ObjectToCorrelate } from './correlation-store.js';
import { ProximityGrid, type Place, type ProximityOptions } from './proximity.js';

export interface CorrelationOptions extends ProximityOptions {
  /** At most this many objects are linked through one value (a value shared by thousands is not a lead). */
  maxLinksPerValue: number;
  /** At most this many nearby alerts are looked at for one new alert. */
  maxNearby: number;
  /**
   * A new alert is linked to at most this many of the alerts near it: the nearest (distance, then time apart). Where
   * alerts crowd (a stadium's drones, every sensor reporting), linking each to every neighbour makes links grow with
   * the square of the crowd, and a list of the nearest few is what an analyst reads.
   */
  maxProximityLinks: number;
}

/** The correlation checkpoint is written at most this often (what lies after it is correlated again on start). */
const CHECKPOINT_EVERY_MS = 5000;
/** At most this many objects are correlated in one batch (blocks that piled up). */
const BATCH_OBJECTS = 500;
/** The listener waits when this many objects wait for correlation (a replay from an empty read model). */
const MAX_WAITING = 5000;
/** A reader waits at most this long for an object's block to be correlated. */
const SETTLE_TIMEOUT_MS = 2000;

/** A batch of correlated objects: the rows, the new links, and the block up to which correlation is done. */
export interface Correlated { rows: readonly ThreatRow[]; links: readonly CorrelationLink[]; upTo: number }

export const DEFAULT_CORRELATION: CorrelationOptions = { distanceM: 1000, windowS: 900, maxLinksPerValue: 100, maxNearby: 200, maxProximityLinks: 20 };

/** Where and when an alert was: the centre of its announced area, from its creation to its latest version. */
export function placeOf(row: ThreatRow): Place | null {
  if (!row.category || !row.bbox) return null;
  const [minLon, minLat, maxLon, maxLat] = row.bbox;
  const created = typeof row.stix.created === 'string' ? Date.parse(row.stix.created) : NaN;
  const modified = Date.parse(row.modified);
  if (Number.isNaN(modified)) return null;
  const starts = Number.isNaN(created) ? modified : Math.min(created, modified);
  return { category: row.category, latitude: (minLat + maxLat) / 2, longitude: (minLon + maxLon) / 2, starts, ends: modified };
}

export class Correlator {
  private readonly emitter = new EventEmitter();
  private readonly grid: ProximityGrid;
  private checkpointedAt = 0;
  private readonly waiting: { rows: readonly ThreatRow[]; block: number | null }[] = [];
  private waitingObjects = 0;
  private draining: Promise<void> | null = null;
  private closed = false;
  /** Every object of blocks up to this one is correlated (or failed to be, and was logged). */
  private upTo = -1;
  readonly store: CorrelationStore;

  constructor(private readonly db: Database, private readonly log: Logger, readonly options: CorrelationOptions = DEFAULT_CORRELATION) {
    this.emitter.setMaxListeners(0);
    this.grid = new ProximityGrid(options);
    this.store = new CorrelationStore(db);
  }

  /** Called with the links each batch of objects made (for subscriptions). Returns an unsubscribe function. */
  onLinks(fn: (links: CorrelationLink[]) => void): () => void {
    this.emitter.on('links', fn);
    return () => this.emitter.off('links', fn);
  }

  /** Called after each batch of objects is correlated (links stored). Returns an unsubscribe function. */
  onCorrelated(fn: (batch: Correlated) => void): () => void {
    this.emitter.on('correlated', fn);
    return () => this.emitter.off('correlated', fn);
  }

  /**
   * Takes an applied block's rows (block null: quarantined rows stored on retry) to correlate after the ones taken
   * before. Returns at once, unless too many objects wait: then when they are fewer (the listener slows down).
   */
  async follow(rows: readonly ThreatRow[], block: number | null): Promise<void> {
    if (this.closed || rows.length === 0) return;
    this.waiting.push({ rows, block });
    this.waitingObjects += rows.length;
    this.draining ??= this.drain();
    while (this.waitingObjects > MAX_WAITING && this.draining) await once(this.emitter, 'correlated');
  }

  /**
   * Resolves when the objects of `block` (and before) are correlated, at once when none wait; after
   * SETTLE_TIMEOUT_MS at most (a reader then sees the links stored so far).
   */
  async settled(block: number): Promise<void> {
    if (block <= this.upTo || !this.draining) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.emitter.off('correlated', check);
        resolve();
      };
      const check = (b: Correlated): void => {
        if (b.upTo >= block || !this.draining) done();
      };
      const timer = setTimeout(done, SETTLE_TIMEOUT_MS);
      this.emitter.on('correlated', check);
    });
  }

  /** Stops taking blocks and waits for the batch under way (what is left is correlated on the next start). */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await this.draining;
  }

  /**
   * Correlates what waits, batch after batch, and announces each. The last batch (nothing left, or closing) clears
   * `draining` before it is announced: settled() then knows nothing waits, and a listener's follow() starts the next
   * drain. (A listener that closes while more waits gets one more, empty, batch announced.)
   */
  private async drain(): Promise<void> {
    for (let last = false; !last;) {
      const batch: ThreatRow[] = [];
      let block: number | null = null;
      while (this.waiting.length && batch.length < BATCH_OBJECTS) {
        const next = this.waiting.shift() as { rows: readonly ThreatRow[]; block: number | null };
        batch.push(...next.rows);
        if (next.block !== null) block = Math.max(block ?? -1, next.block);
      }
      const links = await this.correlate(batch, block);
      this.waitingObjects = Math.max(0, this.waitingObjects - batch.length);
      if (block !== null) this.upTo = Math.max(this.upTo, block);
      last = this.waiting.length === 0 || this.closed;
      if (last) this.draining = null;
      this.emitter.emit('correlated', { rows: batch, links, upTo: this.upTo } satisfies Correlated);
    }
  }

  /**
   * Correlates the rows of an applied block and announces the new links. Each step is idempotent, so no transaction
   * is needed: the checkpoint (written at most every few seconds) may lag, and what lies after it is correlated again
   * on start. The batch is one statement (correlateMany); if that statement fails, each object is correlated on its
   * own, so that one object the database refuses leaves only itself uncorrelated. Never throws: a failure is logged.
   */
  async correlate(rows: readonly ThreatRow[], blockNumber: number | null): Promise<CorrelationLink[]> {
    const found: CorrelationLink[] = [];
    const objects: ObjectToCorrelate[] = [];
    for (const row of latestPerId(rows)) {
      try {
        const object = await this.prepare(row);
        if (object) objects.push(object);
      } catch (err) {
        this.failed(err, blockNumber, [row]);
      }
    }
    // Objects one at a time: a lone object (its statement's plan is kept across calls), or a batch whose statement failed.
    let oneByOne = objects;
    if (objects.length > 1) {
      try {
        found.push(...await this.store.correlateMany(objects, this.options));
        oneByOne = [];
      } catch (err) {
        this.log.warn('correlating the batch in one statement failed; correlating its objects one by one', {
          block: blockNumber, objects: objects.length, error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    for (const object of oneByOne) {
      try {
        found.push(...await this.store.correlateOne(object, this.options));
      } catch (err) {
        this.failed(err, blockNumber, [object]);
      }
    }
    try {
      if (blockNumber !== null && Date.now() - this.checkpointedAt >= CHECKPOINT_EVERY_MS) {
        await this.store.setCheckpoint(blockNumber);
        this.checkpointedAt = Date.now();
      }
    } catch (err) {
      this.log.error('the correlation checkpoint was not written; what lies after the last one is correlated again on start', {
        block: blockNumber, error: err instanceof Error ? err.message : String(err),
      });
    }
    if (found.length) this.emitter.emit('links', found);
    return found;
  }

  private failed(err: unknown, block: number | null, objects: readonly { id: string }[]): void {
    this.log.error('correlation failed; the objects stay uncorrelated, replication goes on', {
      block, objects: objects.map((o) => o.id), error: err instanceof Error ? err.message : String(err),
    });
  }

  /** Correlates what the read model holds beyond the correlation checkpoint (after a restart or an upgrade). */
  async catchUp(upTo: number): Promise<number> {
    const from = await this.store.checkpoint();
    this.upTo = Math.max(this.upTo, Math.min(from, upTo));
    if (from >= upTo) {
      this.upTo = Math.max(this.upTo, upTo);
      return 0;
    }
    let after: { block: number; id: string } | null = null;
    let done = 0;
    for (;;) {
      const rows: ThreatRow[] = await this.store.rowsAfter(from, after, 500);
      if (rows.length === 0) break;
      const last = rows.at(-1) as ThreatRow;
      await this.correlate(rows, last.blockNumber - 1);
      after = { block: last.blockNumber, id: last.id };
      done += rows.length;
      if (done % 10_000 < 500) this.log.info('correlating the objects already held', { done, block: last.blockNumber, upTo });
    }
    await this.store.setCheckpoint(upTo);
    this.checkpointedAt = Date.now();
    this.upTo = Math.max(this.upTo, upTo);
    if (done) this.log.info('correlation caught up', { objects: done, block: upTo });
    return done;
  }

  /**
   * What correlating the row's version needs: its previous version's values and places forgotten (and its links, when
   * revoked), then its values and place, or null when there is nothing to look for.
   */
  private async prepare(row: ThreatRow): Promise<ObjectToCorrelate | null> {
    // Exercise objects (training) are never linked: they must not appear beside real data (docs/exercises.md).
    if (exerciseOf(row.stix) !== null) return null;
    // A first version (modified = created) has nothing indexed yet, unless correlated again after a restart (idempotent).
    const later = row.modified !== row.stix.created;
    if (row.revoked || later) await this.store.unindex(row.id);
    if (row.revoked) {
      await this.store.removeLinksOf(row.id);
      return null;
    }
    const values = [...new Map(observablesOf(row.stix).map((v) => [`${v.kind} ${v.value}`, v])).values()];
    const place = placeOf(row);
    if (!values.length && !place) return null;
    return {
      id: row.id, publisherMsp: row.publisherMsp, values, place, mayBeLinked: later,
      keys: place ? this.grid.keysOf(place) : [], searchKeys: place ? this.grid.searchKeys(place) : [],
    };
  }
}
