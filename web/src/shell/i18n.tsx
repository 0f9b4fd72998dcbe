import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { setApiLanguage } from './api.js';
import { LANGS, translate, type Lang, type MessageKey } from './messages.js';

const STORAGE_KEY = 'civicgrid.lang';

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** Picks the Chinese or English variant of a server-provided pair (e.g. name / nameEn). */
  pick(zh: string, en: string): string;
}

const I18nContext = createContext<I18n | null>(null);

function readStored(): Lang | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v && (LANGS as readonly string[]).includes(v) ? (v as Lang) : null;
  } catch {
    return null;
  }
}

/**
 * The browser-wide language choice shared by the console and the worker app:
 * Chinese until the user picks English, kept in localStorage, sent with every
 * API request, and shown in the page's lang and title.
 */
export function useLanguageChoice(titleOf: (lang: Lang) => string): [Lang, (lang: Lang) => void] {
  const [lang, setLangState] = useState<Lang>(() => {
    const initial = readStored() ?? 'zh-CN';
    setApiLanguage(initial);
    return initial;
  });
  const setLang = useCallback((next: Lang) => {
    setApiLanguage(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode or storage disabled: the choice lasts for this page only.
    }
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = titleOf(lang);
  }, [lang, titleOf]);
  return [lang, setLang];
}

/** Whether the user chose a language on this browser (otherwise their account locale may apply). */
export function hasStoredLanguage(): boolean {
  return readStored() !== null;
}

const consoleTitle = (lang: Lang): string => `${translate(lang, 'app.short')} ${translate(lang, 'app.name')}`;

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useLanguageChoice(consoleTitle);

  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, params) => translate(lang, key, params),
      pick: (zh, en) => (lang === 'en' ? en : zh),
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
