/** One object: rendered for people, markings, publisher, provenance, sightings, responses, related objects, history, why, raw STIX. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { EXPLAIN, RELATIONSHIPS, THREAT, type Explanation, type ThreatDetail, type ThreatSummary } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { threatFeatures } from '../map/features.js';
import { boundsOf, MapView } from '../map/map-view.js';
import { venueFeatures } from '../map/venues.js';
import { PurposeField } from '../purpose.js';
import { Link, navigate, threatPath } from '../router.js';
import { useSession } from '../session.js';
import { CategoryBadge, ErrorNote, SeverityBadge, titleOf, TlpBadge, useTypeName } from '../ui.js';
import { RefLink, StixView } from './stix-view.js';
import { WhyPanel } from './why-panel.js';
import { CorrelationsPanel } from './correlations-panel.js';

const NOT_RELATED = new Set(['created_by_ref', 'object_marking_refs', 'sighting_of_ref', 'where_sighted_refs', 'source_ref', 'target_ref']);

/** Ids an object refers to (besides its publisher and markings, shown elsewhere). */
function outgoingRefs(stix: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(stix)) {
    if (NOT_RELATED.has(k)) continue;
    if (k.endsWith('_ref') && typeof v === 'string') out.push(v);
    if (k.endsWith('_refs') && Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  return out;
}

export function DetailPage({ id }: { id: string }) {
  const { t, dateTime, tk } = useI18n();
  const typeName = useTypeName();
  const { api, purpose, agencies, onAlert, watchRelated } = useSession();
  const [threat, setThreat] = useState<ThreatDetail | null>(null);
  const [explanation, setExplanation] = useState<Explanation | null>(null);
  const [relations, setRelations] = useState<ThreatSummary[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      const d = await api(THREAT, { id, purpose: purpose.trim() || null });
      setThreat(d.threat);
      setExplanation(d.explain);
      if (d.threat) {
        const r = await api(RELATIONSHIPS, { purpose: purpose.trim() || null }).catch(() => null);
        setRelations((r?.threats.edges ?? []).map((e) => e.node).filter((n) => n.stix.source_ref === id || n.stix.target_ref === id));
      }
    } catch (err) {
      setError(err);
      setThreat(null);
      // Without the content (e.g. no purpose stated), the explanation still says why.
      const e = await api(EXPLAIN, { id }).catch(() => null);
      setExplanation(e?.explain ?? null);
    } finally {
      setLoaded(true);
    }
  }, [api, id, purpose]);

  useEffect(() => { void load(); }, [load]);
  // Responses, sightings and relationships arrive over the ledger: the node says when one that refers to this object
  // is committed, and only then is the object read again (each read is a consultation in the audit log).
  useEffect(() => watchRelated(id, purpose.trim() || null, () => void load()), [watchRelated, id, purpose, load]);
  useEffect(() => onAlert((a) => { if (a.id === id) void load(); }), [onAlert, id, load]);

  const features = useMemo(() => (threat ? [...venueFeatures(), ...threatFeatures([threat], titleOf)] : []), [threat]);
  const hasGeo = features.some((f) => f.properties.objectId);
  // The object's area, track and pilot together.
  const fit = useMemo(() => boundsOf(features.filter((f) => f.properties.objectId)), [features]);

  if (!loaded) return <p role="status">{t('loading')}</p>;
  const limited = explanation ? !explanation.visible || explanation.redacted.length > 0 : false;

  if (!threat) {
    return (
      <section aria-labelledby="detail-title">
        <p><button type="button" className="link" onClick={() => history.back()}>← {t('back')}</button></p>
        <h2 id="detail-title">{t('detailTitle')}</h2>
        <p className="note"><code>{id}</code></p>
        <PurposeField />
        <ErrorNote error={error} />
        {!error && <p className="note" data-testid="not-visible">{t('notVisible')}</p>}
        {explanation && <WhyPanel explanation={explanation} open />}
      </section>
    );
  }

  const refs = outgoingRefs(threat.stix);
  const others = relations.map((r) => ({ rel: r, other: r.stix.source_ref === id ? String(r.stix.target_ref) : String(r.stix.source_ref) }));
  const markings = ((threat.stix.object_marking_refs as string[] | undefined) ?? []);
  return (
    <article aria-labelledby="detail-title" className="detail" data-threat-id={threat.id}>
      <p><button type="button" className="link" onClick={() => history.back()}>← {t('back')}</button></p>
      <div className="card-head">
        <span className="type">{typeName(threat.type)}</span>
        <TlpBadge tlp={threat.tlp} />
        <CategoryBadge category={threat.category} />
        <SeverityBadge severity={threat.severity} />
      </div>
      <h2 id="detail-title">{titleOf(threat)}</h2>
      <p className="meta"><code>{threat.id}</code></p>
      {explanation && <WhyPanel explanation={explanation} open={limited} />}
      <StixView stix={threat.stix} agencies={agencies} />
      {hasGeo && <MapView features={features} fit={fit} label={t('area')} height={300} onSelect={(oid) => { if (oid !== id) navigate(threatPath(oid)); }} />}

      {threat.category && (
        <section aria-labelledby="responses-h" className="responses" data-testid="responses">
          <h3 id="responses-h">{t('responses')}</h3>
          {threat.responses.length === 0 ? <p className="note">{t('noResponses')}</p> : (
            <ol>
              {threat.responses.map((r) => (
                <li key={r.id} className={`response status-${r.status.toLowerCase()}`}>
                  {t('responseLine', { responder: r.responder, agency: r.agency?.name ?? '?', status: tk(`status_${r.status}`, r.status), time: dateTime(r.at) })}
                  {r.note && <> — <em>{r.note}</em></>}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}

      <section aria-labelledby="markings-h">
        <h3 id="markings-h">{t('markings')} · {t('publishingAgency')} · {t('provenance')}</h3>
        <dl>
          <dt>{t('markings')}</dt>
          <dd>{markings.length ? markings.map((m) => <span key={m} className="marking"><TlpBadge tlp={threat.tlp} /> <code className="small">{m}</code></span>) : '—'}</dd>
          <dt>{t('publishingAgency')}</dt><dd>{threat.provenance.publishingAgency?.name ?? threat.agency?.name ?? '—'}</dd>
          <dt>{t('transaction')}</dt><dd><code className="small" data-testid="tx-id">{threat.provenance.transactionId}</code></dd>
          <dt>{t('block')}</dt><dd>{threat.provenance.blockNumber}</dd>
          <dt>{t('signature')}</dt>
          <dd className={threat.provenance.signatureVerified ? 'ok' : 'bad'}>{threat.provenance.signatureVerified ? `✔ ${t('signatureOk')}` : `✘ ${t('signatureBad')}`}</dd>
          <dt>{t('ledger')}</dt><dd>{threat.provenance.ledger}</dd>
        </dl>
      </section>

      <section aria-labelledby="sightings-h">
        <h3 id="sightings-h">{t('sightings')}</h3>
        {threat.sightings.length === 0 ? <p className="note">{t('noSightings')}</p> : (
          <ul className="plain">
            {threat.sightings.map((s) => (
              <li key={s.id}>
                <Link href={threatPath(s.id)}>{s.agency?.name ?? '?'}</Link>{' — '}
                {typeof s.stix.last_seen === 'string' ? dateTime(s.stix.last_seen) : dateTime(s.modified)}
                {typeof s.stix.x_popart_response_status === 'string' && <> · {tk(`status_${s.stix.x_popart_response_status.replace('-', '_').toUpperCase()}`)}</>}
                {typeof s.stix.description === 'string' && <> · <em>{s.stix.description}</em></>}
                {' '}<TlpBadge tlp={s.tlp} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <CorrelationsPanel subject={threat} version={threat.modified + threat.sightings.length} />

      <section aria-labelledby="related-h">
        <h3 id="related-h">{t('related')}</h3>
        {refs.length === 0 && others.length === 0 ? <p className="note">{t('noRelated')}</p> : (
          <ul className="plain">
            {refs.map((r) => <li key={r}><RefLink id={r} agencies={agencies} /></li>)}
            {others.map(({ rel, other }) => (
              <li key={rel.id}><Link href={threatPath(rel.id)}><em>{String(rel.stix.relationship_type)}</em></Link> → <RefLink id={other} agencies={agencies} /></li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="history-h">
        <h3 id="history-h">{t('history')}</h3>
        <ol className="plain">
          {threat.history.map((v) => (
            <li key={v.transactionId + v.modified}>{dateTime(v.modified)} — {t('block')} {v.blockNumber}, {t('transaction')} <code className="small">{v.transactionId.slice(0, 16)}…</code></li>
          ))}
        </ol>
      </section>

      <details className="raw">
        <summary>{t('showRaw')}</summary>
        <pre aria-label={t('rawStix')}>{JSON.stringify(threat.stix, null, 2)}</pre>
      </details>
    </article>
  );
}
