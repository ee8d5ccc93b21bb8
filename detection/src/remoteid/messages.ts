/**
 * The Remote ID messages of ASTM F3411-19/-20/-22a and ASD-STAN EN 4709-002, in their decoded form.
 *
 * Every message is 25 bytes on the air: a header byte (message type in the high nibble, protocol version in the
 * low nibble) and 24 bytes of content. Values the standard marks "unknown" (latitude/longitude 0/0, altitude
 * -1000 m, speed 255 m/s, direction 361°, timestamp 0xFFFF, …) decode to an absent field, and an absent field
 * encodes back to the standard's "unknown" value.
 */

export const MESSAGE_SIZE = 25;
/** Most messages a Message Pack can carry. */
export const PACK_MAX_MESSAGES = 9;
/** Authentication data pages 0..15 (F3411-22a; F3411-19 had 5). */
export const AUTH_MAX_PAGES = 16;
export const AUTH_PAGE0_DATA_SIZE = 17;
export const AUTH_PAGE_DATA_SIZE = 23;
/** 2019-01-01T00:00:00Z: epoch of the System and Authentication message timestamps. */
export const RID_EPOCH_MS = Date.UTC(2019, 0, 1);

export const MESSAGE_TYPE_CODES = {
  'basic-id': 0x0, location: 0x1, auth: 0x2, 'self-id': 0x3, system: 0x4, 'operator-id': 0x5, 'message-pack': 0xf,
} as const;
export type MessageTypeName = keyof typeof MESSAGE_TYPE_CODES;

/** Labels of the enumerations, indexed by code; a code past the table's end is reserved. */
export const ID_TYPES = ['none', 'serial-number', 'caa-registration', 'utm-uuid', 'specific-session'] as const;
export const UA_TYPES = [
  'none', 'aeroplane', 'helicopter-or-multirotor', 'gyroplane', 'hybrid-lift', 'ornithopter', 'glider', 'kite',
  'free-balloon', 'captive-balloon', 'airship', 'free-fall-parachute', 'rocket', 'tethered-powered-aircraft',
  'ground-obstacle', 'other',
] as const;
export const OPERATIONAL_STATUSES = ['undeclared', 'ground', 'airborne', 'emergency', 'remote-id-system-failure'] as const;
export const AUTH_TYPES = [
  'none', 'uas-id-signature', 'operator-id-signature', 'message-set-signature', 'network-remote-id', 'specific-method',
] as const;
export const DESCRIPTION_TYPES = ['text', 'emergency', 'extended-status'] as const;
export const OPERATOR_LOCATION_TYPES = ['takeoff', 'live-gnss', 'fixed'] as const;
export const CLASSIFICATION_TYPES = ['undeclared', 'eu'] as const;
export const EU_CATEGORIES = ['undeclared', 'open', 'specific', 'certified'] as const;
export const EU_CLASSES = ['undeclared', 'class-0', 'class-1', 'class-2', 'class-3', 'class-4', 'class-5', 'class-6'] as const;
/** Upper bound in metres of each horizontal accuracy code (0 = unknown). */
export const HORIZONTAL_ACCURACY_M = [NaN, 18520, 7408, 3704, 1852, 926, 555.6, 185.2, 92.6, 30, 10, 3, 1] as const;
/** Upper bound in metres of each vertical (geodetic or barometric) accuracy code (0 = unknown). */
export const VERTICAL_ACCURACY_M = [NaN, 150, 45, 25, 10, 3, 1] as const;
/** Upper bound in m/s of each speed accuracy code (0 = unknown). */
export const SPEED_ACCURACY_MPS = [NaN, 10, 3, 1, 0.3] as const;

/** The label of an enumeration code, or `reserved-<code>` for codes the standard reserves. */
export function labelOf(table: readonly string[], code: number): string {
  return table[code] ?? `reserved-${code}`;
}

interface MessageBase {
  /** 0 = F3411-19, 1 = F3411-20 / EN 4709-002, 2 = F3411-22a, 15 = private use. */
  protocolVersion: number;
}

export interface BasicIdMessage extends MessageBase {
  type: 'basic-id';
  /** Code of ID_TYPES. */
  idType: number;
  /** Code of UA_TYPES. */
  uaType: number;
  /**
   * The identity: printable ASCII as sent (serial number ANSI/CTA-2063-A, CAA registration); a UTM UUID as its
   * canonical 8-4-4-4-12 form when sent as 16 binary bytes; anything else not printable as `0x` and hex.
   */
  uasId: string;
}

export interface LocationMessage extends MessageBase {
  type: 'location';
  /** Code of OPERATIONAL_STATUSES. */
  status: number;
  /** Reference of `heightM`: above the takeoff point, or above ground level. */
  heightType: 'takeoff' | 'ground';
  /** Track direction, degrees clockwise from true north, 0..359. */
  directionDeg?: number;
  /** Ground speed, m/s (0.25 m/s steps to 63.75, then 0.75 m/s steps to 254.25). */
  speedMps?: number;
  /** Vertical speed, m/s, up positive (0.5 m/s steps, ±62). */
  verticalSpeedMps?: number;
  /** WGS 84 degrees (1e-7 resolution). Both absent when the position is unknown. */
  latitude?: number;
  longitude?: number;
  /** Barometric pressure altitude (ref. 1013.25 hPa), metres, 0.5 m steps. */
  pressureAltitudeM?: number;
  /** Geodetic altitude (WGS 84 HAE), metres, 0.5 m steps. */
  geodeticAltitudeM?: number;
  /** Height above takeoff or ground (see heightType), metres, 0.5 m steps. */
  heightM?: number;
  /** Codes: HORIZONTAL_ACCURACY_M, VERTICAL_ACCURACY_M (geodetic and barometric), SPEED_ACCURACY_MPS. */
  horizontalAccuracy: number;
  verticalAccuracy: number;
  baroAccuracy: number;
  speedAccuracy: number;
  /** Seconds since the full hour (UTC), 0.1 s steps, 0..3600. */
  timestampS?: number;
  /** Accuracy of the timestamp, seconds (0.1 s steps, 0.1..1.5). */
  timestampAccuracyS?: number;
}

export interface AuthMessage extends MessageBase {
  type: 'auth';
  /** Code of AUTH_TYPES (10..15 private use). */
  authType: number;
  /** Data page 0..15. */
  page: number;
  /** Page 0 only: index of the last page, total data length in bytes, and when the data was signed. */
  lastPageIndex?: number;
  length?: number;
  /** ISO 8601 UTC (seconds since 2019-01-01 on the air). */
  timestamp?: string;
  /** The page's data bytes as hex: 17 bytes on page 0, 23 bytes on the others (trailing padding included). */
  dataHex: string;
}

export interface SelfIdMessage extends MessageBase {
  type: 'self-id';
  /** Code of DESCRIPTION_TYPES (201..255 private use). */
  descriptionType: number;
  /** Up to 23 ASCII characters. */
  description: string;
}

export interface SystemMessage extends MessageBase {
  type: 'system';
  /** Code of OPERATOR_LOCATION_TYPES. */
  operatorLocationType: number;
  /** Code of CLASSIFICATION_TYPES. */
  classificationType: number;
  /** Operator (remote pilot) position, WGS 84 degrees; both absent when unknown. */
  operatorLatitude?: number;
  operatorLongitude?: number;
  /** Operator geodetic altitude, metres. */
  operatorAltitudeM?: number;
  /** Group operations: number of aircraft, radius (10 m steps), ceiling and floor (metres). */
  areaCount: number;
  areaRadiusM: number;
  areaCeilingM?: number;
  areaFloorM?: number;
  /** EU classification (only when classificationType is EU): codes of EU_CATEGORIES and EU_CLASSES. */
  categoryEu?: number;
  classEu?: number;
  /** When the message was made, ISO 8601 UTC (F3411-22a; seconds since 2019-01-01 on the air). */
  timestamp?: string;
}

export interface OperatorIdMessage extends MessageBase {
  type: 'operator-id';
  /** 0 = operator ID (201..255 private use). */
  operatorIdType: number;
  /** Up to 20 ASCII characters, e.g. an EU operator registration number. */
  operatorId: string;
}

/** One of the six single messages (a Message Pack is decoded into these). */
export type RemoteIdMessage =
  | BasicIdMessage | LocationMessage | AuthMessage | SelfIdMessage | SystemMessage | OperatorIdMessage;
