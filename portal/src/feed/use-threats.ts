/**
 * The threats visible to the user for a filter, newest first: pages of the cursor connection
 * (`more()` fetches the next one) and alerts arriving live from the subscription that match the
 * filter, put on top. Without a stated purpose the pages hold what needs none, and `leftOut` says how many restricted
 * results wait for one (a count from the node, nothing else of them).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { THREATS, type LeftOut, type ThreatFilter, type ThreatSummary } from '../api/queries.js';
import { useSession } from '../session.js';

export function matches(f: ThreatFilter, t: ThreatSummary): boolean {
  if (f.types?.length && !f.types.includes(t.type)) return false;
  if (f.categories?.length && (!t.category || !f.categories.includes(t.category))) return false;
  if (f.severities?.length && (!t.severity || !f.severities.includes(t.severity))) return false;
  if (f.agencies?.length && (!t.agency || !f.agencies.includes(t.agency.key))) return false;
  if (f.from && t.modified < new Date(f.from).toISOString()) return false;
  if (f.to && t.modified > new Date(f.to).toISOString()) return false;
  if (f.text) {
    const hay = JSON.stringify([t.name, t.stix.description, t.stix.pattern, t.stix.extensions]).toLowerCase();
    if (!f.text.toLowerCase().split(/\s+/).every((w) => hay.includes(w))) return false;
  }
  return true;
}

export function useThreats(filter: ThreatFilter, pageSize = 25) {
  const { api, purpose, onAlert } = useSession();
  const [items, setItems] = useState<ThreatSummary[]>([]);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [leftOut, setLeftOut] = useState<LeftOut | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const key = JSON.stringify(filter);

  const load = useCallback(async (after: string | null) => {
    const gen = generation.current;
    setLoading(true);
    setError(null);
    try {
      const d = await api(THREATS, { f: filter, first: pageSize, after, purpose: purpose.trim() || null });
      if (gen !== generation.current) return;
      const nodes = d.threats.edges.map((e) => e.node);
      setItems((prev) => {
        const base = after ? prev : [];
        const seen = new Set(base.map((p) => p.id));
        return [...base, ...nodes.filter((n) => !seen.has(n.id))];
      });
      setCursor(d.threats.pageInfo.endCursor);
      setHasMore(d.threats.pageInfo.hasNextPage);
      if (!after) setLeftOut(d.threats.restrictedLeftOut ?? null);
    } catch (err) {
      if (gen === generation.current) {
        setError(err);
        if (!after) {
          setItems([]);
          setLeftOut(null);
        }
        setHasMore(false);
      }
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  }, [api, key, purpose, pageSize]);

  useEffect(() => {
    generation.current++;
    setFresh(new Set());
    void load(null);
  }, [load]);

  useEffect(() => onAlert((alert) => {
    if (!matches(filter, alert)) return;
    setItems((prev) => [alert, ...prev.filter((p) => p.id !== alert.id)]);
    setFresh((prev) => new Set(prev).add(alert.id));
  }), [onAlert, key]);

  const more = useCallback(() => {
    if (!loading && hasMore) void load(cursor);
  }, [loading, hasMore, cursor, load]);

  return { items, fresh, hasMore, loading, error, leftOut, more, reload: () => load(null) };
}
