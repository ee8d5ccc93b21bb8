import { useId, useState } from 'react';
import { ApiError, gql } from './api/client.js';
import { LOGIN, type Session } from './api/queries.js';
import { useI18n } from './i18n/i18n.js';
import { LanguagePicker } from './i18n/language-picker.js';

export function SignIn({ onSignedIn, notice }: { onSignedIn(s: Session): void; notice?: string | null }) {
  const { t } = useI18n();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const d = await gql(LOGIN, { u: username.trim(), p: password });
      onSignedIn(d.login);
    } catch (err) {
      setError(err instanceof ApiError && (err.code === 'UNAUTHENTICATED' || err.code === 'BAD_USER_INPUT') ? t('badCredentials') : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <div className="sign-in-box">
        <h1>{t('appName')}</h1>
        <LanguagePicker />
        <p>{t('signInIntro')}</p>
        {notice && <p className="note" role="status">{notice}</p>}
        <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <div className="field">
            <label htmlFor={`${id}-u`}>{t('username')}</label>
            <input id={`${id}-u`} name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-p`}>{t('password')}</label>
            <input id={`${id}-p`} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" disabled={busy}>{busy ? t('signingIn') : t('signIn')}</button>
        </form>
        <p className="hint">{t('demoUsers')}</p>
      </div>
    </main>
  );
}
