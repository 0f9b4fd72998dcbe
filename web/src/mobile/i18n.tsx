import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { INCIDENT_MESSAGES, type IncidentMessageKey } from '../modules/incidents/messages.js';
import { setApiLanguage } from '../shell/api.js';
import { LANGS, type Lang } from '../shell/messages.js';
import { translateMobile, type MobileMessageKey } from './messages.js';

/** The same browser-wide choice as the console's language switch. */
const STORAGE_KEY = 'civicgrid.lang';

export interface MobileI18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: MobileMessageKey, params?: Record<string, string | number>): string;
  /** The console's incident words (statuses, actions), shared rather than repeated. */
  it(key: IncidentMessageKey): string;
  /** A status or action label by its code, or the code itself when it has none. */
  label(prefix: 'status' | 'action', code: string): string;
  pick(zh: string, en: string): string;
}

const Ctx = createContext<MobileI18n | null>(null);

function stored(): Lang | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v && (LANGS as readonly string[]).includes(v) ? (v as Lang) : null;
  } catch {
    return null;
  }
}

export function MobileI18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    // Chinese first, whatever the phone's language, until the worker picks English.
    const initial = stored() ?? 'zh-CN';
    setApiLanguage(initial);
    return initial;
  });
  const setLang = useCallback((next: Lang) => {
    setApiLanguage(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage disabled: the choice lasts for this page only.
    }
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translateMobile(lang, 'app.name');
  }, [lang]);
  const value = useMemo<MobileI18n>(() => {
    const incident = INCIDENT_MESSAGES[lang] as Record<string, string>;
    return {
      lang,
      setLang,
      t: (key, params) => translateMobile(lang, key, params),
      it: (key) => incident[key] ?? key,
      label: (prefix, code) => incident[`${prefix}.${code}`] ?? code,
      pick: (zh, en) => (lang === 'en' ? en : zh),
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useT(): MobileI18n {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useT outside MobileI18nProvider');
  return ctx;
}
