/** Languages (en, es, pt) and locale-aware formatting with Intl. */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey, type Messages } from './en.js';
import { es } from './es.js';
import { pt } from './pt.js';

export const LANGUAGES = { en: 'English', es: 'Español', pt: 'Português' } as const;
export type Lang = keyof typeof LANGUAGES;
const CATALOGUES: Record<Lang, Messages> = { en, es, pt };
/** Intl locales: Spain's and Portugal's conventions for the consortium's forces. */
const LOCALES: Record<Lang, string> = { en: 'en-GB', es: 'es-ES', pt: 'pt-PT' };

export interface I18n {
  lang: Lang;
  locale: string;
  setLang(lang: Lang): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** A message key built at run time (category, severity, role…), with a fallback. */
  tk(key: string, fallback?: string): string;
  dateTime(iso: string | number | Date): string;
  time(iso: string | number | Date): string;
  relative(iso: string | number | Date, now?: number): string;
  number(n: number, digits?: number): string;
  distance(metres: number): string;
}

function initialLang(): Lang {
  const saved = localStorage.getItem('popart.lang');
  if (saved && saved in LANGUAGES) return saved as Lang;
  const nav = navigator.language.slice(0, 2);
  return nav in LANGUAGES ? (nav as Lang) : 'en';
}

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const messages = CATALOGUES[lang];
  const locale = LOCALES[lang];
  const dt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const tm = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const fill = (text: string, vars?: Record<string, string | number>): string =>
    vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text;
  return {
    lang, locale, setLang,
    t: (key, vars) => fill(messages[key] ?? en[key] ?? key, vars),
    tk: (key, fallback) => (key in messages ? messages[key as MessageKey] : (fallback ?? key)),
    dateTime: (v) => dt.format(new Date(v)),
    time: (v) => tm.format(new Date(v)),
    relative: (v, now = Date.now()) => {
      const s = Math.round((new Date(v).getTime() - now) / 1000);
      const a = Math.abs(s);
      if (a < 60) return rel.format(s, 'second');
      if (a < 3600) return rel.format(Math.round(s / 60), 'minute');
      if (a < 86400) return rel.format(Math.round(s / 3600), 'hour');
      return rel.format(Math.round(s / 86400), 'day');
    },
    number: (n, digits = 0) => new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n),
    distance: (m) => (m < 1000
      ? new Intl.NumberFormat(locale, { style: 'unit', unit: 'meter', maximumFractionDigits: 0 }).format(m)
      : new Intl.NumberFormat(locale, { style: 'unit', unit: 'kilometer', maximumFractionDigits: m < 10_000 ? 1 : 0 }).format(m / 1000)),
  };
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const value = useMemo(() => makeI18n(lang, (l) => {
    localStorage.setItem('popart.lang', l);
    document.documentElement.lang = l;
    setLangState(l);
  }), [lang]);
  document.documentElement.lang = lang;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
