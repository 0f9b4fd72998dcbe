import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { INCIDENT_MESSAGES, type IncidentMessageKey } from '../modules/incidents/messages.js';
import { useLanguageChoice } from '../shell/i18n.js';
import type { Lang } from '../shell/messages.js';
import { translateMobile, type MobileMessageKey } from './messages.js';

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

const mobileTitle = (lang: Lang): string => translateMobile(lang, 'app.name');

export function MobileI18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useLanguageChoice(mobileTitle);
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
