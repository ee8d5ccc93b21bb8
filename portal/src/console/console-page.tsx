/**
 * The operator's alert console (mobile first): alerts routed to this operator, newest first, with
 * guidance, distance and direction to the alert area (from the device's position when the browser
 * grants it, else from the centre of the agency's territory, and the console says which), and the
 * responses acknowledge / on scene / resolved, which the node publishes for the alert's publisher. Each alert says
 * which registered venue it concerns (a venue whose risk picture it takes part in), with the venue's current level, to
 * those who may see venues (supervisors; the policy shows operators alerts, not locations: they get the alert's own
 * venue name).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ALERT_RESPONSES, ALERT_VENUES, RESPOND, THREATS, type AlertResponse, type AlertVenue, type ThreatSummary } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { alertOf, areaOf, compass, distanceToArea } from '../map/geo.js';
import { Link, threatPath } from '../router.js';
import { useSession } from '../session.js';
import { ALERT_CATEGORIES, CategoryBadge, ErrorNote, ExerciseBadge, SeverityBadge, titleOf, TlpBadge } from '../ui.js';
import { RiskBadge, venuePath } from '../venue/risk-badge.js';
import { signalAlert, unlockAudio } from './alert-signal.js';

type Status = AlertResponse['status'];
const STEPS: { status: Status; label: 'acknowledge' | 'onScene' | 'resolved' }[] = [
  { status: 'ACKNOWLEDGED', label: 'acknowledge' }, { status: 'ON_SCENE', label: 'onScene' }, { status: 'RESOLVED', label: 'resolved' },
];
const PURPOSE = 'operational alert handling';

interface Position { lonLat: [number, number]; source: 'device' | 'jurisdiction' }

function usePosition(fallback: [number, number] | null): [Position | null, () => void] {
  const [device, setDevice] = useState<[number, number] | null>(null);
  const watch = useRef<number | null>(null);
  const start = useCallback(() => {
    if (!('geolocation' in navigator) || watch.current !== null) return;
    watch.current = navigator.geolocation.watchPosition((p) => setDevice([p.coords.longitude, p.coords.latitude]), () => setDevice(null),
      { enableHighAccuracy: true, maximumAge: 10_000 });
  }, []);
  useEffect(() => {
    // Only watch without asking when the user has already granted it; the button asks.
    navigator.permissions?.query({ name: 'geolocation' }).then((s) => { if (s.state === 'granted') start(); }, () => undefined);
    return () => {
      if (watch.current !== null) navigator.geolocation.clearWatch(watch.current);
      watch.current = null;
    };
  }, [start]);
  if (device) return [{ lonLat: device, source: 'device' }, start];
  return [fallback ? { lonLat: fallback, source: 'jurisdiction' } : null, start];
}

/**
 * The active venues each alert takes part in, by alert id; asked again when an alert arrives. Only for roles that may
 * see venues: the policy shows operators alerts, not locations (policies/src/popart/visibility, operator_view), so for
 * them each ask would be an empty consultation in the audit log.
 */
function useAlertVenues(refresh: number): Record<string, AlertVenue[]> {
  const { api, session } = useSession();
  const seesVenues = session.user.role !== 'OPERATOR';
  const [byAlert, setByAlert] = useState<Record<string, AlertVenue[]>>({});
  useEffect(() => {
    if (!seesVenues) return;
    let live = true;
    api(ALERT_VENUES, { purpose: PURPOSE }).then((d) => {
      if (!live) return;
      const out: Record<string, AlertVenue[]> = {};
      for (const v of d.venues.filter((x) => x.active)) {
        for (const c of v.contributing) (out[c.threat.id] ??= []).push({ id: v.id, name: v.name, riskLevel: v.riskLevel });
      }
      setByAlert(out);
    }, () => undefined);
    return () => { live = false; };
  }, [api, refresh, seesVenues]);
  return byAlert;
}

function AlertCard({ alert, isNew, position, status, onRespond, busy, venues }: {
  alert: ThreatSummary; isNew: boolean; position: Position | null; status: Status | null; busy: boolean; onRespond(s: Status): void; venues: AlertVenue[];
}) {
  const { t, tk, relative, dateTime, distance } = useI18n();
  const { session } = useSession();
  const ext = alertOf(alert.stix);
  const area = areaOf(alert.stix);
  const where = position && area ? distanceToArea(position.lonLat, area) : null;
  const expired = ext?.expires ? Date.parse(ext.expires) < Date.now() : false;
  const done = status ? STEPS.findIndex((s) => s.status === status) : -1;
  return (
    <li className={`alert-card sev-edge-${alert.severity ?? 'low'}${isNew ? ' new' : ''}${expired ? ' expired' : ''}`} data-alert-id={alert.id}>
      <div className="card-head">
        <CategoryBadge category={alert.category} />
        <SeverityBadge severity={alert.severity} />
        <TlpBadge tlp={alert.tlp} />
        <ExerciseBadge item={alert} />
        {isNew && <span className="badge new-badge">{t('newBadge')}</span>}
      </div>
      <h3>{titleOf(alert)}</h3>
      <p className="meta">
        {venues.length > 0
          ? venues.map((v) => <span key={v.id} data-testid="alert-venue" data-venue={v.id}><Link href={venuePath(v.id)}>{v.name}</Link> <RiskBadge level={v.riskLevel} /> · </span>)
          : ext?.venue && <>{ext.venue} · </>}
        <time dateTime={alert.modified} title={dateTime(alert.modified)}>{relative(alert.modified)}</time>
        {alert.agency && <> · {alert.agency.name}</>}
        {expired && <> · <strong>{t('expired')}</strong></>}
      </p>
      {ext?.guidance && <p className="guidance">{ext.guidance}</p>}
      {where && position && (
        <div className="direction" data-testid="direction">
          {where.inside ? <strong>{t('insideArea')}</strong> : (
            <>
              <span className="arrow" aria-hidden="true" style={{ transform: `rotate(${Math.round(where.bearing)}deg)` }}>↑</span>
              <strong>{t('distance', { distance: distance(where.metres), direction: tk(`dir_${compass(where.bearing)}`) })}</strong>
            </>
          )}
          <small> — {position.source === 'device' ? t('fromDevice') : t('fromJurisdiction', { agency: session.user.agency.name })}</small>
        </div>
      )}
      <p className="status" aria-live="polite">{status ? t('yourStatus', { status: tk(`status_${status}`) }) : t('notResponded')}</p>
      <div className="actions">
        {STEPS.map((s, i) => (
          <button key={s.status} type="button" disabled={busy || i <= done} onClick={() => onRespond(s.status)} data-status={s.status}
            className={i <= done ? 'done' : ''}>{t(s.label)}</button>
        ))}
        <Link href={threatPath(alert.id)} className="button secondary">{t('openDetail')}</Link>
      </div>
    </li>
  );
}

export function ConsolePage() {
  const { t } = useI18n();
  const { api, session, onAlert, connected, exercise } = useSession();
  const [alerts, setAlerts] = useState<ThreatSummary[]>([]);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [statuses, setStatuses] = useState<Record<string, Status>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sound, setSound] = useState(false);
  const [announce, setAnnounce] = useState('');
  const [arrived, setArrived] = useState(0);
  /** Whether the first list of alerts has come: until then, "no alerts" would not be true. */
  const [loaded, setLoaded] = useState(false);
  const venuesOf = useAlertVenues(arrived);
  const soundRef = useRef(false);
  soundRef.current = sound;
  const [position, requestPosition] = usePosition(session.user.agency.jurisdiction?.centre ?? null);
  const me = session.user.username;

  const statusOf = useCallback(async (id: string) => {
    const d = await api(ALERT_RESPONSES, { id, purpose: PURPOSE, exercise });
    const mine = (d.threat?.responses ?? []).filter((r) => r.responder === me && r.agency?.key === session.user.agency.key);
    const last = mine.at(-1);
    if (last) setStatuses((s) => ({ ...s, [id]: last.status }));
  }, [api, me, session.user.agency.key, exercise]);

  useEffect(() => {
    let live = true;
    api(THREATS, { f: { categories: [...ALERT_CATEGORIES] }, first: 30, purpose: PURPOSE })
      .then((d) => {
        if (!live) return;
        const items = d.threats.edges.map((e) => e.node);
        setAlerts((prev) => [...prev, ...items.filter((i) => !prev.some((p) => p.id === i.id))]);
        setLoaded(true);
        for (const a of items) void statusOf(a.id).catch(() => undefined);
      }, (err: unknown) => live && setError(err));
    return () => { live = false; };
  }, [api, statusOf]);

  useEffect(() => onAlert((a) => {
    setAlerts((prev) => [a, ...prev.filter((p) => p.id !== a.id)]);
    setFresh((prev) => new Set(prev).add(a.id));
    setArrived((n) => n + 1);
    setAnnounce(t('newAlertArrived', { name: titleOf(a) }));
    if (soundRef.current) signalAlert(a.severity);
  }), [onAlert, t]);

  const respond = async (id: string, status: Status): Promise<void> => {
    setBusy(id);
    setError(null);
    try {
      const r = await api(RESPOND, { id, s: status, exercise });
      setStatuses((s) => ({ ...s, [id]: r.respondToAlert.status }));
      setFresh((prev) => {
        const n = new Set(prev);
        n.delete(id);
        return n;
      });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const toggleSound = async (): Promise<void> => {
    if (sound) return setSound(false);
    setSound(await unlockAudio());
    try {
      navigator.vibrate?.(50);
    } catch {
      // not supported
    }
  };

  return (
    <section aria-labelledby="console-title" className="console">
      <div className="console-head">
        <h2 id="console-title">{t('consoleTitle')}</h2>
        <span className={`live-dot${connected ? ' on' : ''}`} role="status">{connected ? t('live') : t('offline')}</span>
      </div>
      {exercise && <p className="note exercise-mode" data-testid="exercise-mode">{t('exerciseMode', { id: exercise })}</p>}
      <div className="console-tools">
        <button type="button" aria-pressed={sound} onClick={() => void toggleSound()} className={sound ? '' : 'secondary'}>{sound ? t('soundOn') : t('soundOff')}</button>
        {position?.source !== 'device' && 'geolocation' in navigator && <button type="button" className="secondary" onClick={requestPosition}>{t('useDevicePosition')}</button>}
      </div>
      {!sound && <p className="hint">{t('soundHint')}</p>}
      <div className="sr-only" aria-live="assertive">{announce}</div>
      <ErrorNote error={error} />
      {loaded && alerts.length === 0 && <p className="note">{t('noAlerts')}</p>}
      <ul className="alert-list" data-loaded={loaded ? 'true' : 'false'}>
        {alerts.map((a) => (
          <AlertCard key={a.id} alert={a} isNew={fresh.has(a.id)} position={position} status={statuses[a.id] ?? null} busy={busy === a.id} onRespond={(s) => void respond(a.id, s)}
            venues={venuesOf[a.id] ?? []} />
        ))}
      </ul>
    </section>
  );
}
