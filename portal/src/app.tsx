/** The shell: sign-in, the header with the user's agency, role and jurisdiction, navigation, and the views. */
import { useCallback, useEffect, useState } from 'react';
import type { Session } from './api/queries.js';
import { ConsolePage } from './console/console-page.js';
import { DetailPage } from './detail/detail-page.js';
import { EMPTY_FILTER, FeedPage, type FilterState } from './feed/feed.js';
import { useI18n } from './i18n/i18n.js';
import { LanguagePicker } from './i18n/language-picker.js';
import { MapPage } from './map/map-page.js';
import { PublishPage } from './publish/publish-page.js';
import { Link, navigate, usePath } from './router.js';
import { loadSession, saveSession, SessionProvider, useSession } from './session.js';
import { SignIn } from './sign-in.js';
import { VenuePage } from './venue/venue-page.js';
import { VenuesPage } from './venue/venues-page.js';

const PUBLISHERS = new Set(['ANALYST', 'SUPERVISOR']);
const RESPONDERS = new Set(['OPERATOR', 'SUPERVISOR']);

function homeOf(role: string): string {
  return role === 'OPERATOR' ? '/console' : '/feed';
}

function Header() {
  const { t, number } = useI18n();
  const { session, signOut, connected } = useSession();
  const path = usePath();
  const u = session.user;
  const j = u.agency.jurisdiction;
  const tabs = [
    { href: '/feed', label: t('navFeed') },
    { href: '/map', label: t('navMap') },
    { href: '/venues', label: t('navVenues') },
    ...(PUBLISHERS.has(u.role) ? [{ href: '/publish', label: t('navPublish') }] : []),
    ...(RESPONDERS.has(u.role) ? [{ href: '/console', label: t('navConsole') }] : []),
  ];
  return (
    <header className="top">
      <div className="top-row">
        <h1 className="brand"><Link href={homeOf(u.role)}>POP-ART</Link></h1>
        <div className="who" data-testid="who">
          <strong>{u.displayName}</strong> <span className="badge role">{t(`role_${u.role}`)}</span>
          <div className="agency">
            <span title={t('agency')}>{u.agency.name}</span> · <span>{t(`level_${u.agency.level}` as 'level_LOCAL')}</span>
            {' · '}<span title={t('jurisdiction')}>{t('jurisdiction')}: {j
              ? t('jurisdictionCentre', { lat: number(j.centre[1], 3), lon: number(j.centre[0], 3) })
              : t('noJurisdiction')}</span>
          </div>
        </div>
        <div className="top-tools">
          <span className={`live-dot${connected ? ' on' : ''}`}>{connected ? t('live') : t('offline')}</span>
          <LanguagePicker />
          <button type="button" className="secondary" onClick={signOut}>{t('signOut')}</button>
        </div>
      </div>
      <nav aria-label="POP-ART">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.href}><Link href={tab.href} aria-current={path.startsWith(tab.href) ? 'page' : undefined}>{tab.label}</Link></li>
          ))}
        </ul>
      </nav>
    </header>
  );
}

function Views() {
  const path = usePath();
  const { session } = useSession();
  const [filter, setFilter] = useState<FilterState>(EMPTY_FILTER);
  const role = session.user.role;
  useEffect(() => {
    if (path === '/' || path === '') navigate(homeOf(role));
  }, [path, role]);
  const m = /^\/threat\/(.+)$/.exec(path);
  let view;
  const venue = /^\/venue\/(.+)$/.exec(path);
  if (m?.[1]) view = <DetailPage key={m[1]} id={decodeURIComponent(m[1])} />;
  else if (venue?.[1]) view = <VenuePage key={venue[1]} id={decodeURIComponent(venue[1])} />;
  else if (path.startsWith('/venues')) view = <VenuesPage />;
  else if (path.startsWith('/map')) view = <MapPage filter={filter} setFilter={setFilter} />;
  else if (path.startsWith('/publish') && PUBLISHERS.has(role)) view = <PublishPage />;
  else if (path.startsWith('/console') && RESPONDERS.has(role)) view = <ConsolePage />;
  else view = <FeedPage filter={filter} setFilter={setFilter} />;
  return <main id="main" tabIndex={-1}>{view}</main>;
}

export function App() {
  const { t } = useI18n();
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((expired: boolean) => {
    saveSession(null);
    setSession(null);
    setNotice(expired ? t('sessionExpired') : null);
  }, [t]);
  if (!session) {
    return <SignIn notice={notice} onSignedIn={(s) => {
      saveSession(s);
      setSession(s);
      if (location.pathname === '/' || location.pathname === '') navigate(homeOf(s.user.role));
    }} />;
  }
  return (
    <SessionProvider session={session} onSignOut={signOut}>
      <a href="#main" className="skip">{t('skipToContent')}</a>
      <Header />
      <Views />
    </SessionProvider>
  );
}
