/**
 * Which form field a validation issue belongs to. The node (and @popart/schemas, which the portal
 * runs before sending) name each problem by its property path inside the STIX object, e.g.
 * `extensions.extension-definition--….area.radius_m`; the form shows it next to that field.
 * Pure: no DOM, so the node's own error answers can be checked against it in tests.
 */
export type FieldName =
  | 'name' | 'description' | 'pattern' | 'category' | 'severity' | 'venue' | 'eventName' | 'guidance' | 'expires'
  | 'latitude' | 'longitude' | 'radius' | 'tlp' | 'recipients' | 'confidence' | 'sensorKind';

export interface IssueLike { property: string; message: string }

const EXTENSION = /^extensions\.[^.]+\./;

const BY_PATH: Record<string, FieldName> = {
  name: 'name',
  description: 'description',
  pattern: 'pattern',
  pattern_type: 'pattern',
  valid_until: 'expires',
  valid_from: 'expires',
  object_marking_refs: 'tlp',
  category: 'category',
  severity: 'severity',
  venue: 'venue',
  event_name: 'eventName',
  guidance: 'guidance',
  expires: 'expires',
  detection_confidence: 'confidence',
  sensor_kind: 'sensorKind',
  'area.latitude': 'latitude',
  'area.longitude': 'longitude',
  'area.radius_m': 'radius',
  area: 'latitude',
  audience_refs: 'recipients',
};

/** The field an issue's property path points at, or null when it concerns the whole bundle/object. */
export function fieldOf(property: string): FieldName | null {
  const inner = property.replace(EXTENSION, '').replace(/\[\d+\]/g, '');
  return BY_PATH[inner] ?? null;
}

/** Issues grouped by field; those that fit no field go under `form`. */
export function issuesByField(issues: readonly IssueLike[]): { fields: Partial<Record<FieldName, string[]>>; form: string[] } {
  const fields: Partial<Record<FieldName, string[]>> = {};
  const form: string[] = [];
  for (const i of issues) {
    const f = fieldOf(i.property);
    if (f) (fields[f] ??= []).push(i.message);
    else form.push(i.property ? `${i.property}: ${i.message}` : i.message);
  }
  return { fields, form };
}
