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
  private newest: { version: number; size: number; limit: number; ids: string[] } | null = null;
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
   * lists. Sorted again only when the index changed since the last call.
   */
  newestSubjects(limit: number): string[] {
    const n = this.newest;
    if (n && n.version === this.version && n.size === this.subjectIds.size && n.limit === limit) return n.ids;
    const at = (id: string): number => this.modifiedAt.get(id) ?? 0;
    const ids = [...this.subjectIds].sort((a, b) => at(b) - at(a) || (a < b ? 1 : a > b ? -1 : 0)).slice(0, limit);
    this.newest = { version: this.version, size: this.subjectIds.size, limit, ids };
    return ids;
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
  private index(row: ThreatRow | ObjectOutline, record = true): void {
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
