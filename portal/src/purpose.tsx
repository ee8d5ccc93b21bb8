import { useId } from 'react';
import { useI18n } from './i18n/i18n.js';
import { useSession } from './session.js';

/** Where the user states why they consult restricted data (sent as `purpose`, kept in the audit log). */
export function PurposeField() {
  const { t } = useI18n();
  const { purpose, setPurpose } = useSession();
  const id = useId();
  return (
    <div className="field purpose">
      <label htmlFor={id}>{t('purpose')}</label>
      <input id={id} name="purpose" value={purpose} placeholder={t('purposePlaceholder')} onChange={(e) => setPurpose(e.target.value)}
        aria-describedby={`${id}-hint`} />
      <small id={`${id}-hint`}>{t('purposeHint')}</small>
    </div>
  );
}
