/**
 * Where the user states, once for the session (or the operation: a case number), why they consult restricted data:
 * the node keeps it with the session and every consultation is audited under it, until sign-out or a change here.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { LeftOut } from './api/queries.js';
import { useI18n } from './i18n/i18n.js';
import { useSession } from './session.js';
import { ErrorNote } from './ui.js';

export function PurposeField() {
  const { t } = useI18n();
  const { purpose, setPurpose } = useSession();
  const id = useId();
  const [draft, setDraft] = useState(purpose);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setDraft(purpose), [purpose]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setPurpose(draft).then(() => setEditing(false), setError).finally(() => setBusy(false));
  };

  if (purpose && !editing) {
    return (
      <div className="purpose stated" data-testid="purpose-stated">
        <span>{t('purposeStated')} <strong>{purpose}</strong></span>
        <button type="button" className="secondary" onClick={() => setEditing(true)}>{t('purposeChange')}</button>
      </div>
    );
  }
  return (
    <form className="field purpose" onSubmit={submit}>
      <label htmlFor={id}>{t('purpose')}</label>
      <div className="purpose-row">
        <input id={id} name="purpose" value={draft} placeholder={t('purposePlaceholder')} maxLength={500}
          onChange={(e) => setDraft(e.target.value)} aria-describedby={`${id}-hint`} />
        <button type="submit" disabled={busy || !draft.trim()}>{t('purposeUse')}</button>
        {purpose && <button type="button" className="secondary" onClick={() => { setDraft(purpose); setEditing(false); }}>{t('cancel')}</button>}
      </div>
      <small id={`${id}-hint`}>{t('purposeHint')}</small>
      <ErrorNote error={error} />
    </form>
  );
}

/** How many restricted results wait for a purpose (only a count: the node says nothing else of them). */
export function LeftOutNote({ leftOut }: { leftOut: LeftOut | null }) {
  const { t } = useI18n();
  if (!leftOut || leftOut.count === 0) return null;
  const text = leftOut.more ? t('leftOutMore', { count: leftOut.count })
    : leftOut.count === 1 ? t('leftOutOne') : t('leftOutMany', { count: leftOut.count });
  return <p className="note left-out" role="status" data-testid="left-out">{text}</p>;
}
