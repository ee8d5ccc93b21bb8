/**
 * The correlations of one object as a small graph: the object in the centre, the objects linked to it on a ring (each
 * edge labelled with why: the shared value's kind or the distance), and the agencies that published them on an outer
 * ring, joined to their objects. A fixed radial layout in SVG: no layout library, stable from one render to the next.
 */
import type { Correlation } from '../api/queries.js';
import { navigate, threatPath } from '../router.js';
import { titleOf } from '../ui.js';

interface Props {
  subject: { id: string; name: string | null; type: string; stix: Record<string, unknown>; agency: { key: string; name: string } | null };
  correlations: readonly Correlation[];
  label: string;
}

const W = 560;
const H = 380;
const C = { x: W / 2, y: H / 2 };

const short = (s: string, n = 28): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function polar(r: number, i: number, n: number, offset = -Math.PI / 2): { x: number; y: number } {
  const a = offset + (2 * Math.PI * i) / Math.max(1, n);
  return { x: C.x + r * Math.cos(a), y: C.y + r * Math.sin(a) };
}

export function CorrelationGraph({ subject, correlations, label }: Props) {
  const others = [...new Map(correlations.map((c) => [c.other.id, c.other])).values()];
  const agencies = [...new Map([subject.agency, ...others.map((o) => o.agency)].filter((a) => a !== null && a !== undefined).map((a) => [a.key, a])).values()];
  const at = new Map(others.map((o, i) => [o.id, polar(110, i, others.length)]));
  const agencyAt = new Map(agencies.map((a, i) => [a.key, polar(170, i, agencies.length, -Math.PI / 2 + Math.PI / Math.max(1, agencies.length))]));
  const reason = (c: Correlation): string => (c.kind === 'observable' ? c.valueKind : `${Math.round(c.distanceM ?? 0)} m`);
  return (
    <svg className="correlation-graph" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid="correlation-graph">
      {[...agencyAt.entries()].map(([key, p]) => [subject, ...others].filter((o) => o.agency?.key === key).map((o) => {
        const q = o.id === subject.id ? C : at.get(o.id);
        return q ? <line key={`${key}-${o.id}`} x1={p.x} y1={p.y} x2={q.x} y2={q.y} className="edge agency-edge" /> : null;
      }))}
      {correlations.map((c, i) => {
        const p = at.get(c.other.id);
        if (!p) return null;
        return (
          <g key={`${c.other.id}-${c.kind}-${c.valueKind}-${i}`}>
            <line x1={C.x} y1={C.y} x2={p.x} y2={p.y} className={`edge link-${c.kind}`} />
            <text x={(C.x + p.x) / 2} y={(C.y + p.y) / 2 - 4} className="edge-label" textAnchor="middle">{reason(c)}</text>
          </g>
        );
      })}
      {[...agencyAt.entries()].map(([key, p]) => {
        const a = agencies.find((x) => x.key === key);
        return (
          <g key={key} className="node agency-node" data-agency={key}>
            <rect x={p.x - 22} y={p.y - 12} width={44} height={24} rx={6} />
            <text x={p.x} y={p.y + 4} textAnchor="middle"><title>{a?.name}</title>{key}</text>
          </g>
        );
      })}
      {others.map((o) => {
        const p = at.get(o.id);
        if (!p) return null;
        return (
          <g key={o.id} className="node object-node" tabIndex={0} role="link" aria-label={titleOf(o)} data-object={o.id}
            onClick={() => navigate(threatPath(o.id))} onKeyDown={(e) => { if (e.key === 'Enter') navigate(threatPath(o.id)); }}>
            <circle cx={p.x} cy={p.y} r={9} />
            <text x={p.x} y={p.y + 22} textAnchor="middle">{short(titleOf(o))}</text>
          </g>
        );
      })}
      <g className="node object-node subject">
        <circle cx={C.x} cy={C.y} r={12} />
        <text x={C.x} y={C.y + 26} textAnchor="middle">{short(titleOf(subject))}</text>
      </g>
    </svg>
  );
}
