/**
 * The analyst's publish form: an alert (incident) or an indicator, both carrying the public-space
 * alert extension (category, severity, area, guidance, recipients). Checked field by field, then
 * built and validated with @popart/schemas' builders (the validators the node runs), then sent;
 * the node's refusals are shown next to the fields they name.
 */
import { makeAlert, makeBundle, makeIndicator, StixValidationError, type TlpLevel } from '@popart/schemas';
import { useId, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client.js';
import { PUBLISH, type PublishResult } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { mainBBox, territoryFeature } from '../map/features.js';
import { areaGeometry, type MapFeature } from '../map/geo.js';
import { MapLegend, MapView } from '../map/map-view.js';
import { venueFeatures } from '../map/venues.js';
import { Link, threatPath } from '../router.js';
import { useSession } from '../session.js';
import { ALERT_CATEGORIES, ALERT_SEVERITIES } from '../ui.js';
import { issuesByField, type FieldName } from './field-issues.js';

const TLPS: TlpLevel[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
const SENSORS = ['human', 'camera', 'microphone', 'remote-id', 'radar', 'rf', 'other'] as const;

interface Form {
  kind: 'alert' | 'indicator';
  name: string; description: string; pattern: string;
  category: string; severity: string; venue: string; eventName: string; guidance: string;
  tlp: TlpLevel; recipients: string[];
  latitude: string; longitude: string; radius: string; expires: string; confidence: string; sensorKind: string;
}

const INITIAL: Form = {
  kind: 'alert', name: '', description: '', pattern: '', category: 'drone', severity: 'high', venue: '', eventName: '', guidance: '',
  tlp: 'green', recipients: [], latitude: '', longitude: '', radius: '300', expires: '120', confidence: '100', sensorKind: 'human',
};

type Errors = Partial<Record<FieldName, string[]>>;

function num(v: string): number | null {
  if (v.trim() === '') return null;
  const n = Number(v.replace(',', '.'));
  return Number.isFinite(n) ? n : NaN;
}

export function PublishPage() {
  const i = useI18n();
  const { t, tk } = i;
  const { api, session, agencies } = useSession();
  const id = useId();
  const [form, setForm] = useState<Form>(INITIAL);
  const [errors, setErrors] = useState<Errors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<PublishResult | null>(null);
  const agency = session.user.agency;
  const set = <K extends keyof Form>(k: K, v: Form[K]): void => setForm((f) => ({ ...f, [k]: v }));

  const lat = num(form.latitude);
  const lon = num(form.longitude);
  const radius = num(form.radius);
  const draft: MapFeature[] = lat !== null && lon !== null && radius !== null && [lat, lon, radius].every(Number.isFinite) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && radius > 0
    ? [{ type: 'Feature', geometry: areaGeometry({ shape: 'circle', latitude: lat, longitude: lon, radius_m: radius }), properties: { kind: 'draft', label: t('legendDraft') } }]
    : [];
  const baseFeatures = useMemo(() => [...territoryFeature(agency.jurisdiction, agency.name), ...venueFeatures()], [agency]);
  // The territory's mainland until an area is placed, then a few kilometres around the area.
  const around = draft.length && lat !== null && lon !== null ? `${lat.toFixed(3)},${lon.toFixed(3)}` : null;
  const fit = useMemo<[number, number, number, number] | null>(() => {
    if (!around) return mainBBox(agency.jurisdiction);
    const [la, lo] = around.split(',').map(Number) as [number, number];
    return [lo - 0.03, la - 0.02, lo + 0.03, la + 0.02];
  }, [around, agency]);

  function check(): Errors {
    const e: Errors = {};
    const need = (k: FieldName, v: string): void => { if (!v.trim()) (e[k] ??= []).push(t('required')); };
    const range = (k: FieldName, v: number | null, min: number, max: number): void => {
      if (v === null) (e[k] ??= []).push(t('required'));
      else if (!Number.isFinite(v) || v < min || v > max) (e[k] ??= []).push(t('mustBeBetween', { min: i.number(min), max: i.number(max) }));
    };
    need('name', form.name);
    need('venue', form.venue);
    need('guidance', form.guidance);
    if (form.kind === 'indicator') need('pattern', form.pattern);
    range('latitude', lat, -90, 90);
    range('longitude', lon, -180, 180);
    range('radius', radius, 1, 100_000);
    range('expires', num(form.expires), 1, 10_080);
    range('confidence', num(form.confidence), 0, 100);
    if (form.tlp === 'amber' && form.recipients.length === 0) (e.recipients ??= []).push(t('amberNeedsRecipients'));
    return e;
  }

  async function submit(): Promise<void> {
    setResult(null);
    setFormErrors([]);
    const e = check();
    setErrors(e);
    if (Object.keys(e).length) {
      document.getElementById(`${id}-${Object.keys(e)[0]}`)?.focus();
      return;
    }
    const now = new Date();
    const common = {
      created: now, createdByRef: agency.identityId, tlp: form.tlp, name: form.name.trim(),
      ...(form.description.trim() ? { description: form.description.trim() } : {}),
    };
    const ext = {
      category: form.category as (typeof ALERT_CATEGORIES)[number], severity: form.severity as (typeof ALERT_SEVERITIES)[number],
      detectionConfidence: Math.round(num(form.confidence) ?? 100), area: { shape: 'circle' as const, latitude: lat as number, longitude: lon as number, radius_m: radius as number },
      sensorKind: form.sensorKind as (typeof SENSORS)[number], venue: form.venue.trim(), expires: new Date(now.getTime() + (num(form.expires) ?? 60) * 60_000),
      guidance: form.guidance.trim(), ...(form.eventName.trim() ? { eventName: form.eventName.trim() } : {}),
      ...(form.recipients.length ? { audienceRefs: form.recipients } : {}),
    };
    let bundle;
    try {
      const obj = form.kind === 'alert'
        ? makeAlert({ ...common, ...ext })
        : { ...makeIndicator({ ...common, pattern: form.pattern.trim(), indicatorTypes: ['anomalous-activity'], validUntil: ext.expires }) };
      if (form.kind === 'indicator') {
        // The indicator carries the alert extension too (category, severity, area, guidance, recipients).
        const withAlert = makeAlert({ ...common, ...ext });
        Object.assign(obj, { extensions: withAlert.extensions });
      }
      bundle = makeBundle([obj]);
    } catch (err) {
      if (err instanceof StixValidationError) return showIssues(err.issues);
      setFormErrors([(err as Error).message]);
      return;
    }
    setBusy(true);
    try {
      const r = await api(PUBLISH, { b: bundle });
      setResult(r.publishBundle);
      setForm((f) => ({ ...INITIAL, kind: f.kind, tlp: f.tlp, recipients: f.recipients, latitude: f.latitude, longitude: f.longitude }));
      setErrors({});
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) showIssues(err.issues, err.code);
      else setFormErrors([(err as Error).message]);
    } finally {
      setBusy(false);
    }
  }

  function showIssues(issues: readonly { property: string; message: string }[], code?: string): void {
    const g = issuesByField(issues);
    setErrors(g.fields);
    setFormErrors([...(code ? [t('serverRefused', { code })] : []), ...g.form]);
  }

  const count = Object.values(errors).reduce((n, l) => n + (l?.length ?? 0), 0) + formErrors.length;
  const field = (k: FieldName, label: string, control: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode, hint?: string) => {
    const errs = errors[k];
    const fid = `${id}-${k}`;
    const described = [errs ? `${fid}-err` : '', hint ? `${fid}-hint` : ''].filter(Boolean).join(' ');
    return (
      <div className={`field${errs ? ' invalid' : ''}`}>
        <label htmlFor={fid}>{label}</label>
        {control({ id: fid, 'aria-invalid': Boolean(errs), ...(described ? { 'aria-describedby': described } : {}) })}
        {hint && <small id={`${fid}-hint`}>{hint}</small>}
        {errs && <p className="field-error" id={`${fid}-err`} data-field={k}>{errs.join(' ')}</p>}
      </div>
    );
  };

  return (
    <section aria-labelledby="publish-title">
      <h2 id="publish-title">{t('publishTitle')}</h2>
      <form noValidate onSubmit={(e) => { e.preventDefault(); void submit(); }} className="publish">
        {count > 0 && (
          <div className="error" role="alert">
            <p>{t('fixErrors', { n: count })}</p>
            {formErrors.length > 0 && <ul>{formErrors.map((m) => <li key={m}>{m}</li>)}</ul>}
          </div>
        )}
        {result && (
          <div className="success" role="status">
            {result.status === 'COMMITTED'
              ? t('publishedOk', { tx: `${(result.transactionId ?? '').slice(0, 16)}…`, block: result.blockNumber ?? '' })
              : t('queuedOk', { id: result.outboxId ?? '' })}
            {' '}{result.ids[0] && <Link href={threatPath(result.ids[0])}>{t('openPublished')}</Link>}
          </div>
        )}
        <fieldset>
          <legend>{t('kind')}</legend>
          <label className="inline"><input type="radio" name="kind" checked={form.kind === 'alert'} onChange={() => set('kind', 'alert')} /> {t('kindAlert')}</label>
          <label className="inline"><input type="radio" name="kind" checked={form.kind === 'indicator'} onChange={() => set('kind', 'indicator')} /> {t('kindIndicator')}</label>
        </fieldset>
        <div className="grid">
          {field('name', t('name'), (p) => <input {...p} name="name" value={form.name} onChange={(e) => set('name', e.target.value)} />)}
          {form.kind === 'indicator' && field('pattern', t('pattern'), (p) => <input {...p} name="pattern" value={form.pattern} placeholder={t('patternPlaceholder')} onChange={(e) => set('pattern', e.target.value)} />)}
          {field('category', t('category'), (p) => (
            <select {...p} name="category" value={form.category} onChange={(e) => set('category', e.target.value)}>
              {ALERT_CATEGORIES.map((c) => <option key={c} value={c}>{tk(`cat_${c}`, c)}</option>)}
            </select>))}
          {field('severity', t('severity'), (p) => (
            <select {...p} name="severity" value={form.severity} onChange={(e) => set('severity', e.target.value)}>
              {ALERT_SEVERITIES.map((s) => <option key={s} value={s}>{tk(`sev_${s}`, s)}</option>)}
            </select>))}
          {field('venue', t('venue'), (p) => <input {...p} name="venue" value={form.venue} onChange={(e) => set('venue', e.target.value)} />)}
          {field('eventName', t('eventName'), (p) => <input {...p} name="eventName" value={form.eventName} onChange={(e) => set('eventName', e.target.value)} />)}
          {field('sensorKind', t('sensorKindLabel'), (p) => (
            <select {...p} name="sensorKind" value={form.sensorKind} onChange={(e) => set('sensorKind', e.target.value)}>
              {SENSORS.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>))}
          {field('confidence', `${t('confidence')} (%)`, (p) => <input {...p} name="confidence" inputMode="numeric" value={form.confidence} onChange={(e) => set('confidence', e.target.value)} />)}
          {field('expires', t('expiresIn'), (p) => <input {...p} name="expires" inputMode="numeric" value={form.expires} onChange={(e) => set('expires', e.target.value)} />)}
        </div>
        {field('guidance', t('guidance'), (p) => <textarea {...p} name="guidance" rows={3} value={form.guidance} onChange={(e) => set('guidance', e.target.value)} />)}
        {field('description', t('description'), (p) => <textarea {...p} name="description" rows={2} value={form.description} onChange={(e) => set('description', e.target.value)} />)}
        <fieldset>
          <legend>{t('area')}</legend>
          <p className="hint">{t('areaHelp')}</p>
          <MapView features={[...baseFeatures, ...draft]} fit={fit} label={t('area')} height={320}
            onPick={([plon, plat]) => setForm((f) => ({ ...f, latitude: plat.toFixed(5), longitude: plon.toFixed(5) }))} />
          <MapLegend kinds={['territory', 'venue', 'draft']} />
          <div className="grid">
            {field('latitude', t('latitude'), (p) => <input {...p} name="latitude" inputMode="decimal" value={form.latitude} onChange={(e) => set('latitude', e.target.value)} />)}
            {field('longitude', t('longitude'), (p) => <input {...p} name="longitude" inputMode="decimal" value={form.longitude} onChange={(e) => set('longitude', e.target.value)} />)}
            {field('radius', t('radius'), (p) => <input {...p} name="radius" inputMode="numeric" value={form.radius} onChange={(e) => set('radius', e.target.value)} />)}
          </div>
        </fieldset>
        <fieldset>
          <legend>{t('tlp')} · {t('recipients')}</legend>
          {field('tlp', t('tlp'), (p) => (
            <select {...p} name="tlp" value={form.tlp} onChange={(e) => set('tlp', e.target.value as TlpLevel)}>
              {TLPS.map((l) => <option key={l} value={l}>TLP:{l.toUpperCase()}</option>)}
            </select>), t('tlpHint'))}
          <div className={`field${errors.recipients ? ' invalid' : ''}`} role="group" aria-labelledby={`${id}-recipients-l`} id={`${id}-recipients`} tabIndex={-1}>
            <span id={`${id}-recipients-l`} className="label">{t('recipients')}</span>
            <small>{t('recipientsHint')}</small>
            {agencies.filter((a) => a.key !== agency.key).map((a) => (
              <label key={a.key} className="inline">
                <input type="checkbox" name="recipients" value={a.key} checked={form.recipients.includes(a.identityId)}
                  onChange={(e) => set('recipients', e.target.checked ? [...form.recipients, a.identityId] : form.recipients.filter((r) => r !== a.identityId))} />
                {' '}{a.name}
              </label>
            ))}
            {errors.recipients && <p className="field-error" data-field="recipients">{errors.recipients.join(' ')}</p>}
          </div>
        </fieldset>
        <button type="submit" disabled={busy}>{busy ? t('publishing') : t('publishButton')}</button>
      </form>
    </section>
  );
}
