/** "Why can't I see more?": the policy's decision for this user (rule, reasons, what was redacted), never the content. */
import type { Explanation } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';

export function WhyPanel({ explanation, open }: { explanation: Explanation; open: boolean }) {
  const { t } = useI18n();
  const limited = !explanation.visible || explanation.redacted.length > 0;
  const summary = !explanation.known ? t('whyUnknown') : !explanation.visible ? t('whyHidden') : explanation.redacted.length ? t('whyRedacted') : null;
  return (
    <details className={`why${limited ? ' limited' : ''}`} open={open} data-testid="why-panel">
      <summary>{limited ? t('whyTitle') : t('whyVisibleTitle')}</summary>
      {summary && <p className="why-summary">{summary}</p>}
      <dl>
        <dt>{t('whyRule')}</dt><dd><code>{explanation.rule}</code></dd>
        <dt>{t('whyReasons')}</dt>
        <dd><ul>{explanation.reasons.map((r, i) => <li key={i}>{r}</li>)}</ul></dd>
        {explanation.redacted.length > 0 && (
          <>
            <dt>{t('whyRedactedList')}</dt>
            <dd><ul>{explanation.redacted.map((r) => <li key={r}><code>{r}</code></li>)}</ul></dd>
          </>
        )}
        <dt>{t('whyPolicy')}</dt><dd><code>{explanation.policyRevision}</code></dd>
      </dl>
    </details>
  );
}
