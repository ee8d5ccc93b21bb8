/**
 * An offline SVG map (d3-geo, Mercator): Natural Earth countries from world-atlas as the basemap
 * (loaded on demand), then the features given — territories, venues, alert areas, objects' areas
 * and points, Remote ID tracks and pilots. Pan by dragging or with the arrow keys, zoom with the
 * wheel, the buttons or +/−; features that open an object are focusable and open with Enter.
 */
import { geoBounds, geoMercator, geoPath, type GeoProjection } from 'd3-geo';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent, type WheelEvent } from 'react';
import { feature as topoFeature, mesh as topoMesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { useI18n } from '../i18n/i18n.js';
import type { FeatureKind, MapFeature } from './geo.js';

type BBox = [number, number, number, number];
interface View { centre: [number, number]; scale: number }
interface Basemap { land: Feature[]; borders: Geometry | null }

let basemapPromise: Promise<Basemap> | null = null;
function loadBasemap(): Promise<Basemap> {
  basemapPromise ??= import('world-atlas/countries-50m.json').then((m) => {
    const topo = (m.default ?? m) as unknown as Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
    const countries = topoFeature(topo, topo.objects.countries) as FeatureCollection;
    const borders = topoMesh(topo, topo.objects.countries, (a, b) => a !== b) as Geometry;
    return { land: countries.features, borders };
  });
  return basemapPromise;
}

const MIN_SCALE = 150;
const MAX_SCALE = 60_000_000;
const clampScale = (s: number): number => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

export function boundsOf(features: readonly MapFeature[]): BBox | null {
  if (features.length === 0) return null;
  const [[minLon, minLat], [maxLon, maxLat]] = geoBounds({ type: 'FeatureCollection', features: [...features] } as FeatureCollection);
  if (![minLon, minLat, maxLon, maxLat].every(Number.isFinite)) return null;
  return [minLon, minLat, maxLon, maxLat];
}

function fitView(bbox: BBox, width: number, height: number): View {
  // A little room around single points and tiny areas.
  const padDeg = 0.004;
  const b: BBox = bbox[2] - bbox[0] < padDeg && bbox[3] - bbox[1] < padDeg
    ? [bbox[0] - padDeg, bbox[1] - padDeg, bbox[2] + padDeg, bbox[3] + padDeg] : bbox;
  const pad = Math.min(40, width / 10);
  const p = geoMercator().fitExtent([[pad, pad], [width - pad, height - pad]], {
    type: 'Feature', properties: {}, geometry: { type: 'MultiPoint', coordinates: [[b[0], b[1]], [b[2], b[3]]] },
  });
  const centre = p.invert?.([width / 2, height / 2]) ?? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  return { centre: [centre[0], centre[1]], scale: clampScale(p.scale()) };
}

function projectionFor(view: View, width: number, height: number): GeoProjection {
  return geoMercator().scale(view.scale).center(view.centre).translate([width / 2, height / 2]);
}

export interface MapViewProps {
  features: readonly MapFeature[];
  /** What to fit the first view to; defaults to every feature but territories. */
  fit?: BBox | null;
  label: string;
  height?: number;
  /** A feature that stands for an object was chosen (click or Enter). */
  onSelect?: (objectId: string) => void;
  /** A point of the map was clicked (not dragged): [longitude, latitude]. */
  onPick?: (lonLat: [number, number]) => void;
}

const ORDER: FeatureKind[] = ['territory', 'venue', 'threat', 'alert', 'draft', 'point', 'track', 'pilot'];

export function MapView({ features, fit, label, height = 460, onSelect, onPick }: MapViewProps) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  const [view, setView] = useState<View | null>(null);
  const [basemap, setBasemap] = useState<Basemap | null>(null);
  const drag = useRef<{ x: number; y: number; view: View; moved: boolean } | null>(null);

  useEffect(() => {
    let live = true;
    loadBasemap().then((b) => live && setBasemap(b), () => undefined);
    return () => { live = false; };
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(200, Math.round(entry.contentRect.width)));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const target = useMemo<BBox | null>(
    () => fit ?? boundsOf(features.filter((f) => f.properties.kind !== 'territory')) ?? boundsOf(features) ?? [-10, 35, 5, 44.5],
    [fit, features],
  );
  const fitKey = target?.map((n) => n.toFixed(5)).join(',');
  const resetView = useCallback(() => {
    if (target) setView(fitView(target, width, height));
  }, [target, width, height]);
  // Fit when the data's extent or the size changes (not on every new feature inside it).
  useEffect(resetView, [fitKey, width, height]);

  const current = view ?? (target ? fitView(target, width, height) : { centre: [-3.7, 40.4] as [number, number], scale: 2000 });
  const projection = projectionFor(current, width, height);
  const path = geoPath(projection);

  const panBy = (dx: number, dy: number): void => {
    const c = projection.invert?.([width / 2 - dx, height / 2 - dy]);
    if (c) setView({ centre: [c[0], Math.max(-85, Math.min(85, c[1]))], scale: current.scale });
  };
  const zoomBy = (f: number): void => setView({ centre: current.centre, scale: clampScale(current.scale * f) });

  const onPointerDown = (e: PointerEvent<SVGSVGElement>): void => {
    if (e.button !== 0) return;
    drag.current = { x: e.clientX, y: e.clientY, view: current, moved: false };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>): void => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 4) return;
    d.moved = true;
    const p = projectionFor(d.view, width, height);
    const c = p.invert?.([width / 2 - dx, height / 2 - dy]);
    if (c) setView({ centre: [c[0], Math.max(-85, Math.min(85, c[1]))], scale: d.view.scale });
  };
  const onPointerUp = (e: PointerEvent<SVGSVGElement>): void => {
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved && onPick) {
      const rect = e.currentTarget.getBoundingClientRect();
      const ll = projection.invert?.([e.clientX - rect.left, e.clientY - rect.top]);
      if (ll) onPick([ll[0], ll[1]]);
    }
  };
  const onWheel = (e: WheelEvent<SVGSVGElement>): void => {
    zoomBy(e.deltaY < 0 ? 1.25 : 0.8);
  };
  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>): void => {
    const step = 60;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => panBy(step, 0), ArrowRight: () => panBy(-step, 0), ArrowUp: () => panBy(0, step), ArrowDown: () => panBy(0, -step),
      '+': () => zoomBy(1.5), '=': () => zoomBy(1.5), '-': () => zoomBy(1 / 1.5), '0': resetView,
    };
    const action = keys[e.key];
    if (action && e.target === e.currentTarget) {
      e.preventDefault();
      action();
    }
  };

  const sorted = [...features].sort((a, b) => ORDER.indexOf(a.properties.kind) - ORDER.indexOf(b.properties.kind));
  const pointRadius = (kind: FeatureKind): number => (kind === 'pilot' ? 7 : kind === 'track' ? 5 : 6);

  return (
    <div className="map" ref={box}>
      <div className="map-tools" role="group" aria-label={label}>
        <button type="button" onClick={() => zoomBy(1.5)} aria-label={t('zoomIn')}>+</button>
        <button type="button" onClick={() => zoomBy(1 / 1.5)} aria-label={t('zoomOut')}>−</button>
        <button type="button" onClick={resetView}>{t('resetView')}</button>
      </div>
      <svg
        role="application" aria-label={`${label}. ${t('mapHelp')}`} tabIndex={0} width={width} height={height}
        viewBox={`0 0 ${width} ${height}`} className={onPick ? 'map-svg picking' : 'map-svg'}
        onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} onPointerCancel={() => { drag.current = null; }}
        onWheel={onWheel} onKeyDown={onKeyDown}
      >
        <rect width={width} height={height} className="sea" />
        {basemap && (
          <g className="basemap" aria-hidden="true">
            {basemap.land.map((f, i) => <path key={i} d={path(f) ?? ''} className="land" />)}
            {basemap.borders && <path d={path(basemap.borders) ?? ''} className="border" />}
          </g>
        )}
        {sorted.map((f, i) => {
          const kind = f.properties.kind;
          path.pointRadius(pointRadius(kind));
          const d = path(f) ?? '';
          if (!d) return null;
          const id = f.properties.objectId;
          const cls = `feature ${kind}${f.properties.severity ? ` sev-${f.properties.severity}` : ''}${f.geometry.type === 'LineString' ? ' line' : ''}`;
          if (!id || !onSelect || kind === 'draft') return <path key={i} d={d} className={cls}><title>{f.properties.label}</title></path>;
          return (
            <path
              key={i} d={d} className={`${cls} interactive`} tabIndex={0} role="link" aria-label={f.properties.label} data-object-id={id}
              onPointerDown={(e) => e.stopPropagation()} onPointerUp={(e) => e.stopPropagation()}
              onClick={() => onSelect(id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onSelect(id);
                }
              }}
            >
              <title>{f.properties.label}</title>
            </path>
          );
        })}
      </svg>
      <p className="map-note">{t('mapHelp')} {t('basemapNote')}</p>
    </div>
  );
}

export function MapLegend({ kinds }: { kinds: FeatureKind[] }) {
  const { t } = useI18n();
  const names: Record<FeatureKind, string> = {
    territory: t('legendTerritory'), venue: t('legendVenue'), alert: t('legendAlert'), threat: t('legendThreat'), point: t('type_location'),
    track: t('legendTrack'), pilot: t('legendPilot'), draft: t('legendDraft'),
  };
  return (
    <ul className="legend" aria-label={t('legend')}>
      {kinds.map((k) => <li key={k}><span className={`swatch ${k}`} aria-hidden="true" />{names[k]}</li>)}
    </ul>
  );
}
