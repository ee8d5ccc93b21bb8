/**
 * The signed-in user, their token, the stated purpose of consultation and the live connection
 * (alerts subscription, and changes to an open object) shared by every view.
 */
import type { Client } from 'graphql-ws';
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, gql, liveClient, subscribe, type Operation } from './api/client.js';
import { AGENCIES, ALERTS, RELATED, SESSION_PURPOSE, STATE_PURPOSE, type Agency, type Session, type ThreatSummary } from './api/queries.js';

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
  api<T, V>(query: Operation<T, V>, variables?: V): Promise<T>;
  /** The purpose stated for this session on the node ('' when none): every consultation is made under it. */
  purpose: string;
  /** States the purpose for the session on the node (blank withdraws it); rejects with the node's error. */
  setPurpose(p: string): Promise<void>;
  connected: boolean;
  onAlert(l: AlertListener): () => void;
  /**
   * Calls `onChange` whenever an object referring to `id` (a sighting, a response, a relationship) is committed and
   * visible to this user; returns the function that stops watching. Restricted objects need the purpose.
   */
  watchRelated(id: string, purpose: string | null, onChange: () => void): () => void;
  agencies: Agency[];
  /** The exercise this tab takes part in (from ?exercise=ID), or null: its alerts come too, marked, and are answered in it. */
  exercise: string | null;
}

const SessionCtx = createContext<Ctx | null>(null);

export function SessionProvider({ session, onSignOut, children }: { session: Session; onSignOut(expired: boolean): void; children: ReactNode }) {
  const [purpose, setPurposeState] = useState('');
  const exercise = sessionStorage.getItem('popart.exercise');
  const [connected, setConnected] = useState(false);
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [client, setClient] = useState<Client | null>(null);
  const listeners = useRef(new Set<AlertListener>());

  const api = useMemo(() => async <T, V>(query: Operation<T, V>, variables: V = {} as V): Promise<T> => {
    try {
      return await gql(query, variables, session.token);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') onSignOut(true);
      throw err;
    }
  }, [session.token, onSignOut]);

  useEffect(() => {
    const live = liveClient(session.token, setConnected);
    setClient(live);
    const stop = subscribe(live, ALERTS, (d) => {
      for (const l of listeners.current) l(d.alerts);
    }, undefined, { exercise });
    return () => {
      stop();
      setClient(null);
      void live.dispose();
    };
  }, [session.token, exercise]);

  useEffect(() => {
    api(AGENCIES).then((d) => setAgencies(d.agencies), () => undefined);
    // The node keeps the purpose of the session (also across a reload of the page).
    api(SESSION_PURPOSE).then((d) => setPurposeState(d.sessionPurpose?.purpose ?? ''), () => undefined);
  }, [api]);

  const value = useMemo<Ctx>(() => ({
    session,
    signOut: () => onSignOut(false),
    api,
    purpose,
    setPurpose: async (p) => {
      const d = await api(STATE_PURPOSE, { purpose: p.trim() || null });
      setPurposeState(d.statePurpose?.purpose ?? '');
    },
    connected,
    onAlert: (l) => {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
    // Views mount before this provider's effect has opened the connection: they watch again once `client` is set.
    watchRelated: (id, why, onChange) => (client ? subscribe(client, RELATED, () => onChange(), undefined, { id, purpose: why }) : () => undefined),
    agencies,
    exercise,
  }), [session, onSignOut, api, purpose, connected, client, agencies]);

  return <SessionCtx.Provider value={value}>{children}</SessionCtx.Provider>;
}

export function useSession(): Ctx {
  const v = useContext(SessionCtx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
