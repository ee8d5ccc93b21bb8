/**
 * Correlation on arrival: as the listener stores an object, the node links it to the objects it already holds that
 * share an observable value with it, and (alerts) to alerts of the same category close in space and time, whatever the
 * agency. Incremental: each new object asks the value index and the proximity grid, never scans. A node correlates
 * only what its read model holds; who may see a link is decided at egress (correlation-service.ts).
 * A failure here never stops replication: it is logged, and the object stays uncorrelated.
 */
import { EventEmitter } from 'node:events';
import { exerciseOf, observablesOf } from '@popart/schemas';
import type { Database } from '../../read-model/database.js';
import type { Logger } from '../../log.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { latestPerId } from '../threat/threat-store.js';
import { CorrelationStore, type CorrelationLink } from './correlation-store.js';
import { ProximityGrid, type Place, type ProximityOptions } from './proximity.js';

export interface CorrelationOptions extends ProximityOptions {
  /** At most this many objects are linked through one value (a value shared by thousands is not a lead). */
  maxLinksPerValue: number;
  /** At most this many nearby alerts are looked at for one new alert. */
  maxNearby: number;
}

/** The correlation checkpoint is written at most this often (what lies after it is correlated again on start). */
const CHECKPOINT_EVERY_MS = 5000;

export const DEFAULT_CORRELATION: CorrelationOptions = { distanceM: 1000, windowS: 900, maxLinksPerValue: 100, maxNearby: 200 };

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

function ordered(x: string, y: string): [string, string] {
  return x < y ? [x, y] : [y, x];
}

export class Correlator {
  private readonly emitter = new EventEmitter();
  private readonly grid: ProximityGrid;
  private checkpointedAt = 0;
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

  /**
   * Correlates the rows of an applied block and announces the new links. Each step is idempotent, so no transaction
   * is needed: the checkpoint (written at most every few seconds) may lag, and what lies after it is correlated again
   * on start. Never throws: a failure is logged and the block's objects stay uncorrelated.
   */
  async correlate(rows: readonly ThreatRow[], blockNumber: number | null): Promise<CorrelationLink[]> {
    const found: CorrelationLink[] = [];
    try {
      for (const row of latestPerId(rows)) found.push(...(await this.one(row)));
      if (blockNumber !== null && Date.now() - this.checkpointedAt >= CHECKPOINT_EVERY_MS) {
        await this.store.setCheckpoint(blockNumber);
        this.checkpointedAt = Date.now();
      }
    } catch (err) {
      this.log.error('correlation failed; the objects stay uncorrelated, replication goes on', {
        block: blockNumber, objects: rows.length, error: err instanceof Error ? err.message : String(err),
      });
    }
    if (found.length) this.emitter.emit('links', found);
    return found;
  }

  /** Correlates what the read model holds beyond the correlation checkpoint (after a restart or an upgrade). */
  async catchUp(upTo: number): Promise<number> {
    const from = await this.store.checkpoint();
    if (from >= upTo) return 0;
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
    if (done) this.log.info('correlation caught up', { objects: done, block: upTo });
    return done;
  }

  private async one(row: ThreatRow): Promise<CorrelationLink[]> {
    // Exercise objects (training) are never linked: they must not appear beside real data (docs/exercises.md).
    if (exerciseOf(row.stix) !== null) return [];
    // A first version (modified = created) has nothing indexed yet, unless correlated again after a restart (idempotent).
    if (row.revoked || row.modified !== row.stix.created) await this.store.unindex(row.id);
    if (row.revoked) {
      await this.store.removeLinksOf(row.id);
      return [];
    }
    const links: Omit<CorrelationLink, 'foundAt'>[] = [];
    const values = observablesOf(row.stix);
    if (values.length) {
      const source = new Map(values.map((v) => [`${v.kind} ${v.value}`, v.source]));
      for (const m of await this.store.indexValues(row.id, row.publisherMsp, values, this.options.maxLinksPerValue)) {
        const [aId, bId] = ordered(row.id, m.objectId);
        links.push({ aId, bId, kind: 'observable', valueKind: m.kind, value: m.value, source: source.get(`${m.kind} ${m.value}`) ?? null,
          distanceM: null, secondsApart: null, crossAgency: m.publisherMsp !== row.publisherMsp });
      }
    }
    const place = placeOf(row);
    if (place) {
      const nearby = await this.store.indexPlace(row.id, row.publisherMsp, place, this.grid.keysOf(place), this.grid.searchKeys(place), this.options.maxNearby);
      for (const p of nearby) {
        const near = this.grid.near(place, p);
        if (!near) continue;
        const [aId, bId] = ordered(row.id, p.objectId);
        links.push({ aId, bId, kind: 'proximity', valueKind: place.category, value: '', source: null,
          distanceM: Math.round(near.distanceM), secondsApart: Math.round(near.secondsApart), crossAgency: p.publisherMsp !== row.publisherMsp });
      }
    }
    return links.length ? this.store.addLinks(links) : [];
  }
}
