/**
 * The MISP feed's index of the read model: which events there are (each alert and report, by the uuid of its STIX id),
 * which stored objects each is made of (a report's objects; the relationships, sightings and notes pointing at it and
 * the other end of each relationship), and, for every change the read model applies, which events it touched.
 *
 * It holds ids only, never content or decisions: what a reader gets is read from the store and judged by the egress
 * gate as that reader (misp-feed.ts). Built once from the store on first use (from the objects' outlines: ids,
 * versions, categories and references, not whole objects), then kept by `apply` with the rows of each block the
 * listener applies (rows applied while the build reads the store are applied after it). Every change gets a
 * new `version`; `changedSince(v)` says which events changed after v, so a reader's feed is brought up to date event
 * by event instead of being rebuilt.
 */
import type { StixObject } from '@popart/schemas';
import type { ThreatRow } from '../threat/threat-row.js';
import type { Cursor, ObjectOutline, ThreatStore } from '../threat/threat-store.js';
import { isEventRow, uuidOf } from './misp-event.js';

/** Rows read per query while building. */
const BATCH = 1000;
/** Changes remembered for readers catching up; one further behind rebuilds its feed. */
const MAX_LOG = 100_000;

/** A subject and when its latest version was modified (ms). */
interface Ranked { id: string; at: number }

/** How many of the newest subjects are kept ranked for a list of `limit`: a tenth more, so that a few listed events
 * leaving (revoked) are replaced without ranking every subject again. */
function keepFor(limit: number): number {
  return limit + Math.ceil(limit / 10);
}

/** Newest first: by `at`, then by id (both descending). */
function byNewest(a: Ranked, b: Ranked): number {
  return b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** What an object points at that makes it part of another's event: relationship ends, a sighting's object, a note's or report's objects. */
export function pointsAt(stix: StixObject): string[] {
  const refs: unknown[] = [];
  if (stix.type === 'relationship') refs.push(stix.source_ref, stix.target_ref);
  else if (stix.type === 'sighting') refs.push(stix.sighting_of_ref);
  else if ((stix.type === 'note' || stix.type === 'report') && Array.isArray(stix.object_refs)) refs.push(...(stix.object_refs as unknown[]));
  return refs.filter((r): r is string => typeof r === 'string' && r !== stix.id);
}

export class MispFeedIndex {
  private built: Promise<void> | null = null;
  /** Blocks applied while the build reads the store. */
  private pending: ThreatRow[][] | null = null;
  private readonly subjects = new Map<string, string>();
  private readonly subjectIds = new Set<string>();
  /** Object id → ids of the objects pointing at it; object id → what it points at. */
  private readonly pointedBy = new Map<string, Set<string>>();
  private readonly points = new Map<string, string[]>();
  /** Subject id → when its latest version was modified (ms): which events are the newest. */
  private readonly modifiedAt = new Map<string, number>();
  /**
   * The newest subjects kept ranked for `limit` (keepFor), at an index version; `last` as it was ranked then;
   * `complete`: they were every subject.
   */
  private newest: { version: number; limit: number; ids: string[]; last: Ranked | null; complete: boolean } | null = null;
  /** Subject id → the version of its last change. */
  private readonly changedAt = new Map<string, number>();
  private log: { version: number; subject: string }[] = [];
  private logStart = 0;
  /** Increases with every change to an event. */
  version = 0;

  constructor(private readonly store: ThreatStore) {}

  /** Resolves once the index is built (the first call builds it). */
  ready(): Promise<void> {
    this.built ??= this.build().catch((err: unknown) => {
      this.built = null;
      this.pending = null;
      throw err;
    });
    return this.built;
  }

  /** Takes the rows of an applied block (LedgerListener.onRows). */
  apply(rows: readonly ThreatRow[]): void {
    if (this.pending) this.pending.push([...rows]);
    else if (this.built) for (const row of rows) this.index(row);
  }

  /** The subject (alert or report) of an event uuid, if there is one. */
  subjectOf(eventUuid: string): string | undefined {
    return this.subjects.get(eventUuid);
  }

  /** Every event subject's id. */
  allSubjects(): string[] {
    return [...this.subjectIds];
  }

  /**
   * The `limit` newest event subjects, newest first (by their latest version's `modified`, then id): what a manifest
   * lists. A tenth more than the limit is kept ranked; after a change, those and the subjects changed since are ranked
   * again, not every subject: a subject in neither ranked below the kept list's last one and has not changed. Only when
   * fewer than `limit` of them still rank above that one (many listed events left or fell back) or the change log no
   * longer reaches back are all subjects ranked (a million objects: about 450,000 alerts, 0.5–0.7 s; 1.7 s with the
   * sort this replaced, which ran after every change, on the node's thread).
   */
  newestSubjects(limit: number): string[] {
    const n = this.newest;
    if (n && n.limit === limit && n.version === this.version) return n.ids.slice(0, limit);
    const changed = n && n.limit === limit ? this.changedSince(n.version) : null;
    let ranked: Ranked[] | null = null;
    let complete = false;
    if (n && changed) {
      const merged = this.ranked(new Set([...n.ids, ...changed]));
      if (n.complete) {
        // The kept list held every subject; any new one is among those changed.
        ranked = merged;
        complete = true;
      } else {
        // Those ranking at or above the kept list's last one are, in order, the newest of all subjects.
        const last = n.last as Ranked;
        const known = merged.filter((r) => byNewest(r, last) <= 0);
        if (known.length >= limit) ranked = known;
      }
    }
    if (!ranked) {
      ranked = this.ranked(this.subjectIds);
      complete = true;
    }
    const kept = ranked.slice(0, keepFor(limit));
    this.newest = { version: this.version, limit, ids: kept.map((r) => r.id), last: kept.at(-1) ?? null, complete: complete && kept.length === ranked.length };
    return this.newest.ids.slice(0, limit);
  }

  /** The subjects among `ids` (those still events), newest first. */
  private ranked(ids: Iterable<string>): Ranked[] {
    const out: Ranked[] = [];
    for (const id of ids) if (this.subjectIds.has(id)) out.push({ id, at: this.modifiedAt.get(id) ?? 0 });
    return out.sort(byNewest);
  }

  /** The version at which the subject's event last changed (0: not since the build). */
  lastChange(subjectId: string): number {
    return this.changedAt.get(subjectId) ?? 0;
  }

  /** The subjects whose events changed after `version`; null when the change log no longer reaches back that far. */
  changedSince(version: number): string[] | null {
    if (version < this.logStart) return null;
    return [...new Set(this.log.filter((e) => e.version > version).map((e) => e.subject))];
  }

  /**
   * The stored objects a subject's event may hold: a report's objects, what points at the subject and, for a
   * relationship, its other end. Whether the reader may see them is for the gate to say.
   */
  relatedIds(subjectId: string): string[] {
    const out = new Set<string>(subjectId.startsWith('report--') ? this.points.get(subjectId) ?? [] : []);
    for (const by of this.pointedBy.get(subjectId) ?? []) {
      out.add(by);
      if (by.startsWith('relationship--')) for (const end of this.points.get(by) ?? []) out.add(end);
    }
    out.delete(subjectId);
    return [...out];
  }

  private async build(): Promise<void> {
    // From nothing, also after a build that failed part way.
    for (const m of [this.subjects, this.subjectIds, this.pointedBy, this.points, this.modifiedAt]) m.clear();
    this.newest = null;
    this.pending = [];
    let cursor: Cursor | null = null;
    for (;;) {
      const rows = await this.store.outlines({}, cursor, BATCH);
      for (const row of rows) this.index(row, false);
      const last = rows.at(-1);
      if (!last || rows.length < BATCH) break;
      cursor = { modified: last.modified, id: last.id };
    }
    const pending = this.pending;
    this.pending = null;
    for (const rows of pending) for (const row of rows) this.index(row);
  }

  /** Indexes one row (a new object or version; a revoked one leaves the feed) and records the events it touched. */
  private index(row: ObjectOutline, record = true): void {
    const touched = new Set<string>();
    const mark = (id: string): void => {
      if (record && this.subjectIds.has(id)) touched.add(id);
    };
    if (record) {
      // The events the object was part of before this version, and its old links undone. (The build reads each object
      // once, with nothing indexed for it before.)
      mark(row.id);
      for (const target of this.points.get(row.id) ?? []) mark(target);
      for (const by of this.pointedBy.get(row.id) ?? []) {
        mark(by);
        if (by.startsWith('relationship--')) for (const end of this.points.get(by) ?? []) mark(end);
      }
      for (const target of this.points.get(row.id) ?? []) this.pointedBy.get(target)?.delete(row.id);
      this.points.delete(row.id);
    }
    if (row.revoked) {
      this.subjectIds.delete(row.id);
      this.subjects.delete(uuidOf(row.id));
      this.modifiedAt.delete(row.id);
    } else {
      const targets = pointsAt(row.stix);
      if (targets.length) this.points.set(row.id, targets);
      for (const target of targets) {
        let set = this.pointedBy.get(target);
        if (!set) this.pointedBy.set(target, (set = new Set()));
        set.add(row.id);
      }
      if (isEventRow(row)) {
        this.subjects.set(uuidOf(row.id), row.id);
        this.subjectIds.add(row.id);
        const modified = Date.parse(row.modified);
        this.modifiedAt.set(row.id, Number.isNaN(modified) ? 0 : modified);
        touched.add(row.id);
      }
      for (const target of targets) mark(target);
    }
    if (!record) return;
    for (const subject of touched) {
      this.changedAt.set(subject, ++this.version);
      this.log.push({ version: this.version, subject });
    }
    if (this.log.length > MAX_LOG) {
      const cut = this.log.length - MAX_LOG / 2;
      this.logStart = (this.log[cut - 1] as { version: number }).version;
      this.log = this.log.slice(cut);
    }
  }
}
