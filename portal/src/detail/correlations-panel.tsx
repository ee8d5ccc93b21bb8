/** The objects linked to this one across agencies, with why: a list and a graph (objects and agencies as nodes). */
import { useEffect, useState } from 'react';
import { CORRELATIONS, type Correlation } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { Link, threatPath } from '../router.js';
import { useSession } from '../session.js';
import { ErrorNote, TlpBadge, titleOf } from '../ui.js';
import { CorrelationGraph } from './correlation-graph.js';

interface Subject { id: string; name: string | null; type: string; stix: Record<string, unknown>; agency: { key: string; name: string } | null }

export function CorrelationsPanel({ subject, version }: { subject: Subject; version: string }) {
  const { t, dateTime } = useI18n();
  const { api, purpose } = useSession();
  const [links, setLinks] = useState<Correlation[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    api(CORRELATIONS, { id: subject.id, purpose: purpose.trim() || null })
      .then((d) => { if (live) setLinks(d.threat?.correlations ?? []); })
      .catch((err: unknown) => { if (live) setError(err); });
    return () => { live = false; };
  }, [api, subject.id, purpose, version]);
  return (
    <section aria-labelledby="correlations-h" data-testid="correlations">
      <h3 id="correlations-h">{t('correlations')}</h3>
      <ErrorNote error={error} />
      {links === null ? (!error && <p role="status">{t('loading')}</p>) : links.length === 0 ? <p className="note">{t('noCorrelations')}</p> : (
        <>
          <ul className="plain correlation-list">
            {links.map((c, i) => (
              <li key={`${c.other.id}-${c.kind}-${c.valueKind}-${i}`} data-kind={c.kind}>
                <Link href={threatPath(c.other.id)}>{titleOf(c.other)}</Link> <TlpBadge tlp={c.other.tlp} />
                {' — '}{c.other.agency?.name ?? '?'}{c.crossAgency ? ` · ${t('otherAgency')}` : ''}
                <br /><span className="why">{c.why}</span> <span className="note">({t('foundAt', { time: dateTime(c.foundAt) })})</span>
              </li>
            ))}
          </ul>
          <CorrelationGraph subject={subject} correlations={links} label={t('correlationGraph')} />
        </>
      )}
    </section>
  );
}
