/**
 * Drone tracks from decoded Remote ID messages. Messages arrive per transmitter (a MAC address): on Bluetooth 4
 * each advertisement holds a single message, so a Location can come before the Basic ID that names the drone.
 * A track is keyed by the drone's identity (serial number, session id, …) once a Basic ID is heard, and by
 * `tx:<mac>` until then; when the identity arrives, the provisional track takes its name, or joins the track that
 * already has it (the same drone heard on Wi-Fi and Bluetooth with two MAC addresses).
 */
import {
  AUTH_TYPES, CLASSIFICATION_TYPES, DESCRIPTION_TYPES, EU_CATEGORIES, EU_CLASSES, HORIZONTAL_ACCURACY_M, ID_TYPES,
  OPERATIONAL_STATUSES, OPERATOR_LOCATION_TYPES, UA_TYPES, labelOf, type RemoteIdMessage,
} from './messages.js';
import type { Transport } from './transport.js';

export interface OperatorState {
  /** Operator ID (e.g. EU operator registration number). */
  id?: string;
  latitude?: number;
  longitude?: number;
  altitudeM?: number;
  /** takeoff | live-gnss | fixed */
  locationType?: string;
}

export interface AuthenticationState {
  type: string;
  lastPageIndex?: number;
  length?: number;
  timestamp?: string;
  pagesReceived: number;
  /** All pages 0..lastPageIndex received. */
  complete: boolean;
  /** The authentication data (the first `length` bytes of the pages), when complete. */
  dataHex?: string;
}

/** What is known of one drone; positions are the last decoded. */
export interface DroneTrack {
  /** The drone's identity when known (`uasId`), else `tx:<mac>` of its transmitter. */
  id: string;
  uasId?: string;
  /** serial-number | caa-registration | utm-uuid | specific-session | … */
  idType?: string;
  uaType?: string;
  /** Further identities sent in other Basic ID messages (F3411-22a allows two). */
  otherIds: { idType: string; uasId: string }[];
  transmitters: string[];
  transports: Transport[];
  protocolVersion?: number;
  status?: string;
  latitude?: number;
  longitude?: number;
  geodeticAltitudeM?: number;
  pressureAltitudeM?: number;
  heightM?: number;
  heightType?: 'takeoff' | 'ground';
  speedMps?: number;
  verticalSpeedMps?: number;
  headingDeg?: number;
  /** Bound of the horizontal position error, metres. */
  horizontalAccuracyM?: number;
  /** Seconds after the hour of the last Location message. */
  locationTimestampS?: number;
  selfId?: { type: string; description: string };
  operator: OperatorState;
  classification?: { type: string; categoryEu?: string; classEu?: string };
  /** Group operations (System message): number of aircraft and the area they fly in. */
  area?: { count: number; radiusM: number; ceilingM?: number; floorM?: number };
  systemTimestamp?: string;
  authentication?: AuthenticationState;
  /** ISO 8601 UTC of the first and last frame heard. */
  firstSeen: string;
  lastSeen: string;
  frames: number;
  messages: number;
  /** Frames whose position changed the track (Location messages with a position). */
  positions: number;
}

interface TrackState {
  /** Stable for the life of the track, whatever its id becomes (incursions follow it). */
  uid: number;
  track: DroneTrack;
  authPages: Map<number, string>;
  lastSeenMs: number;
}

export interface TrackUpdate {
  track: DroneTrack;
  uid: number;
  /** The frame carried a Location message with a position. */
  moved: boolean;
}

const ID_PREFERENCE = [1, 4, 3, 2]; // serial, session id, UTM UUID, CAA registration

function setOrDelete<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v === undefined) delete o[k];
  else o[k] = v;
}

export class DroneTracker {
  private readonly byTransmitter = new Map<string, TrackState>();
  private readonly byId = new Map<string, TrackState>();
  private readonly byUid = new Map<number, TrackState>();
  private nextUid = 1;

  /** Applies the messages of one frame from `transmitter`, heard at `timeMs`. */
  update(transmitter: string, transport: Transport, messages: readonly RemoteIdMessage[], timeMs: number): TrackUpdate {
    const state = this.resolve(transmitter, messages, timeMs);
    const t = state.track;
    const iso = Number.isFinite(timeMs) ? new Date(timeMs).toISOString() : t.lastSeen;
    t.lastSeen = iso;
    state.lastSeenMs = timeMs;
    t.frames++;
    t.messages += messages.length;
    if (!t.transports.includes(transport)) t.transports.push(transport);
    let moved = false;
    for (const m of messages) {
      t.protocolVersion = m.protocolVersion;
      switch (m.type) {
        case 'basic-id': {
          const idType = labelOf(ID_TYPES, m.idType);
          if (m.uasId === '' || m.uasId === t.uasId) {
            if (m.uasId === t.uasId) t.uaType = labelOf(UA_TYPES, m.uaType);
            break;
          }
          if (t.uasId === undefined && (t.id.startsWith('tx:') || t.id === m.uasId)) {
            t.uasId = m.uasId;
            t.idType = idType;
            t.uaType = labelOf(UA_TYPES, m.uaType);
          } else if (!t.otherIds.some((o) => o.uasId === m.uasId)) {
            t.otherIds.push({ idType, uasId: m.uasId });
          }
          break;
        }
        case 'location':
          t.status = labelOf(OPERATIONAL_STATUSES, m.status);
          t.heightType = m.heightType;
          setOrDelete(t, 'headingDeg', m.directionDeg);
          setOrDelete(t, 'speedMps', m.speedMps);
          setOrDelete(t, 'verticalSpeedMps', m.verticalSpeedMps);
          setOrDelete(t, 'geodeticAltitudeM', m.geodeticAltitudeM);
          setOrDelete(t, 'pressureAltitudeM', m.pressureAltitudeM);
          setOrDelete(t, 'heightM', m.heightM);
          setOrDelete(t, 'horizontalAccuracyM', m.horizontalAccuracy > 0 ? HORIZONTAL_ACCURACY_M[m.horizontalAccuracy] : undefined);
          setOrDelete(t, 'locationTimestampS', m.timestampS);
          if (m.latitude !== undefined && m.longitude !== undefined) {
            t.latitude = m.latitude;
            t.longitude = m.longitude;
            t.positions++;
            moved = true;
          }
          break;
        case 'auth':
          this.applyAuth(state, m);
          break;
        case 'self-id':
          t.selfId = { type: labelOf(DESCRIPTION_TYPES, m.descriptionType), description: m.description };
          break;
        case 'system': {
          const op = t.operator;
          op.locationType = labelOf(OPERATOR_LOCATION_TYPES, m.operatorLocationType);
          setOrDelete(op, 'latitude', m.operatorLatitude);
          setOrDelete(op, 'longitude', m.operatorLongitude);
          setOrDelete(op, 'altitudeM', m.operatorAltitudeM);
          const c: NonNullable<DroneTrack['classification']> = { type: labelOf(CLASSIFICATION_TYPES, m.classificationType) };
          if (m.categoryEu !== undefined) c.categoryEu = labelOf(EU_CATEGORIES, m.categoryEu);
          if (m.classEu !== undefined) c.classEu = labelOf(EU_CLASSES, m.classEu);
          t.classification = c;
          const area: NonNullable<DroneTrack['area']> = { count: m.areaCount, radiusM: m.areaRadiusM };
          if (m.areaCeilingM !== undefined) area.ceilingM = m.areaCeilingM;
          if (m.areaFloorM !== undefined) area.floorM = m.areaFloorM;
          t.area = area;
          setOrDelete(t, 'systemTimestamp', m.timestamp);
          break;
        }
        case 'operator-id':
          if (m.operatorId !== '') t.operator.id = m.operatorId;
          break;
      }
    }
    return { track: t, uid: state.uid, moved };
  }

  /** The track with this uid, while it lasts (a track merged into another is gone). */
  track(uid: number): DroneTrack | undefined {
    return this.byUid.get(uid)?.track;
  }

  /** Every track, most recently heard first. */
  tracks(): DroneTrack[] {
    return [...new Set(this.byTransmitter.values())].sort((a, b) => b.lastSeenMs - a.lastSeenMs).map((s) => s.track);
  }

  /** Forgets tracks not heard since `beforeMs`; returns them. */
  expire(beforeMs: number): DroneTrack[] {
    const gone: DroneTrack[] = [];
    for (const s of new Set(this.byTransmitter.values())) {
      if (s.lastSeenMs >= beforeMs) continue;
      gone.push(s.track);
      this.byUid.delete(s.uid);
      for (const tx of s.track.transmitters) this.byTransmitter.delete(tx);
      if (this.byId.get(s.track.id) === s) this.byId.delete(s.track.id);
    }
    return gone;
  }

  private resolve(transmitter: string, messages: readonly RemoteIdMessage[], timeMs: number): TrackState {
    let best: string | undefined;
    let bestRank = Infinity;
    for (const m of messages) {
      if (m.type !== 'basic-id' || m.uasId === '') continue;
      const rank = ID_PREFERENCE.indexOf(m.idType);
      const r = rank < 0 ? ID_PREFERENCE.length : rank;
      if (r < bestRank) {
        best = m.uasId;
        bestRank = r;
      }
    }
    const current = this.byTransmitter.get(transmitter);
    if (current) {
      if (best === undefined || current.track.uasId !== undefined) return current;
      const named = this.byId.get(best);
      if (named && named !== current) return this.merge(current, named);
      this.byId.delete(current.track.id);
      current.track.id = best;
      this.byId.set(best, current);
      return current;
    }
    const named = best !== undefined ? this.byId.get(best) : undefined;
    if (named) {
      named.track.transmitters.push(transmitter);
      this.byTransmitter.set(transmitter, named);
      return named;
    }
    const iso = Number.isFinite(timeMs) ? new Date(timeMs).toISOString() : new Date(0).toISOString();
    const state: TrackState = {
      uid: this.nextUid++, authPages: new Map(), lastSeenMs: timeMs,
      track: {
        id: best ?? `tx:${transmitter}`, otherIds: [], transmitters: [transmitter], transports: [], operator: {},
        firstSeen: iso, lastSeen: iso, frames: 0, messages: 0, positions: 0,
      },
    };
    this.byTransmitter.set(transmitter, state);
    this.byId.set(state.track.id, state);
    this.byUid.set(state.uid, state);
    return state;
  }

  /** Folds the provisional track `from` into the named track `into`, keeping the newer state. */
  private merge(from: TrackState, into: TrackState): TrackState {
    const a = from.track;
    const b = into.track;
    for (const tx of a.transmitters) {
      if (!b.transmitters.includes(tx)) b.transmitters.push(tx);
      this.byTransmitter.set(tx, into);
    }
    for (const tr of a.transports) if (!b.transports.includes(tr)) b.transports.push(tr);
    if (a.latitude !== undefined && from.lastSeenMs >= into.lastSeenMs) {
      for (const k of ['latitude', 'longitude', 'geodeticAltitudeM', 'pressureAltitudeM', 'heightM', 'heightType', 'speedMps', 'verticalSpeedMps', 'headingDeg', 'horizontalAccuracyM', 'locationTimestampS', 'status'] as const) {
        setOrDelete(b, k, a[k] as never);
      }
    }
    b.operator = { ...a.operator, ...b.operator };
    b.frames += a.frames;
    b.messages += a.messages;
    b.positions += a.positions;
    if (a.firstSeen < b.firstSeen) b.firstSeen = a.firstSeen;
    this.byId.delete(a.id);
    this.byUid.delete(from.uid);
    return into;
  }

  private applyAuth(state: TrackState, m: Extract<RemoteIdMessage, { type: 'auth' }>): void {
    const t = state.track;
    if (m.page === 0) {
      const prev = t.authentication;
      if (prev && (prev.timestamp !== m.timestamp || prev.length !== m.length || prev.type !== labelOf(AUTH_TYPES, m.authType))) state.authPages.clear();
      const a: AuthenticationState = { type: labelOf(AUTH_TYPES, m.authType), pagesReceived: 0, complete: false };
      if (m.lastPageIndex !== undefined) a.lastPageIndex = m.lastPageIndex;
      if (m.length !== undefined) a.length = m.length;
      if (m.timestamp !== undefined) a.timestamp = m.timestamp;
      t.authentication = a;
    }
    state.authPages.set(m.page, m.dataHex);
    const a = t.authentication;
    if (!a) return;
    a.pagesReceived = state.authPages.size;
    const last = a.lastPageIndex ?? 0;
    let all = '';
    for (let p = 0; p <= last; p++) {
      const page = state.authPages.get(p);
      if (page === undefined) {
        a.complete = false;
        delete a.dataHex;
        return;
      }
      all += page;
    }
    a.complete = true;
    a.dataHex = all.slice(0, (a.length ?? all.length / 2) * 2);
  }
}
