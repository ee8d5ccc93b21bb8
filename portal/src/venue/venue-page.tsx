/**
 * A venue's dashboard: the map at the venue's scale (its area and the alerts concerning it), the current risk level and
 * why, the alerts with their guidance and who acknowledged them, the agencies involved and on scene, the timeline, and
 * a one-click situation report for the other agencies (analysts and supervisors). Refreshed as alerts and correlations
 * arrive.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { SITUATION_REPORT, VENUE, type VenueDetail } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { threatFeatures } from '../map/features.js';
import { areaGeometry, type Area, type MapFeature } from '../map/geo.js';
import { boundsOf, MapView } from '../map/map-view.js';
import { PurposeField } from '../purpose.js';
import { Link, navigate, threatPath } from '../router.js';
import { useSession } from '../session.js';
import { CategoryBadge, ErrorNote, SeverityBadge, titleOf, TlpBadge } from '../ui.js';
import { RiskBadge } from './risk-badge.js';

const REPORTERS = new Set(['ANALYST', 'SUPERVISOR']);

export function VenuePage({ id }: { id: string }) {
  const { t, tk, dateTime, number } = useI18n();
  const { api, purpose, onAlert, session } = useSession();
  const [venue, setVenue] = useState<VenueDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const [report, setReport] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const d = await api(VENUE, { id, purpose: purpose.trim() || null });
      setVenue(d.venue);
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setLoaded(true);
    }
  }, [api, id, purpose]);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => onAlert(() => void load()), [onAlert, load]);
  // Recency decays the level: read it again every minute.
  useEffect(() => {
    const timer = setInterval(() => void load(), 60_000);
    return () => clearInterval(timer);
  }, [load]);

  const features = useMemo<MapFeature[]>(() => (venue ? [
    { type: 'Feature', geometry: areaGeometry(venue.area as Area), properties: { kind: 'venue', label: venue.name } },
    ...threatFeatures(venue.contributing.map((c) => c.threat), titleOf),
  ] : []), [venue]);
  const fit = useMemo(() => boundsOf(features), [features]);

  const sendReport = async (): Promise<void> => {
    setBusy(true);
    setReport(null);
    try {
      const r = (await api(SITUATION_REPORT, { id })).situationReport;
      setReport(t('situationReportSent', { level: tk(`risk_${r.level}`, r.level), count: r.objectCount, block: r.published?.blockNumber ?? '—' }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!loaded) return <p role="status">{t('loading')}</p>;
  if (!venue) {
    return (
      <section>
        <p><button type="button" className="link" onClick={() => history.back()}>← {t('back')}</button></p>
        <PurposeField />
        <ErrorNote error={error} />
        {!error && <p className="note">{t('notVisible')}</p>}
      </section>
    );
  }
  return (
    <article aria-labelledby="venue-h" className="venue" data-venue={venue.id}>
      <p><Link href="/venues">← {t('venuesTitle')}</Link></p>
      <h2 id="venue-h">{venue.name}</h2>
      <p className="meta">
        {tk(`venueKind_${venue.kind}`, venue.kind)}{venue.eventName && <> · {venue.eventName}</>}
        {venue.starts && <> · {dateTime(venue.starts)}{venue.ends && <> – {dateTime(venue.ends)}</>}</>}
        {' · '}{venue.active ? t('venueActive') : t('venueInactive')}
      </p>
      <PurposeField />
      <ErrorNote error={error} />
      {venue.restrictedLeftOut > 0 && <p className="note" data-testid="left-out">{t('restrictedLeftOut', { count: venue.restrictedLeftOut })}</p>}

      <section aria-labelledby="level-h" className="risk-panel">
        <h3 id="level-h">{t('riskLevel')}: <RiskBadge level={venue.riskLevel} /> <small>({number(venue.score, 2)})</small></h3>
        <details open>
          <summary>{t('riskReasons')}</summary>
          <ul data-testid="risk-reasons">{venue.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
          <p className="note">{t('riskRule')}</p>
        </details>
        {REPORTERS.has(session.user.role) && (
          <p><button type="button" onClick={() => void sendReport()} disabled={busy} data-testid="situation-report">{t('situationReport')}</button>
            {report && <> <span role="status">{report}</span></>}</p>
        )}
      </section>

      <MapView features={features} fit={fit} label={venue.name} height={320} onSelect={(oid) => navigate(threatPath(oid))} />

      <section aria-labelledby="agencies-h">
        <h3 id="agencies-h">{t('agenciesInvolved')} · {t('onSceneAgencies')}</h3>
        <p>{venue.agencies.map((a) => a.name).join(', ') || t('none')} · <strong>{t('onSceneAgencies')}:</strong>{' '}
          <span data-testid="on-scene">{venue.onScene.map((a) => a.name).join(', ') || t('none')}</span></p>
      </section>

      <section aria-labelledby="contributing-h">
        <h3 id="contributing-h">{t('contributing')}</h3>
        <ol className="plain contributing" data-testid="contributing">
          {venue.contributing.map((c) => (
            <li key={c.threat.id} className={c.counted ? '' : 'not-counted'}>
              <CategoryBadge category={c.threat.category} /> <SeverityBadge severity={c.threat.severity} /> <TlpBadge tlp={c.threat.tlp} />{' '}
              <Link href={threatPath(c.threat.id)}>{titleOf(c.threat)}</Link> · {c.threat.agency?.name ?? '?'} ·{' '}
              <strong>{c.counted ? t('points', { points: number(c.points, 2) }) : t('notCounted')}</strong>
              <ul className="reasons">{c.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
              {c.guidance && <p><strong>{t('guidance')}:</strong> {c.guidance}</p>}
              <p><strong>{t('acknowledgements')}:</strong>{' '}
                {c.responses.length === 0 ? t('noAcknowledgements') : c.responses.map((r) => `${r.responder} (${r.agency?.name ?? '?'}) ${tk(`status_${r.status}`, r.status)} ${dateTime(r.at)}`).join('; ')}</p>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="timeline-h">
        <h3 id="timeline-h">{t('timeline')}</h3>
        <ol className="plain timeline" data-testid="timeline">
          {venue.timeline.map((e, i) => (
            <li key={`${e.at}-${i}`} data-kind={e.kind}>
              <time dateTime={e.at}>{dateTime(e.at)}</time> · {e.threatId ? <Link href={threatPath(e.threatId)}>{e.text}</Link> : e.text}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
