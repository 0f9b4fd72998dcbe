import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, onApiError, SESSION_ENDED_CODES } from './api.js';
import { hasStoredLanguage, useI18n } from './i18n.js';
import type { Lang } from './messages.js';

export type ScopeKind = 'grid' | 'department';

export interface ScopeView {
  kind: ScopeKind;
  code: string;
  name: string;
}

export interface Me {
  id: number;
  username: string;
  displayName: string;
  locale: Lang;
  mustChangePassword: boolean;
  passwordExpired: boolean;
  roles: { role: string; roleName: string; roleNameEn: string; scope: ScopeView }[];
  permissions: string[];
}

export type AuthState =
  | { status: 'loading'; me: null }
  | { status: 'anonymous'; me: null; reason?: 'ended' }
  | { status: 'authenticated'; me: Me };

export interface Auth {
  state: AuthState;
  me: Me | null;
  /** Whether the user holds a permission (any scope). */
  can(permission: string | null | undefined): boolean;
  /** Whether the server requires a password change before anything else. */
  mustChangePassword: boolean;
  login(username: string, password: string): Promise<Me>;
  logout(): Promise<void>;
  /** Reloads the user (after a password change, or when the server says something changed). */
  refresh(): Promise<Me | null>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading', me: null });
  const { lang, setLang } = useI18n();
  const langRef = useRef(lang);
  langRef.current = lang;

  const accept = useCallback(
    (me: Me) => {
      // The account's language applies until the user picks one on this browser.
      if (!hasStoredLanguage() && me.locale !== langRef.current && (me.locale === 'en' || me.locale === 'zh-CN')) setLang(me.locale);
      setState({ status: 'authenticated', me });
      return me;
    },
    [setLang],
  );

  const refresh = useCallback(async (): Promise<Me | null> => {
    try {
      return accept(await api.get<Me>('/api/auth/me'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setState({ status: 'anonymous', me: null });
        return null;
      }
      throw err;
    }
  }, [accept]);

  useEffect(() => {
    refresh().catch(() => setState({ status: 'anonymous', me: null }));
  }, [refresh]);

  // Any call that finds the session gone sends the user back to the login page;
  // a call refused until the password is changed reloads the user, whose flags
  // then route to the change-password page.
  useEffect(
    () =>
      onApiError((error, path) => {
        if (path.startsWith('/api/auth/login') || path.startsWith('/api/auth/me')) return;
        if (error.status === 401 && SESSION_ENDED_CODES.has(error.code)) {
          setState((s) => (s.status === 'authenticated' ? { status: 'anonymous', me: null, reason: 'ended' } : s));
        } else if (error.status === 403 && error.code === 'PASSWORD_CHANGE_REQUIRED') {
          void refresh().catch(() => undefined);
        }
      }),
    [refresh],
  );

  const login = useCallback(
    async (username: string, password: string) => {
      const { user } = await api.post<{ user: Me }>('/api/auth/login', { username, password });
      return accept(user);
    },
    [accept],
  );

  const logout = useCallback(async () => {
    try {
      await api.post<void>('/api/auth/logout');
    } catch {
      // The session may already be gone; either way the user is out.
    }
    setState({ status: 'anonymous', me: null });
  }, []);

  const value = useMemo<Auth>(() => {
    const me = state.status === 'authenticated' ? state.me : null;
    const permissions = new Set(me?.permissions ?? []);
    return {
      state,
      me,
      can: (permission) => !permission || permissions.has(permission),
      mustChangePassword: !!me && (me.mustChangePassword || me.passwordExpired),
      login,
      logout,
      refresh,
    };
  }, [state, login, logout, refresh]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
