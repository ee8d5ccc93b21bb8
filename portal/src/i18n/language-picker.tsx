/** The language switch, in the header and on the sign-in page. */
import { useId } from 'react';
import { LANGUAGES, useI18n, type Lang } from './i18n.js';

export function LanguagePicker() {
  const { lang, setLang, t } = useI18n();
  const id = useId();
  return (
    <span className="lang">
      <label htmlFor={id}>{t('language')}</label>{' '}
      <select id={id} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {Object.entries(LANGUAGES).map(([k, name]) => <option key={k} value={k} lang={k}>{name}</option>)}
      </select>
    </span>
  );
}
