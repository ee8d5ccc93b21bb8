/**
 * Encoder of the Remote ID messages and Message Packs: the inverse of decode-message.ts within each field's
 * resolution. Used to synthesise test data and to feed the live UDP receiver; it throws RemoteIdError on values
 * the layout cannot carry (a text too long, a latitude past 90°).
 */
import { RemoteIdError } from './errors.js';
import {
  AUTH_PAGE0_DATA_SIZE, AUTH_PAGE_DATA_SIZE, MESSAGE_SIZE, MESSAGE_TYPE_CODES, PACK_MAX_MESSAGES, RID_EPOCH_MS,
  type RemoteIdMessage,
} from './messages.js';

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >> 8) & 0xff;
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

function checkNibble(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 15) throw new RemoteIdError(field, `${v} is not a code 0..15`);
  return v;
}
function checkByte(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new RemoteIdError(field, `${v} is not a code 0..255`);
  return v;
}

const encodeAltitude = (v: number | undefined): number => (v === undefined ? 0 : clamp(Math.round((v + 1000) / 0.5), 0, 0xffff));

function putLatLon(b: Uint8Array, o: number, field: string, lat: number | undefined, lon: number | undefined): void {
  if (lat === undefined || lon === undefined) {
    if (lat !== lon) throw new RemoteIdError(field, 'latitude and longitude must both be given or both be absent');
    return;
  }
  if (!(Math.abs(lat) <= 90)) throw new RemoteIdError(`${field}.latitude`, `${lat} is outside ±90`);
  if (!(Math.abs(lon) <= 180)) throw new RemoteIdError(`${field}.longitude`, `${lon} is outside ±180`);
  put32(b, o, Math.round(lat * 1e7));
  put32(b, o + 4, Math.round(lon * 1e7));
}

function putText(b: Uint8Array, o: number, max: number, field: string, s: string): void {
  if (s.length > max) throw new RemoteIdError(field, `${s.length} characters, at most ${max}`);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new RemoteIdError(field, `character ${i} is not printable ASCII`);
    b[o + i] = c;
  }
}

function putHex(b: Uint8Array, o: number, max: number, field: string, h: string): void {
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new RemoteIdError(field, 'is not an even-length hex string');
  if (h.length / 2 > max) throw new RemoteIdError(field, `${h.length / 2} bytes, at most ${max}`);
  for (let i = 0; i < h.length / 2; i++) b[o + i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function putUasId(b: Uint8Array, o: number, idType: number, id: string): void {
  if (idType === 3 && UUID.test(id)) putHex(b, o, 20, 'basicId.uasId', id.replace(/-/g, ''));
  else if (id.startsWith('0x')) putHex(b, o, 20, 'basicId.uasId', id.slice(2));
  else putText(b, o, 20, 'basicId.uasId', id);
}

function epochSeconds(field: string, iso: string | undefined): number {
  if (iso === undefined) return 0;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms) || ms < RID_EPOCH_MS + 1000) throw new RemoteIdError(field, `${iso} is not a time after 2019-01-01`);
  return Math.round((ms - RID_EPOCH_MS) / 1000);
}

/** Encodes one message into 25 bytes. */
export function encodeMessage(m: RemoteIdMessage): Uint8Array {
  const b = new Uint8Array(MESSAGE_SIZE);
  b[0] = (MESSAGE_TYPE_CODES[m.type] << 4) | checkNibble(`${m.type}.protocolVersion`, m.protocolVersion);
  switch (m.type) {
    case 'basic-id':
      b[1] = (checkNibble('basicId.idType', m.idType) << 4) | checkNibble('basicId.uaType', m.uaType);
      putUasId(b, 2, m.idType, m.uasId);
      break;
    case 'location': {
      let flags = checkNibble('location.status', m.status) << 4;
      if (m.heightType === 'ground') flags |= 0x04;
      if (m.directionDeg === undefined) {
        flags |= 0x02;
        b[2] = 181;
      } else {
        if (!(m.directionDeg >= 0 && m.directionDeg < 360)) throw new RemoteIdError('location.directionDeg', `${m.directionDeg} is not 0..359`);
        const d = Math.round(m.directionDeg) % 360;
        if (d >= 180) flags |= 0x02;
        b[2] = d >= 180 ? d - 180 : d;
      }
      if (m.speedMps === undefined) {
        flags |= 0x01;
        b[3] = 255;
      } else if (!(m.speedMps >= 0)) {
        throw new RemoteIdError('location.speedMps', `${m.speedMps} is not a speed ≥ 0`);
      } else if (m.speedMps <= 255 * 0.25) {
        b[3] = Math.round(m.speedMps / 0.25);
      } else {
        flags |= 0x01;
        b[3] = clamp(Math.round((m.speedMps - 63.75) / 0.75), 0, 254);
      }
      b[1] = flags;
      b[4] = (m.verticalSpeedMps === undefined ? 126 : clamp(Math.round(m.verticalSpeedMps / 0.5), -124, 124)) & 0xff;
      putLatLon(b, 5, 'location', m.latitude, m.longitude);
      put16(b, 13, encodeAltitude(m.pressureAltitudeM));
      put16(b, 15, encodeAltitude(m.geodeticAltitudeM));
      put16(b, 17, encodeAltitude(m.heightM));
      b[19] = (checkNibble('location.verticalAccuracy', m.verticalAccuracy) << 4) | checkNibble('location.horizontalAccuracy', m.horizontalAccuracy);
      b[20] = (checkNibble('location.baroAccuracy', m.baroAccuracy) << 4) | checkNibble('location.speedAccuracy', m.speedAccuracy);
      if (m.timestampS !== undefined && !(m.timestampS >= 0 && m.timestampS <= 3600)) {
        throw new RemoteIdError('location.timestampS', `${m.timestampS} is not 0..3600 s after the hour`);
      }
      put16(b, 21, m.timestampS === undefined ? 0xffff : Math.round(m.timestampS * 10));
      b[23] = m.timestampAccuracyS === undefined ? 0 : clamp(Math.round(m.timestampAccuracyS * 10), 1, 15);
      break;
    }
    case 'auth':
      b[1] = (checkNibble('auth.authType', m.authType) << 4) | checkNibble('auth.page', m.page);
      if (m.page === 0) {
        b[2] = checkNibble('auth.lastPageIndex', m.lastPageIndex ?? 0);
        b[3] = checkByte('auth.length', m.length ?? 0);
        put32(b, 4, epochSeconds('auth.timestamp', m.timestamp));
        putHex(b, 8, AUTH_PAGE0_DATA_SIZE, 'auth.dataHex', m.dataHex);
      } else {
        putHex(b, 2, AUTH_PAGE_DATA_SIZE, 'auth.dataHex', m.dataHex);
      }
      break;
    case 'self-id':
      b[1] = checkByte('selfId.descriptionType', m.descriptionType);
      putText(b, 2, 23, 'selfId.description', m.description);
      break;
    case 'system':
      b[1] = (clamp(m.classificationType, 0, 7) << 2) | (m.operatorLocationType & 0x03);
      if (m.operatorLocationType > 3 || m.operatorLocationType < 0) throw new RemoteIdError('system.operatorLocationType', `${m.operatorLocationType} is not 0..3`);
      putLatLon(b, 2, 'system.operator', m.operatorLatitude, m.operatorLongitude);
      if (!Number.isInteger(m.areaCount) || m.areaCount < 0 || m.areaCount > 0xffff) throw new RemoteIdError('system.areaCount', `${m.areaCount} is not 0..65535`);
      put16(b, 10, m.areaCount);
      b[12] = clamp(Math.round(m.areaRadiusM / 10), 0, 255);
      put16(b, 13, encodeAltitude(m.areaCeilingM));
      put16(b, 15, encodeAltitude(m.areaFloorM));
      b[17] = (checkNibble('system.categoryEu', m.categoryEu ?? 0) << 4) | checkNibble('system.classEu', m.classEu ?? 0);
      put16(b, 18, encodeAltitude(m.operatorAltitudeM));
      put32(b, 20, epochSeconds('system.timestamp', m.timestamp));
      break;
    case 'operator-id':
      b[1] = checkByte('operatorId.operatorIdType', m.operatorIdType);
      putText(b, 2, 20, 'operatorId.operatorId', m.operatorId);
      break;
  }
  return b;
}

/** Encodes a Message Pack of 1..9 messages (header 0xF<version>, size 25, count, messages). */
export function encodeMessagePack(messages: readonly RemoteIdMessage[], protocolVersion = 2): Uint8Array {
  if (messages.length === 0 || messages.length > PACK_MAX_MESSAGES) {
    throw new RemoteIdError('messagePack.messages', `${messages.length} messages, expected 1..${PACK_MAX_MESSAGES}`);
  }
  const b = new Uint8Array(3 + messages.length * MESSAGE_SIZE);
  b[0] = 0xf0 | checkNibble('messagePack.protocolVersion', protocolVersion);
  b[1] = MESSAGE_SIZE;
  b[2] = messages.length;
  messages.forEach((m, i) => b.set(encodeMessage(m), 3 + i * MESSAGE_SIZE));
  return b;
}
