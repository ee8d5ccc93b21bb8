/** A STIX object rendered for people: the properties that matter for its type, in the user's language. */
import type { ReactNode } from 'react';
import type { Agency } from '../api/queries.js';
import { useI18n } from '../i18n/i18n.js';
import { alertOf } from '../map/geo.js';
import { pilotOf, trackOf } from '../map/remote-id.js';
import { Link, threatPath } from '../router.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function Row({ label, children }: { label: string; children: ReactNode }) {
  if (children === undefined || children === null || children === '') return null;
  return <><dt>{label}</dt><dd>{children}</dd></>;
}

export function RefLink({ id, agencies }: { id: string; agencies: readonly Agency[] }) {
  const agency = agencies.find((a) => a.identityId === id);
  if (agency) return <span>{agency.name}</span>;
  if (id.startsWith('marking-definition--') || id.startsWith('extension-definition--')) return <code>{id}</code>;
  return <Link href={threatPath(id)}><code>{id}</code></Link>;
}

export function StixView({ stix, agencies }: { stix: Record<string, unknown>; agencies: readonly Agency[] }) {
  const { t, tk, dateTime, number, distance } = useI18n();
  const alert = alertOf(stix);
  const type = str(stix.type);
  const when = (v: unknown): string | undefined => (str(v) ? dateTime(str(v) as string) : undefined);
  const track = trackOf(stix);
  const pilot = pilotOf(stix);
  const area = alert?.area;
  return (
    <>
      {str(stix.description) && <p className="description">{str(stix.description)}</p>}
      {alert && (
        <section aria-labelledby="alert-h" className="alert-box">
          <h3 id="alert-h">{t('alertDetails')}</h3>
          {alert.guidance && <p className="guidance"><strong>{t('guidance')}:</strong> {alert.guidance}</p>}
          <dl>
            <Row label={t('category')}>{alert.category ? tk(`cat_${alert.category}`, alert.category) : undefined}</Row>
            <Row label={t('severity')}>{alert.severity ? tk(`sev_${alert.severity}`, alert.severity) : undefined}</Row>
            <Row label={t('confidence')}>{typeof alert.detection_confidence === 'number' ? `${number(alert.detection_confidence)} %` : undefined}</Row>
            <Row label={t('venue')}>{alert.venue}</Row>
            <Row label={t('eventName')}>{alert.event_name}</Row>
            <Row label={t('sensorKind')}>{alert.sensor_kind}</Row>
            <Row label={t('area')}>{area?.shape === 'circle'
              ? t('circleArea', { radius: distance(area.radius_m), lat: number(area.latitude, 5), lon: number(area.longitude, 5) })
              : area?.shape === 'polygon' ? t('polygonArea', { n: area.vertices.length - 1 }) : undefined}</Row>
            <Row label={t('expires')}>{alert.expires ? `${dateTime(alert.expires)}${Date.parse(alert.expires) < Date.now() ? ` (${t('expired')})` : ''}` : undefined}</Row>
            <Row label={t('recipients')}>{alert.audience_refs?.length
              ? alert.audience_refs.map((r, i) => <span key={r}>{i > 0 && ', '}<RefLink id={r} agencies={agencies} /></span>) : undefined}</Row>
          </dl>
        </section>
      )}
      <dl>
        {type === 'indicator' && (
          <>
            <Row label={t('pattern')}>{str(stix.pattern) && <code>{str(stix.pattern)}</code>}</Row>
            <Row label={t('validFrom')}>{when(stix.valid_from)}</Row>
            <Row label={t('validUntil')}>{when(stix.valid_until)}</Row>
          </>
        )}
        {type === 'sighting' && (
          <>
            <Row label={t('sightingOf')}>{str(stix.sighting_of_ref) && <RefLink id={str(stix.sighting_of_ref) as string} agencies={agencies} />}</Row>
            <Row label={t('count')}>{typeof stix.count === 'number' ? number(stix.count) : undefined}</Row>
            <Row label={t('firstSeen')}>{when(stix.first_seen)}</Row>
            <Row label={t('lastSeen')}>{when(stix.last_seen)}</Row>
            <Row label={t('whereSighted')}>{Array.isArray(stix.where_sighted_refs)
              ? (stix.where_sighted_refs as string[]).map((r, i) => <span key={r}>{i > 0 && ', '}<RefLink id={r} agencies={agencies} /></span>) : undefined}</Row>
            <Row label={t('responseStatus')}>{str(stix.x_popart_response_status)
              ? `${tk(`status_${String(stix.x_popart_response_status).replace('-', '_').toUpperCase()}`)} — ${str(stix.x_popart_responder) ?? ''}` : undefined}</Row>
          </>
        )}
        {type === 'location' && (
          <Row label={t('coordinates')}>{typeof stix.latitude === 'number' && typeof stix.longitude === 'number'
            ? `${number(stix.latitude, 5)}, ${number(stix.longitude, 5)}` : undefined}</Row>
        )}
        {type === 'relationship' && (
          <Row label={t('relationship')}>{str(stix.source_ref) && str(stix.target_ref) && (
            <><RefLink id={str(stix.source_ref) as string} agencies={agencies} /> — <em>{str(stix.relationship_type)}</em> → <RefLink id={str(stix.target_ref) as string} agencies={agencies} /></>
          )}</Row>
        )}
        {track.length > 0 && <Row label="Remote ID">{t('remoteIdTrack', { n: track.length })}</Row>}
        {pilot && <Row label="Remote ID">{t('remoteIdPilot', { lat: number(pilot[1], 5), lon: number(pilot[0], 5) })}</Row>}
        <Row label={t('created')}>{when(stix.created)}</Row>
        <Row label={t('modified')}>{when(stix.modified)}</Row>
      </dl>
    </>
  );
}
