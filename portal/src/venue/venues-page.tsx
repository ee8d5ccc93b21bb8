/** The venues the user may see, active ones first, each with its current risk level. */
import { useEffect, useState } from 'react';
import { VENUES, type VenueSummary } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { PurposeField } from '../purpose.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { ErrorNote } from '../ui.js';
import { RiskBadge, venuePath } from './risk-badge.js';

export function VenuesPage() {
  const { t, tk, dateTime } = useI18n();
  const { api, purpose, onAlert } = useSession();
  const [venues, setVenues] = useState<VenueSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => onAlert(() => setTick((n) => n + 1)), [onAlert]);
  useEffect(() => {
    let live = true;
    api(VENUES, { purpose: purpose.trim() || null }).then((d) => { if (live) setVenues(d.venues); }).catch((err: unknown) => { if (live) setError(err); });
    return () => { live = false; };
  }, [api, purpose, tick]);
  return (
    <section aria-labelledby="venues-h">
      <h2 id="venues-h">{t('venuesTitle')}</h2>
      <PurposeField />
      <ErrorNote error={error} />
      {venues === null ? (!error && <p role="status">{t('loading')}</p>) : venues.length === 0 ? <p className="note">{t('noVenues')}</p> : (
        <ul className="plain venue-list">
          {venues.map((v) => (
            <li key={v.id} data-venue={v.id}>
              <RiskBadge level={v.riskLevel} /> <Link href={venuePath(v.id)}>{v.name}</Link>
              {v.eventName && <> · {v.eventName}</>} · {tk(`venueKind_${v.kind}`, v.kind)} · {v.active ? t('venueActive') : t('venueInactive')}
              {v.starts && <> · {dateTime(v.starts)}{v.ends && <> – {dateTime(v.ends)}</>}</>}
              {v.restrictedLeftOut > 0 && <> · <span className="note">{t('restrictedLeftOut', { count: v.restrictedLeftOut })}</span></>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
