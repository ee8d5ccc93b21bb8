/**
 * The signed-in user, their token, the stated purpose of consultation and the live connection
 * (alerts subscription) shared by every view.
 */
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, gql, liveClient, subscribe } from './api/client.js';
import { AGENCIES, ALERTS, type Agency, type Session, type ThreatSummary } from './api/queries.js';

const KEY = 'popart.session';

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

type AlertListener = (alert: ThreatSummary) => void;

export interface Ctx {
  session: Session;
  signOut(): void;
  /** GraphQL with this user's token; an expired session signs out. */
  api<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  purpose: string;
  setPurpose(p: string): void;
  connected: boolean;
  onAlert(l: AlertListener): () => void;
  agencies: Agency[];
}

const SessionCtx = createContext<Ctx | null>(null);

export function SessionProvider({ session, onSignOut, children }: { session: Session; onSignOut(expired: boolean): void; children: ReactNode }) {
  const [purpose, setPurposeState] = useState(() => sessionStorage.getItem('popart.purpose') ?? '');
  const [connected, setConnected] = useState(false);
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const listeners = useRef(new Set<AlertListener>());

  const api = useMemo(() => async <T,>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    try {
      return await gql<T>(query, variables, session.token);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') onSignOut(true);
      throw err;
    }
  }, [session.token, onSignOut]);

  useEffect(() => {
    const client = liveClient(session.token, setConnected);
    const stop = subscribe<{ alerts: ThreatSummary }>(client, ALERTS, (d) => {
      for (const l of listeners.current) l(d.alerts);
    });
    return () => {
      stop();
      void client.dispose();
    };
  }, [session.token]);

  useEffect(() => {
    api<{ agencies: Agency[] }>(AGENCIES).then((d) => setAgencies(d.agencies), () => undefined);
  }, [api]);

  const value = useMemo<Ctx>(() => ({
    session,
    signOut: () => onSignOut(false),
    api,
    purpose,
    setPurpose: (p) => {
      sessionStorage.setItem('popart.purpose', p);
      setPurposeState(p);
    },
    connected,
    onAlert: (l) => {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
    agencies,
  }), [session, onSignOut, api, purpose, connected, agencies]);

  return <SessionCtx.Provider value={value}>{children}</SessionCtx.Provider>;
}

export function useSession(): Ctx {
  const v = useContext(SessionCtx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
