/** A venue's risk level as a badge, and the venue routes. */
import { useI18n } from '../i18n/i18n.js';

export const venuePath = (id: string): string => `/venue/${encodeURIComponent(id)}`;

export function RiskBadge({ level }: { level: string }) {
  const { tk } = useI18n();
  return <span className={`badge risk risk-${level}`} data-testid="risk-level" data-level={level}>{tk(`risk_${level}`, level)}</span>;
}
