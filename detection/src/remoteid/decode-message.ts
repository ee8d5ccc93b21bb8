/**
 * Decoder of the 25-byte Remote ID messages and of Message Packs (layouts of ASTM F3411-22a §5.4 /
 * EN 4709-002 §6: little-endian fields, header byte = type << 4 | protocol version).
 */
import {
  AUTH_PAGE0_DATA_SIZE, AUTH_PAGE_DATA_SIZE, MESSAGE_SIZE, PACK_MAX_MESSAGES, RID_EPOCH_MS,
  type AuthMessage, type BasicIdMessage, type LocationMessage, type OperatorIdMessage, type RemoteIdMessage,
  type SelfIdMessage, type SystemMessage,
} from './messages.js';
import { reject, type Rejection } from './rejection.js';

export type MessageResult = { ok: true; message: RemoteIdMessage } | { ok: false; rejection: Rejection };

/** The messages of one Remote ID payload (a single message or a pack) and the ones that were rejected. */
export interface PayloadResult {
  messages: RemoteIdMessage[];
  rejections: Rejection[];
  /** True when the payload was a Message Pack (even an empty one). */
  packed: boolean;
}

const u16 = (b: Uint8Array, o: number): number => (b[o] as number) | ((b[o + 1] as number) << 8);
const i32 = (b: Uint8Array, o: number): number =>
  (b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24);
const u32 = (b: Uint8Array, o: number): number => i32(b, o) >>> 0;
const byte = (b: Uint8Array, o: number): number => b[o] as number;

const altitude = (raw: number): number | undefined => (raw === 0 ? undefined : raw * 0.5 - 1000);
const epochSeconds = (s: number): string | undefined => (s === 0 ? undefined : new Date(RID_EPOCH_MS + s * 1000).toISOString());

function hex(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += (b[i] as number).toString(16).padStart(2, '0');
  return s;
}

/** ASCII text of a fixed-size field: up to the first NUL, trailing spaces dropped, control characters as '?'. */
function text(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c === 0) break;
    s += c < 0x20 || c > 0x7e ? '?' : String.fromCharCode(c);
  }
  return s.trimEnd();
}

function uasId(b: Uint8Array, idType: number, from: number): string {
  const to = from + 20;
  let printable = true;
  let end = from;
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) printable = false;
    end = i + 1;
  }
  for (let i = end; i < to; i++) if (b[i] !== 0) printable = false;
  if (printable) return text(b, from, to);
  if (idType === 3 && b[from + 16] === 0 && b[from + 17] === 0 && b[from + 18] === 0 && b[from + 19] === 0) {
    const h = hex(b, from, from + 16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  let last = to;
  while (last > from && b[last - 1] === 0) last--;
  return `0x${hex(b, from, last)}`;
}

type Decoded<T> = { ok: true; message: T } | { ok: false; rejection: Rejection };

function latLon(b: Uint8Array, o: number, what: string): { ok: true; lat?: number; lon?: number } | { ok: false; rejection: Rejection } {
  const latRaw = i32(b, o);
  const lonRaw = i32(b, o + 4);
  if (latRaw === 0 && lonRaw === 0) return { ok: true };
  const lat = latRaw / 1e7;
  const lon = lonRaw / 1e7;
  if (Math.abs(lat) > 90) return { ok: false, rejection: reject('out-of-range', `${what}.latitude: ${lat} is outside ±90`) };
  if (Math.abs(lon) > 180) return { ok: false, rejection: reject('out-of-range', `${what}.longitude: ${lon} is outside ±180`) };
  return { ok: true, lat, lon };
}

function basicId(b: Uint8Array, o: number, protocolVersion: number): Decoded<BasicIdMessage> {
  const idType = byte(b, o + 1) >> 4;
  return { ok: true, message: { type: 'basic-id', protocolVersion, idType, uaType: byte(b, o + 1) & 0x0f, uasId: uasId(b, idType, o + 2) } };
}

function location(b: Uint8Array, o: number, protocolVersion: number): Decoded<LocationMessage> {
  const flags = byte(b, o + 1);
  const m: LocationMessage = {
    type: 'location', protocolVersion, status: flags >> 4, heightType: flags & 0x04 ? 'ground' : 'takeoff',
    horizontalAccuracy: byte(b, o + 19) & 0x0f, verticalAccuracy: byte(b, o + 19) >> 4,
    baroAccuracy: byte(b, o + 20) >> 4, speedAccuracy: byte(b, o + 20) & 0x0f,
  };
  const direction = byte(b, o + 2) + (flags & 0x02 ? 180 : 0);
  if (direction < 360) m.directionDeg = direction;
  else if (direction !== 361) return { ok: false, rejection: reject('out-of-range', `location.direction: ${direction}° is not 0..359 or 361 (unknown)`) };
  const speedRaw = byte(b, o + 3);
  if (flags & 0x01) {
    if (speedRaw !== 255) m.speedMps = speedRaw * 0.75 + 63.75;
  } else m.speedMps = speedRaw * 0.25;
  const vRaw = (byte(b, o + 4) << 24) >> 24;
  if (vRaw !== 126) m.verticalSpeedMps = vRaw * 0.5;
  const pos = latLon(b, o + 5, 'location');
  if (!pos.ok) return pos;
  if (pos.lat !== undefined && pos.lon !== undefined) {
    m.latitude = pos.lat;
    m.longitude = pos.lon;
  }
  const baro = altitude(u16(b, o + 13));
  if (baro !== undefined) m.pressureAltitudeM = baro;
  const geo = altitude(u16(b, o + 15));
  if (geo !== undefined) m.geodeticAltitudeM = geo;
  const height = altitude(u16(b, o + 17));
  if (height !== undefined) m.heightM = height;
  const ts = u16(b, o + 21);
  if (ts !== 0xffff) {
    if (ts > 36000) return { ok: false, rejection: reject('out-of-range', `location.timestamp: ${ts / 10} s is past the hour (max 3600)`) };
    m.timestampS = ts / 10;
  }
  const tsAcc = byte(b, o + 23) & 0x0f;
  if (tsAcc !== 0) m.timestampAccuracyS = tsAcc / 10;
  return { ok: true, message: m };
}

function auth(b: Uint8Array, o: number, protocolVersion: number): Decoded<AuthMessage> {
  const authType = byte(b, o + 1) >> 4;
  const page = byte(b, o + 1) & 0x0f;
  if (page !== 0) {
    return { ok: true, message: { type: 'auth', protocolVersion, authType, page, dataHex: hex(b, o + 2, o + 2 + AUTH_PAGE_DATA_SIZE) } };
  }
  const lastPageIndex = byte(b, o + 2);
  const length = byte(b, o + 3);
  if (lastPageIndex > 15) return { ok: false, rejection: reject('out-of-range', `auth.lastPageIndex: ${lastPageIndex} is past page 15`) };
  const capacity = AUTH_PAGE0_DATA_SIZE + AUTH_PAGE_DATA_SIZE * lastPageIndex;
  if (length > capacity) {
    return { ok: false, rejection: reject('out-of-range', `auth.length: ${length} bytes do not fit in ${lastPageIndex + 1} page(s) (${capacity} bytes)`) };
  }
  const m: AuthMessage = {
    type: 'auth', protocolVersion, authType, page, lastPageIndex, length, dataHex: hex(b, o + 8, o + 8 + AUTH_PAGE0_DATA_SIZE),
  };
  const ts = epochSeconds(u32(b, o + 4));
  if (ts !== undefined) m.timestamp = ts;
  return { ok: true, message: m };
}

function selfId(b: Uint8Array, o: number, protocolVersion: number): Decoded<SelfIdMessage> {
  return { ok: true, message: { type: 'self-id', protocolVersion, descriptionType: byte(b, o + 1), description: text(b, o + 2, o + 25) } };
}

function system(b: Uint8Array, o: number, protocolVersion: number): Decoded<SystemMessage> {
  const flags = byte(b, o + 1);
  const m: SystemMessage = {
    type: 'system', protocolVersion, operatorLocationType: flags & 0x03, classificationType: (flags >> 2) & 0x07,
    areaCount: u16(b, o + 10), areaRadiusM: byte(b, o + 12) * 10,
  };
  const pos = latLon(b, o + 2, 'system.operator');
  if (!pos.ok) return pos;
  if (pos.lat !== undefined && pos.lon !== undefined) {
    m.operatorLatitude = pos.lat;
    m.operatorLongitude = pos.lon;
  }
  const ceiling = altitude(u16(b, o + 13));
  if (ceiling !== undefined) m.areaCeilingM = ceiling;
  const floor = altitude(u16(b, o + 15));
  if (floor !== undefined) m.areaFloorM = floor;
  if (m.classificationType === 1) {
    m.categoryEu = byte(b, o + 17) >> 4;
    m.classEu = byte(b, o + 17) & 0x0f;
  }
  const alt = altitude(u16(b, o + 18));
  if (alt !== undefined) m.operatorAltitudeM = alt;
  const ts = epochSeconds(u32(b, o + 20));
  if (ts !== undefined) m.timestamp = ts;
  return { ok: true, message: m };
}

function operatorId(b: Uint8Array, o: number, protocolVersion: number): Decoded<OperatorIdMessage> {
  return { ok: true, message: { type: 'operator-id', protocolVersion, operatorIdType: byte(b, o + 1), operatorId: text(b, o + 2, o + 22) } };
}

/** Decodes the single message at `offset` (never a pack: see decodePayload). */
export function decodeMessage(bytes: Uint8Array, offset = 0): MessageResult {
  if (bytes.length - offset < MESSAGE_SIZE) {
    return { ok: false, rejection: reject('truncated', `message: ${Math.max(0, bytes.length - offset)} of ${MESSAGE_SIZE} bytes`) };
  }
  const header = byte(bytes, offset);
  const type = header >> 4;
  const version = header & 0x0f;
  switch (type) {
    case 0x0: return basicId(bytes, offset, version);
    case 0x1: return location(bytes, offset, version);
    case 0x2: return auth(bytes, offset, version);
    case 0x3: return selfId(bytes, offset, version);
    case 0x4: return system(bytes, offset, version);
    case 0x5: return operatorId(bytes, offset, version);
    case 0xf: return { ok: false, rejection: reject('bad-pack', 'message pack inside a message pack') };
    default: return { ok: false, rejection: reject('unknown-message-type', `message type 0x${type.toString(16)} is not defined`) };
  }
}

/**
 * Decodes a Remote ID payload as carried after the message counter: one 25-byte message, or a Message Pack
 * (header, message size 25, count ≤ 9, then the messages). A bad message in a pack is rejected alone.
 */
export function decodePayload(bytes: Uint8Array, offset = 0): PayloadResult {
  if (bytes.length - offset < 1) return { messages: [], rejections: [reject('truncated', 'payload: no bytes')], packed: false };
  if (byte(bytes, offset) >> 4 !== 0xf) {
    const r = decodeMessage(bytes, offset);
    return r.ok ? { messages: [r.message], rejections: [], packed: false } : { messages: [], rejections: [r.rejection], packed: false };
  }
  if (bytes.length - offset < 3) return { messages: [], rejections: [reject('truncated', 'message pack: header cut short')], packed: true };
  const size = byte(bytes, offset + 1);
  const count = byte(bytes, offset + 2);
  if (size !== MESSAGE_SIZE) return { messages: [], rejections: [reject('bad-pack', `message pack: message size ${size}, expected ${MESSAGE_SIZE}`)], packed: true };
  if (count > PACK_MAX_MESSAGES) return { messages: [], rejections: [reject('bad-pack', `message pack: ${count} messages, at most ${PACK_MAX_MESSAGES}`)], packed: true };
  const need = 3 + count * MESSAGE_SIZE;
  if (bytes.length - offset < need) {
    return { messages: [], rejections: [reject('truncated', `message pack: ${bytes.length - offset} of ${need} bytes for ${count} messages`)], packed: true };
  }
  const messages: RemoteIdMessage[] = [];
  const rejections: Rejection[] = [];
  for (let i = 0; i < count; i++) {
    const r = decodeMessage(bytes, offset + 3 + i * MESSAGE_SIZE);
    if (r.ok) messages.push(r.message);
    else rejections.push(r.rejection);
  }
  return { messages, rejections, packed: true };
}
