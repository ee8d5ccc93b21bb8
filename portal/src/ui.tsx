/** Small shared pieces: badges for TLP, severity and category, object type names, error notes. */
import type { ReactNode } from 'react';
import { ApiError } from './api/client.js';
import type { ThreatSummary } from './api/queries.js';
import { useI18n } from './i18n/i18n.js';

export function TlpBadge({ tlp }: { tlp: string | null }) {
  const level = (tlp ?? 'unmarked').toLowerCase();
  return <span className={`badge tlp tlp-${level.replace('+', '-')}`}>{tlp ? `TLP:${tlp.toUpperCase()}` : 'TLP: —'}</span>;
}

/** Whether an object belongs to an exercise (training): it carries the label "exercise" (docs/exercises.md). */
export function isExercise(item: { stix: unknown }): boolean {
  const labels = (item.stix as { labels?: unknown } | null)?.labels;
  return Array.isArray(labels) && labels.includes('exercise');
}

/** The exercise mark, on every card of an exercise object. */
export function ExerciseBadge({ item }: { item: { stix: unknown } }) {
  const { t } = useI18n();
  return isExercise(item) ? <span className="badge exercise-badge" data-testid="exercise-badge">{t('exerciseBadge')}</span> : null;
}

export function SeverityBadge({ severity }: { severity: string | null }) {
  const { t, tk } = useI18n();
  if (!severity) return null;
  return <span className={`badge sev sev-${severity}`}>{t('severity')}: {tk(`sev_${severity}`, severity)}</span>;
}

export function CategoryBadge({ category }: { category: string | null }) {
  const { tk } = useI18n();
  if (!category) return null;
  return <span className="badge cat">{tk(`cat_${category}`, category)}</span>;
}

export function useTypeName(): (type: string) => string {
  const { t, tk } = useI18n();
  return (type) => tk(`type_${type}`, t('type_other', { type }));
}

/** A readable title for any object. */
export function titleOf(o: Pick<ThreatSummary, 'name' | 'type' | 'id' | 'stix'>): string {
  if (o.name) return o.name;
  const s = o.stix;
  if (o.type === 'relationship' && typeof s.relationship_type === 'string') return s.relationship_type;
  if (o.type === 'sighting') {
    if (typeof s.x_popart_response_status === 'string') return `${String(s.x_popart_responder ?? '?')}: ${s.x_popart_response_status}`;
    if (typeof s.description === 'string') return s.description.length > 90 ? `${s.description.slice(0, 88)}…` : s.description;
  }
  return o.id;
}

export function ErrorNote({ error, children }: { error: unknown; children?: ReactNode }) {
  const { t } = useI18n();
  if (!error) return null;
  const message = error instanceof ApiError && error.code === 'PURPOSE_REQUIRED' ? t('purposeRequired')
    : t('errorGeneric', { message: (error as Error).message ?? String(error) });
  return <div className="error" role="alert">{message}{children}</div>;
}

export const ALERT_CATEGORIES = ['drone', 'gunshot', 'explosion', 'crowd-density', 'crowd-dispersal', 'loitering', 'intrusion',
  'vehicle-in-pedestrian-zone', 'violence', 'other'] as const;
export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
