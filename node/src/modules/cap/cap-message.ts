/**
 * A POP-ART alert (a STIX object carrying the public-space alert extension) as an OASIS CAP 1.2 message
 * (urn:oasis:names:tc:emergency:cap:1.2). The mapping is documented in docs/cap.md.
 *
 * The message is built from the object as the egress gate released it to the reader: a property the policy removed
 * is absent from the message too, coarsened coordinates stay coarsened. Each version of an alert (its `modified`) is
 * one message with a stable identifier; a later version is an Update and a revoked one a Cancel, both referencing the
 * earlier versions' messages.
 */
import { ALERT_EXTENSION_ID, tlpOf, type StixObject } from '@popart/schemas';
import { parentElement, textElement, XML_DECLARATION } from './xml.js';

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';
/** The media type of a CAP message (Atom entries, webhook bodies, GET /cap/alerts/{id}.xml). */
export const CAP_MEDIA_TYPE = 'application/cap+xml';

export type CapStatus = 'Actual' | 'Exercise';
export type CapMsgType = 'Alert' | 'Update' | 'Cancel';

/** Who sends and how: the context a message is written in. */
export interface CapContext {
  /** The publishing agency's STIX identity id (no spaces or commas, as CAP requires of `sender`). */
  sender: string;
  /** The publishing agency's name (`senderName`). */
  senderName: string;
  /** The node's exercise flag (config `cap.exercise`): every message is then an Exercise. */
  exercise: boolean;
  /** RFC 3066 language of the alert's text (config `cap.language`). */
  language: string;
  /** `modified` of every version of the alert the node holds (this one may be among them). */
  versions: readonly string[];
  /** Where this message can be fetched (the `web` element), when known. */
  web?: string;
}

export interface CapMessage {
  identifier: string;
  sent: string;
  msgType: CapMsgType;
  status: CapStatus;
  /** The `<alert>` element, without the XML declaration (for embedding in an Atom entry). */
  element: string;
  /** The whole XML document. */
  document: string;
}

/** The CAP category of each alert category. */
export const CAP_CATEGORY: Record<string, string> = {
  drone: 'Security', gunshot: 'Security', explosion: 'CBRNE', 'crowd-density': 'Safety', 'crowd-dispersal': 'Safety',
  loitering: 'Security', intrusion: 'Security', 'vehicle-in-pedestrian-zone': 'Security', violence: 'Security', other: 'Other',
};

/** The CAP `event` text of each alert category. */
export const CAP_EVENT: Record<string, string> = {
  drone: 'Unauthorised drone', gunshot: 'Gunshot', explosion: 'Explosion', 'crowd-density': 'Dangerous crowd density',
  'crowd-dispersal': 'Sudden crowd dispersal', loitering: 'Loitering', intrusion: 'Intrusion into a restricted area',
  'vehicle-in-pedestrian-zone': 'Vehicle in a pedestrian zone', violence: 'Violence', other: 'Public-space alert',
};

/** The CAP severity of each alert severity. */
export const CAP_SEVERITY: Record<string, string> = { critical: 'Extreme', high: 'Severe', medium: 'Moderate', low: 'Minor' };

/** The CAP urgency of each alert severity (a cancellation is Past). */
export const CAP_URGENCY: Record<string, string> = { critical: 'Immediate', high: 'Immediate', medium: 'Expected', low: 'Expected' };

/** The CAP certainty of a detection confidence (0–100). */
export function capCertainty(confidence: unknown): string {
  if (typeof confidence !== 'number' || !Number.isFinite(confidence)) return 'Unknown';
  if (confidence >= 90) return 'Observed';
  if (confidence > 50) return 'Likely';
  if (confidence > 0) return 'Possible';
  return 'Unlikely';
}

/** A STIX timestamp as a CAP dateTime: whole seconds, UTC written "-00:00" (CAP 1.2 forbids "Z"). */
export function capTime(timestamp: string): string {
  return `${new Date(timestamp).toISOString().slice(0, 19)}-00:00`;
}

/** The identifier of one version of an alert: its STIX id and `modified`, stable for that version. */
export function capIdentifier(stixId: string, modified: string): string {
  return `${stixId}/${modified}`;
}

/** Whether the alert is an exercise: the node says so, or the object is labelled "exercise". */
export function capStatus(stix: StixObject, exercise: boolean): CapStatus {
  return exercise || (Array.isArray(stix.labels) && stix.labels.includes('exercise')) ? 'Exercise' : 'Actual';
}

/** A coordinate as CAP writes it: decimal degrees (at most 6 decimals, about 0.1 m), never in exponent form. */
function degrees(value: number): string {
  return String(Number(value.toFixed(6)) + 0).replace(/^-0$/, '0');
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The CAP shape of the alert's area as released (circle "lat,lon radius_km", polygon "lat,lon …"), if it has one. */
export function capShape(area: unknown): { circle: string } | { polygon: string } | undefined {
  if (!area || typeof area !== 'object') return undefined;
  const a = area as Record<string, unknown>;
  const lat = num(a.latitude);
  const lon = num(a.longitude);
  const radius = num(a.radius_m);
  if (a.shape === 'circle' && lat !== undefined && lon !== undefined && radius !== undefined) {
    return { circle: `${degrees(lat)},${degrees(lon)} ${String(Number((radius / 1000).toFixed(3)))}` };
  }
  if (a.shape === 'polygon' && Array.isArray(a.vertices) && a.vertices.length >= 4) {
    const pairs = a.vertices.map((v: unknown) => (Array.isArray(v) && num(v[0]) !== undefined && num(v[1]) !== undefined ? `${degrees(v[1] as number)},${degrees(v[0] as number)}` : null));
    if (pairs.every((p): p is string => p !== null)) return { polygon: pairs.join(' ') };
  }
  return undefined;
}

const TLP_RESTRICTION: Record<string, string> = {
  green: 'TLP:GREEN: within the receiving organisations and their community, not publicly',
  amber: 'TLP:AMBER: only within the receiving organisation, on a need-to-know basis',
  'amber+strict': 'TLP:AMBER+STRICT: only within the receiving organisation',
  red: 'TLP:RED: only for the individual recipient, no further disclosure',
};

/** The CAP message of the alert `stix` (as released to its reader) in the given context. */
export function capMessage(stix: StixObject, ctx: CapContext): CapMessage {
  const ext = (stix.extensions?.[ALERT_EXTENSION_ID] ?? {}) as Record<string, unknown>;
  const modified = str(stix.modified) ?? str(stix.created) ?? new Date(0).toISOString();
  const identifier = capIdentifier(stix.id, modified);
  const sent = capTime(modified);
  const earlier = [...new Set(ctx.versions)].filter((v) => Date.parse(v) < Date.parse(modified)).sort((a, b) => Date.parse(a) - Date.parse(b));
  const msgType: CapMsgType = stix.revoked === true ? 'Cancel' : earlier.length > 0 ? 'Update' : 'Alert';
  const status = capStatus(stix, ctx.exercise);
  const tlp = tlpOf(stix) ?? null;
  const category = str(ext.category) ?? 'other';
  const severity = str(ext.severity);
  const event = CAP_EVENT[category] ?? CAP_EVENT.other as string;
  const venue = str(ext.venue);
  const eventName = str(ext.event_name);

  const alert: string[] = [
    textElement('identifier', identifier, 1),
    textElement('sender', ctx.sender, 1),
    textElement('sent', sent, 1),
    textElement('status', status, 1),
    textElement('msgType', msgType, 1),
    textElement('scope', tlp === 'clear' ? 'Public' : 'Restricted', 1),
  ];
  if (tlp !== 'clear') alert.push(textElement('restriction', TLP_RESTRICTION[tlp ?? 'amber'] ?? (TLP_RESTRICTION.amber as string), 1));
  if (msgType !== 'Alert' && earlier.length > 0) alert.push(textElement('references', earlier.map((v) => `${ctx.sender},${capIdentifier(stix.id, v)},${capTime(v)}`).join(' '), 1));
  alert.push(textElement('incidents', stix.id, 1));

  const info: string[] = [
    textElement('language', ctx.language, 2),
    textElement('category', CAP_CATEGORY[category] ?? 'Other', 2),
    textElement('event', event, 2),
    textElement('urgency', msgType === 'Cancel' ? 'Past' : (severity && CAP_URGENCY[severity]) || 'Unknown', 2),
    textElement('severity', (severity && CAP_SEVERITY[severity]) || 'Unknown', 2),
    textElement('certainty', capCertainty(ext.detection_confidence), 2),
    parentElement('eventCode', [textElement('valueName', 'POPART:category', 3), textElement('value', category, 3)], 2),
  ];
  const expires = str(ext.expires);
  if (expires && !Number.isNaN(Date.parse(expires))) info.push(textElement('expires', capTime(expires), 2));
  info.push(textElement('senderName', ctx.senderName, 2));
  const place = [eventName, venue].filter(Boolean).join(', ');
  info.push(textElement('headline', (str(stix.name) ?? `${event}${place ? `: ${place}` : ''}`).slice(0, 160), 2));
  const description = str(stix.description)
    ?? `${event}${place ? ` at ${place}` : ''}${str(ext.sensor_kind) ? `, detected by ${String(ext.sensor_kind)}` : ''}` +
      `${num(ext.detection_confidence) !== undefined ? ` with ${String(ext.detection_confidence)}% confidence` : ''}.`;
  info.push(textElement('description', description, 2));
  const guidance = str(ext.guidance);
  if (guidance) info.push(textElement('instruction', guidance, 2));
  if (ctx.web) info.push(textElement('web', ctx.web, 2));
  const parameters: [string, unknown][] = [
    ['POPART:tlp', tlp ?? 'unmarked'], ['POPART:venue', venue], ['POPART:event_name', eventName], ['POPART:sensor_kind', str(ext.sensor_kind)],
    ['POPART:detection_confidence', num(ext.detection_confidence)],
  ];
  for (const [name, value] of parameters) {
    if (value !== undefined) info.push(parentElement('parameter', [textElement('valueName', name, 3), textElement('value', String(value), 3)], 2));
  }
  const shape = capShape(ext.area);
  if (shape || venue) {
    const area = [textElement('areaDesc', place || 'Area of the alert', 3)];
    if (shape && 'polygon' in shape) area.push(textElement('polygon', shape.polygon, 3));
    if (shape && 'circle' in shape) area.push(textElement('circle', shape.circle, 3));
    info.push(parentElement('area', area, 2));
  }
  alert.push(parentElement('info', info, 1));

  const element = parentElement('alert', alert, 0, { xmlns: CAP_NAMESPACE });
  return { identifier, sent, msgType, status, element, document: `${XML_DECLARATION}\n${element}\n` };
}
