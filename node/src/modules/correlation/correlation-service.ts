/**
 * Correlations as a user sees them. A link is shown only when the user may see both objects (each passes the egress
 * gate) and its reason holds in both as the user sees them (a shared value still present after redaction; for
 * proximity, the distance between the areas the user sees): a link never reveals an object, nor a value, the user
 * may not see. Objects handed out through a link are a consultation in the audit log like any other.
 */
import { areaBBox, areaOfObject, observableKey, observablesOf } from '@popart/schemas';
import type { Viewer } from '../../identity.js';
import type { EgressGate } from '../threat/egress.js';
import { liveFeed } from '../threat/live-rows.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { purposeOf, RESTRICTED, type NestedRead } from '../threat/threat-request.js';
import { type ThreatService } from '../threat/threat-service.js';
import type { ThreatStore } from '../threat/threat-store.js';
import type { CorrelationLink } from './correlation-store.js';
import { placeOf, type Correlator } from './correlator.js';
import { ProximityGrid } from './proximity.js';

/** A link as one user sees it: the object asked about, the other object (both released to the user), and why. */
export interface VisibleCorrelation {
  link: CorrelationLink;
  subject: ThreatRow;
  other: ThreatRow;
  /** For proximity: between the areas as the user sees them (metres, rounded to 10). */
  distanceM: number | null;
  secondsApart: number | null;
  why: string;
}

const MIN = 60;

function duration(seconds: number): string {
  if (seconds < MIN) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / MIN)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The reason of a link, in words. */
export function whyOf(link: CorrelationLink, distanceM: number | null, secondsApart: number | null): string {
  if (link.kind === 'observable') return `both carry the ${link.valueKind} ${link.value}`;
  const when = !secondsApart ? 'at the same time' : `${duration(secondsApart)} apart`;
  return `two ${link.valueKind} alerts ${distanceM === null ? 'close together' : `${distanceM} m apart`}, ${when}`;
}

/** The row as the user sees it, placed by the area of its released content (coarsened areas stay coarse). */
function visiblePlace(row: ThreatRow): ReturnType<typeof placeOf> {
  const area = areaOfObject(row.stix);
  return area ? placeOf({ ...row, bbox: areaBBox(area) }) : null;
}

/** What the service needs of the correlator: its options, its links, when a block is correlated, the new links. */
export type CorrelationSource = Pick<Correlator, 'options' | 'store' | 'settled' | 'onLinks'>;

export class CorrelationService<C extends CorrelationSource = Correlator> {
  private readonly grid: ProximityGrid;

  constructor(
    readonly correlator: C,
    private readonly store: ThreatStore,
    private readonly gate: EgressGate,
    /** The threat service's consultations (audit, purpose); given late, as it is built after this service. */
    private readonly threats: () => Pick<ThreatService, 'nested' | 'consult'>,
  ) {
    this.grid = new ProximityGrid({ ...correlator.options, distanceM: Number.MAX_SAFE_INTEGER, windowS: Number.MAX_SAFE_INTEGER / 1000 });
  }

  /**
   * The links of `parents` (rows already released to this user) that the user may see, by parent id: the other object
   * through the gate, the reason checked on both as released.
   */
  async visible(viewer: Viewer, parents: readonly ThreatRow[]): Promise<Map<string, VisibleCorrelation[]>> {
    const out = new Map<string, VisibleCorrelation[]>();
    if (parents.length === 0) return out;
    const asked = new Map(parents.map((p) => [p.id, p]));
    // Objects are announced before their links are made: wait (milliseconds) for their blocks to be correlated.
    await this.correlator.settled(parents.reduce((max, p) => Math.max(max, p.blockNumber), -1));
    const links = await this.correlator.store.linksOf([...asked.keys()]);
    const otherIds = new Set<string>();
    for (const l of links) for (const [self, other] of [[l.aId, l.bId], [l.bId, l.aId]] as const) if (asked.has(self) && !asked.has(other)) otherIds.add(other);
    const released = new Map(parents.map((p) => [p.id, p]));
    for (const r of await this.gate.releaseAll(viewer, await this.store.getMany([...otherIds]))) released.set(r.id, r);
    const keys = new Map<string, Set<string>>();
    const keysOf = (row: ThreatRow): Set<string> => {
      let k = keys.get(row.id);
      if (!k) keys.set(row.id, (k = new Set(observablesOf(row.stix).map(observableKey))));
      return k;
    };
    const seen = new Set<string>();
    for (const link of links) {
      for (const [self, otherId] of [[link.aId, link.bId], [link.bId, link.aId]] as const) {
        const subject = asked.get(self);
        const other = released.get(otherId);
        const key = `${self} ${otherId} ${link.kind} ${link.valueKind} ${link.value}`;
        if (!subject || !other || seen.has(key)) continue;
        seen.add(key);
        const shown = this.shown(link, subject, other, keysOf);
        if (shown) out.set(self, [...(out.get(self) ?? []), { link, subject, other, ...shown }]);
      }
    }
    return out;
  }

  /** Whether the link's reason holds in both objects as released; for proximity, the distance the user may know. */
  private shown(link: CorrelationLink, a: ThreatRow, b: ThreatRow, keysOf: (r: ThreatRow) => Set<string>): Omit<VisibleCorrelation, 'link' | 'subject' | 'other'> | null {
    if (link.kind === 'observable') {
      const key = `${link.valueKind} ${link.value}`;
      return keysOf(a).has(key) && keysOf(b).has(key) ? { distanceM: null, secondsApart: null, why: whyOf(link, null, null) } : null;
    }
    const pa = visiblePlace(a);
    const pb = visiblePlace(b);
    if (!pa || !pb) return null;
    const near = this.grid.near(pa, pb);
    if (!near) return null;
    const distanceM = Math.round(near.distanceM / 10) * 10;
    const secondsApart = Math.round(near.secondsApart);
    return { distanceM, secondsApart, why: whyOf(link, distanceM, secondsApart) };
  }

  /** `threat { correlations }`: a nested read of the parent, audited, under its purpose. */
  async of(viewer: Viewer, parent: ThreatRow, read: NestedRead): Promise<VisibleCorrelation[]> {
    const found = (await this.visible(viewer, [parent])).get(parent.id) ?? [];
    const handed = new Set((await this.threats().nested(viewer, parent, found.map((c) => c.other), read)).map((r) => r.id));
    return found.filter((c) => handed.has(c.other.id));
  }

  /** The ids among released rows that have at least one link this user may see (the `correlated` filter). */
  async linkedIds(viewer: Viewer, rows: ThreatRow[]): Promise<Set<string>> {
    return new Set([...(await this.visible(viewer, rows)).entries()].filter(([, v]) => v.length > 0).map(([id]) => id));
  }

  /**
   * New links from now on whose two objects this user may see, as (subject, other, why). Restricted objects
   * (TLP:AMBER or stricter) come only to a subscription that states its purpose; each delivery is audited.
   */
  subscribe(viewer: Viewer, purpose?: string | null, maxBuffered = 1000): AsyncIterableIterator<VisibleCorrelation> {
    const why = purposeOf(viewer, purpose);
    return liveFeed<CorrelationLink, VisibleCorrelation>({
      subscribe: (fn) => this.correlator.onLinks(fn),
      pick: (links) => [...links],
      release: async (links) => {
        const ids = [...new Set(links.flatMap((l) => [l.aId, l.bId]))];
        const rows = await this.gate.releaseAll(viewer, await this.store.getMany(ids));
        const allowed = rows.filter((r) => why !== null || !RESTRICTED.has(r.tlp));
        const found = await this.visible(viewer, allowed);
        const wanted = new Set(links.map((l) => `${l.aId} ${l.bId} ${l.kind} ${l.valueKind} ${l.value}`));
        return [...found.values()].flat().filter((c) => c.subject.id === c.link.aId && wanted.has(`${c.link.aId} ${c.link.bId} ${c.link.kind} ${c.link.valueKind} ${c.link.value}`)
          && allowed.some((r) => r.id === c.other.id));
      },
      logged: (delivered) => this.threats().consult(viewer, delivered.flatMap((c) => [c.subject, c.other]), why, 'correlations'),
      what: 'correlations', maxBuffered,
    });
  }
}

