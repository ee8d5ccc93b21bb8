/** STIX objects and bundles the node tests publish (generated here; no outside files needed). */
import { randomUUID } from 'node:crypto';
import { ALERT_EXTENSION_ID, tlpMarkingRef, type TlpLevel } from '@popart/schemas';

export const IDENTITIES = {
  pn: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01',
  pj: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02',
  mad: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a03',
  crm: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a04',
};

export interface AlertOptions {
  by: string;
  name?: string;
  tlp?: TlpLevel;
  audience?: string[];
  category?: string;
  severity?: string;
  modified?: string;
  created?: string;
  id?: string;
}

export function alert(o: AlertOptions): Record<string, unknown> {
  const created = o.created ?? new Date().toISOString();
  return {
    type: 'incident', spec_version: '2.1', id: o.id ?? `incident--${randomUUID()}`, created, modified: o.modified ?? created,
    created_by_ref: o.by, name: o.name ?? 'Drone over the fan zone',
    object_marking_refs: [tlpMarkingRef(o.tlp ?? 'green')],
    extensions: {
      [ALERT_EXTENSION_ID]: {
        extension_type: 'property-extension',
        category: o.category ?? 'drone',
        severity: o.severity ?? 'high',
        detection_confidence: 80,
        area: { shape: 'circle', latitude: 40.4168, longitude: -3.7038, radius_m: 300 },
        sensor_kind: 'remote-id',
        venue: 'Puerta del Sol fan zone',
        expires: new Date(Date.parse(created) + 3_600_000).toISOString(),
        guidance: 'Keep the crowd away from the landing point; report the pilot position.',
        ...(o.audience ? { audience_refs: o.audience } : {}),
      },
    },
  };
}

export function indicator(by: string, name = 'Drone controller MAC', tlp: TlpLevel = 'green'): Record<string, unknown> {
  const t = new Date().toISOString();
  return {
    type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t, modified: t, created_by_ref: by,
    name, indicator_types: ['anomalous-activity'], pattern: "[mac-addr:value = '60:60:1f:00:00:01']", pattern_type: 'stix', valid_from: t,
    object_marking_refs: [tlpMarkingRef(tlp)],
  };
}

export function bundle(...objects: Record<string, unknown>[]): Record<string, unknown> {
  return { type: 'bundle', id: `bundle--${randomUUID()}`, objects };
}
