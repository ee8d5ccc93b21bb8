/** The threat feed: filters, newest first, infinite scroll, live arrivals. */
import { useEffect, useId, useRef, useState } from 'react';
import type { ThreatFilter, ThreatSummary } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { LeftOutNote, PurposeField } from '../purpose.js';
import { Link, threatPath } from '../router.js';
import { useSession } from '../session.js';
import { ALERT_CATEGORIES, ALERT_SEVERITIES, CategoryBadge, ErrorNote, ExerciseBadge, SeverityBadge, titleOf, TlpBadge, useTypeName } from '../ui.js';
import { useThreats } from './use-threats.js';

export interface FilterState { category: string; severity: string; agency: string; from: string; to: string; text: string }
export const EMPTY_FILTER: FilterState = { category: '', severity: '', agency: '', from: '', to: '', text: '' };

export function toApiFilter(f: FilterState): ThreatFilter {
  const out: ThreatFilter = {};
  if (f.category) out.categories = [f.category];
  if (f.severity) out.severities = [f.severity];
  if (f.agency) out.agencies = [f.agency];
  if (f.from) out.from = new Date(f.from).toISOString();
  if (f.to) out.to = new Date(f.to).toISOString();
  if (f.text.trim()) out.text = f.text.trim();
  return out;
}

export function Filters({ value, onChange }: { value: FilterState; onChange(f: FilterState): void }) {
  const { t, tk } = useI18n();
  const { agencies } = useSession();
  const id = useId();
  const [text, setText] = useState(value.text);
  useEffect(() => {
    const h = setTimeout(() => { if (text !== value.text) onChange({ ...value, text }); }, 300);
    return () => clearTimeout(h);
  }, [text, value, onChange]);
  const set = (k: keyof FilterState) => (e: { target: { value: string } }) => onChange({ ...value, [k]: e.target.value });
  // Open on wide screens; on a phone the list comes first and the filters open on demand.
  const [open] = useState(() => window.matchMedia('(min-width: 700px)').matches);
  return (
    <details className="filters-box" open={open}>
    <summary>{t('filters')}</summary>
    <fieldset className="filters">
      <legend className="sr-only">{t('filters')}</legend>
      <div className="field">
        <label htmlFor={`${id}-cat`}>{t('category')}</label>
        <select id={`${id}-cat`} value={value.category} onChange={set('category')}>
          <option value="">{t('any')}</option>
          {ALERT_CATEGORIES.map((c) => <option key={c} value={c}>{tk(`cat_${c}`, c)}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-sev`}>{t('severity')}</label>
        <select id={`${id}-sev`} value={value.severity} onChange={set('severity')}>
          <option value="">{t('any')}</option>
          {ALERT_SEVERITIES.map((s) => <option key={s} value={s}>{tk(`sev_${s}`, s)}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-ag`}>{t('agency')}</label>
        <select id={`${id}-ag`} value={value.agency} onChange={set('agency')}>
          <option value="">{t('any')}</option>
          {agencies.map((a) => <option key={a.key} value={a.key}>{a.name}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`}>{t('from')}</label>
        <input id={`${id}-from`} type="datetime-local" value={value.from} onChange={set('from')} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>{t('to')}</label>
        <input id={`${id}-to`} type="datetime-local" value={value.to} onChange={set('to')} />
      </div>
      <div className="field grow">
        <label htmlFor={`${id}-text`}>{t('search')}</label>
        <input id={`${id}-text`} type="search" value={text} placeholder={t('searchPlaceholder')} onChange={(e) => setText(e.target.value)} />
      </div>
      <button type="button" className="secondary" onClick={() => { setText(''); onChange(EMPTY_FILTER); }}>{t('clearFilters')}</button>
    </fieldset>
    </details>
  );
}

export function ThreatCard({ item, isNew }: { item: ThreatSummary; isNew: boolean }) {
  const { t, dateTime, relative } = useI18n();
  const typeName = useTypeName();
  return (
    <li className={`card${isNew ? ' new' : ''}${item.severity ? ` sev-edge-${item.severity}` : ''}`} data-threat-id={item.id}>
      <div className="card-head">
        <span className="type">{typeName(item.type)}</span>
        {isNew && <span className="badge new-badge">{t('newBadge')}</span>}
        <TlpBadge tlp={item.tlp} />
        <ExerciseBadge item={item} />
        <CategoryBadge category={item.category} />
        <SeverityBadge severity={item.severity} />
      </div>
      <h3><Link href={threatPath(item.id)}>{titleOf(item)}</Link></h3>
      <p className="meta">
        {item.agency && <span>{t('by', { agency: item.agency.name })} · </span>}
        <time dateTime={item.modified} title={dateTime(item.modified)}>{t('published', { time: relative(item.modified) })}</time>
      </p>
    </li>
  );
}

export function FeedPage({ filter, setFilter }: { filter: FilterState; setFilter(f: FilterState): void }) {
  const { t } = useI18n();
  const { session } = useSession();
  const { items, fresh, hasMore, loading, error, leftOut, more } = useThreats(toApiFilter(filter));
  const sentinel = useRef<HTMLDivElement>(null);
  const [announce, setAnnounce] = useState('');

  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) more(); }, { rootMargin: '300px' });
    io.observe(el);
    return () => io.disconnect();
  }, [more]);

  const newest = items.find((i) => fresh.has(i.id));
  useEffect(() => {
    if (newest) setAnnounce(t('newAlertArrived', { name: titleOf(newest) }));
  }, [newest, t]);

  return (
    <section aria-labelledby="feed-title">
      <h2 id="feed-title">{t('navFeed')}</h2>
      {session.user.role === 'AUDITOR' && <p className="note">{t('auditorNote')}</p>}
      <PurposeField />
      <Filters value={filter} onChange={setFilter} />
      <div className="sr-only" aria-live="polite">{announce}</div>
      <ErrorNote error={error} />
      <LeftOutNote leftOut={leftOut} />
      <ul className="cards" aria-busy={loading}>
        {items.map((i) => <ThreatCard key={i.id} item={i} isNew={fresh.has(i.id)} />)}
      </ul>
      {!loading && !error && items.length === 0 && !leftOut?.count && <p className="note">{t('emptyFeed')}</p>}
      <div ref={sentinel} className="sentinel" />
      {loading && <p className="note" role="status">{t('loading')}</p>}
      {hasMore && !loading && <button type="button" className="secondary" onClick={more}>{t('loadMore')}</button>}
      {!hasMore && !loading && items.length > 0 && <p className="note">{t('endOfFeed')}</p>}
    </section>
  );
}
