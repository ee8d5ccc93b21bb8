/**
 * Operators' responses to alerts (acknowledged, on scene, resolved). Nodes only talk through the
 * ledger, so a response is published by the operator's agency as a STIX `sighting` of the alert,
 * through the normal publish path, and every agency that may see it (the publishing agency among
 * them) reads it back from its own read model:
 *
 *   sighting_of_ref          the alert
 *   where_sighted_refs       the responding agency's identity
 *   first_seen / last_seen   when the operator responded
 *   x_popart_response_status acknowledged | on-scene | resolved
 *   x_popart_responder       the operator's username on the responding agency's node
 *   object_marking_refs      the alert's TLP, or a stricter one the operator chose (never less restricted: it
 *                            reveals the alert's id, the responder and the note); for AMBER,
 *   x_popart_audience_refs   the alert's audience and its publishing agency (publish/referring-marking.ts)
 *
 * Reading responses goes through the egress gate like every other object (sightings of the alert
 * that this user may see).
 */
import { randomUUID } from 'node:crypto';
import { describeIssue, exerciseOf, markedForExercise, tlpOf, validateObject, type StixObject } from '@popart/schemas';
import { InputError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import type { ThreatRow } from '../threat/threat-row.js';
import type { Services } from '../context.js';
import { parseTlpArgument, referringMarking, type ReferringMarking } from '../publish/referring-marking.js';

export const RESPONSE_STATUSES = ['acknowledged', 'on-scene', 'resolved'] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];

export const MAX_NOTE_CHARS = 500;

export interface AlertResponse {
  id: string;
  alertId: string;
  status: ResponseStatus;
  responder: string;
  /** Ledger organisation of the responding agency. */
  agencyMsp: string;
  at: string;
  note: string | null;
  /** The response's TLP level (upper case), e.g. AMBER; null when unmarked. */
  tlp: string | null;
  transactionId: string | null;
  blockNumber: number | null;
}

function argError(property: string, message: string, code: 'INVALID_ARGUMENT' | 'NOT_FOUND' = 'INVALID_ARGUMENT'): InputError {
  return new InputError(code, `${property}: ${message}`, { issues: [{ objectIndex: null, objectId: null, property, message }] });
}

function isStatus(v: unknown): v is ResponseStatus {
  return typeof v === 'string' && (RESPONSE_STATUSES as readonly string[]).includes(v);
}

/** The sighting that records a response (validated). */
export function responseSighting(viewer: Viewer, alertId: string, status: ResponseStatus, now: Date, note: string | null, marking: ReferringMarking): StixObject {
  const t = now.toISOString();
  const obj: Record<string, unknown> = {
    type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: t, modified: t,
    created_by_ref: viewer.agency.identityId, sighting_of_ref: alertId, first_seen: t, last_seen: t, count: 1,
    where_sighted_refs: [viewer.agency.identityId],
    ...marking,
    x_popart_response_status: status,
    x_popart_responder: viewer.username,
  };
  if (note) obj.description = note;
  const checked = validateObject(obj, 0);
  if (!checked.ok) throw new InputError('INVALID_ARGUMENT', `the response is not valid: ${checked.errors.map(describeIssue).join('; ')}`, { issues: checked.errors });
  return checked.value;
}

/** The response a sighting records, or undefined when it is an ordinary sighting. */
export function responseOf(row: ThreatRow): AlertResponse | undefined {
  const s = row.stix;
  if (row.type !== 'sighting' || !isStatus(s.x_popart_response_status) || typeof s.sighting_of_ref !== 'string') return undefined;
  const at = typeof s.last_seen === 'string' ? s.last_seen : row.modified;
  return {
    id: row.id,
    alertId: s.sighting_of_ref,
    status: s.x_popart_response_status,
    responder: typeof s.x_popart_responder === 'string' ? s.x_popart_responder : 'unknown',
    agencyMsp: row.publisherMsp,
    at,
    note: typeof s.description === 'string' ? s.description : null,
    tlp: row.tlp?.toUpperCase() ?? null,
    transactionId: row.txId || null,
    blockNumber: row.blockNumber || null,
  };
}

/** Responses among sightings (already released for the user), oldest first. */
export function responsesAmong(sightings: readonly ThreatRow[]): AlertResponse[] {
  return sightings.map(responseOf).filter((r): r is AlertResponse => r !== undefined).sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/**
 * Publishes the user's response to an alert they can see, as their agency. Refused (nothing
 * published) when the alert is unknown or not visible to them, is not an alert, the note is too long, or
 * `tlp` is less restricted than the alert's marking (without `tlp` the response inherits it).
 */
export async function respondToAlert(services: Services, viewer: Viewer, input: { alertId: string; status: string; note?: string | null; tlp?: string | null }, now = new Date()): Promise<AlertResponse> {
  if (!isStatus(input.status)) throw argError('status', `"${input.status}" is not one of ${RESPONSE_STATUSES.join(', ')}`);
  const chosen = parseTlpArgument(input.tlp);
  const note = input.note?.trim() || null;
  if (note && note.length > MAX_NOTE_CHARS) throw argError('note', `at most ${MAX_NOTE_CHARS} characters, got ${note.length}`);
  const alert = await services.threats.get(viewer, input.alertId, 'operational response to an alert');
  if (!alert) throw argError('alertId', `no alert ${input.alertId} visible to you`, 'NOT_FOUND');
  if (alert.category === null) throw argError('alertId', `${input.alertId} is a ${alert.type}, not an alert (it carries no public-space alert extension)`);
  const marking = referringMarking(alert, (await services.agencies.byMspId(alert.publisherMsp))?.identityId, chosen);
  // A response to an exercise alert belongs to the same exercise: it is shown, and removed, with it.
  const exercise = exerciseOf(alert.stix);
  const response = responseSighting(viewer, input.alertId, input.status, now, note, marking);
  const sighting = exercise === null ? response : markedForExercise(response, exercise);
  const r = await services.publisher.publish(viewer, { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [sighting] });
  return {
    id: sighting.id, alertId: input.alertId, status: input.status, responder: viewer.username, agencyMsp: viewer.agency.mspId,
    at: String(sighting.last_seen), note, tlp: tlpOf(sighting)?.toUpperCase() ?? null, transactionId: r.transactionId, blockNumber: r.blockNumber,
  };
}
