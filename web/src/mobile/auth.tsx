import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, onApiError, SESSION_ENDED_CODES } from '../shell/api.js';
import type { Me } from '../shell/auth.js';
import { forgetCached } from './offline/cache.js';
import { kvGet, kvSet } from './offline/db.js';

/**
 * The signed-in worker, offline-first: the last `/api/auth/me` answer is kept on the phone, so the app
 * opens without a network (the session cookie stays valid on the server until it times out). When the
 * server says the session ended, the app asks for a sign-in and the outbox waits: nothing is dropped.
 */
export type MobileAuthState =
  | { status: 'loading' }
  | { status: 'anonymous'; reason: 'none' | 'ended' | 'offline' }
  | { status: 'authenticated'; me: Me; offline: boolean };

interface MobileAuth {
  state: MobileAuthState;
  me: Me | null;
  login(username: string, password: string): Promise<Me>;
  logout(): Promise<void>;
  refresh(): Promise<void>;
}

const KEPT_ME = 'me';
const Ctx = createContext<MobileAuth | null>(null);

export function MobileAuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<MobileAuthState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const me = await api.get<Me>('/api/auth/me');
      await kvSet(KEPT_ME, me);
      setState({ status: 'authenticated', me, offline: false });
    } catch (err) {
      // No network, or a server that cannot answer: carry on with the kept user.
      if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) {
        const kept = await kvGet<Me>(KEPT_ME);
        setState(kept ? { status: 'authenticated', me: kept, offline: true } : { status: 'anonymous', reason: 'offline' });
        return;
      }
      // A session that ended while the app was away (offline, or closed) is "ended": the outbox waits for the sign-in.
      setState({ status: 'anonymous', reason: (await kvGet<Me>(KEPT_ME)) ? 'ended' : 'none' });
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Back online after opening offline: check the session for real.
  const stateRef = useRef(state);
  stateRef.current = state;
  const offlineRef = useRef(false);
  offlineRef.current = state.status === 'authenticated' && state.offline;
  useEffect(() => {
    const onOnline = () => {
      if (offlineRef.current) void refresh();
    };
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [refresh]);

  useEffect(
    () =>
      onApiError((error, path) => {
        if (path.startsWith('/api/auth/login')) return;
        if ((error.status === 401 && SESSION_ENDED_CODES.has(error.code)) || (error.status === 403 && error.code === 'PASSWORD_CHANGE_REQUIRED')) {
          setState((s) => (s.status === 'authenticated' ? { status: 'anonymous', reason: 'ended' } : s));
        }
      }),
    [],
  );

  const login = useCallback(async (username: string, password: string) => {
    const { user } = await api.post<{ user: Me }>('/api/auth/login', { username, password });
    await kvSet(KEPT_ME, user);
    setState({ status: 'authenticated', me: user, offline: false });
    return user;
  }, []);

  const logout = useCallback(async () => {
    const userId = stateRef.current.status === 'authenticated' ? stateRef.current.me.id : null;
    try {
      await api.post<void>('/api/auth/logout');
    } catch {
      // Offline or already ended: the phone forgets the user either way.
    }
    await kvSet(KEPT_ME, null);
    if (userId !== null) await forgetCached(userId);
    setState({ status: 'anonymous', reason: 'none' });
  }, []);

  const value = useMemo<MobileAuth>(
    () => ({ state, me: state.status === 'authenticated' ? state.me : null, login, logout, refresh }),
    [state, login, logout, refresh],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useMobileAuth(): MobileAuth {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useMobileAuth outside MobileAuthProvider');
  return ctx;
}

/** The worker's grid scopes (codes), from the role assignments. */
export function gridScopes(me: Me): string[] {
  return [...new Set(me.roles.filter((r) => r.scope.kind === 'grid').map((r) => r.scope.code))];
}

export function isGridWorker(me: Me): boolean {
  return me.roles.some((r) => r.role === 'grid_worker');
}
