/**
 * Synthetic Remote ID broadcasts: a drone flying a straight line at constant speed and height, sending its messages
 * over the chosen transports as a real transmitter would (Bluetooth 4: one message per advertisement, in turn;
 * Bluetooth 5 long range, Wi-Fi beacon and NAN: a Message Pack). Used by the tests, the benchmark and demos; the
 * packets are what a sniffer would capture (radiotap for Wi-Fi, LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR for Bluetooth).
 */
import { LINKTYPE } from '../pcap/link-types.js';
import { buildExtendedAdvertisingPdu, buildLegacyAdvertisingPdu, buildLinkLayerPacket, buildServiceData } from './bluetooth.js';
import { encodeMessage, encodeMessagePack } from './encode-message.js';
import type { LocationMessage, RemoteIdMessage } from './messages.js';
import type { Transport } from './transport.js';
import { buildBeaconFrame, buildNanActionFrame, withRadiotap } from './wifi.js';

export interface FlightPlan {
  serial: string;
  /** Transmitter MAC address (Bluetooth and Wi-Fi use the same here). */
  mac: string;
  /** UA type code (default 2, helicopter or multirotor). */
  uaType?: number;
  /** [latitude, longitude] of the start and the end of the straight flight. */
  from: [number, number];
  to: [number, number];
  heightM: number;
  /** Geodetic altitude of the ground (default 650 m, Madrid). */
  groundAltitudeM?: number;
  speedMps: number;
  operator: [number, number];
  operatorId: string;
  selfId?: string;
  /** ms since 1970 of the first broadcast. */
  startMs: number;
  /** Seconds between two broadcasts on each transport (default 0.5). */
  periodS?: number;
  transports: Transport[];
  /** Also send a 2-page authentication (pack transports only). */
  authentication?: boolean;
}

export interface SimulatedPacket {
  linkType: number;
  timestampMs: number;
  data: Uint8Array;
  transport: Transport;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Seconds the flight lasts. */
export function flightDurationS(p: FlightPlan): number {
  const [lat1, lon1] = p.from;
  const [lat2, lon2] = p.to;
  const dy = ((lat2 - lat1) * Math.PI * EARTH_RADIUS_M) / 180;
  const dx = ((lon2 - lon1) * Math.PI * EARTH_RADIUS_M * Math.cos((lat1 * Math.PI) / 180)) / 180;
  return Math.hypot(dx, dy) / p.speedMps;
}

/** The Location message at `tS` seconds into the flight. */
export function locationAt(p: FlightPlan, tS: number): LocationMessage {
  const total = flightDurationS(p);
  const f = total > 0 ? Math.min(1, tS / total) : 1;
  const [lat1, lon1] = p.from;
  const [lat2, lon2] = p.to;
  const lat = lat1 + (lat2 - lat1) * f;
  const lon = lon1 + (lon2 - lon1) * f;
  const heading = ((Math.atan2((lon2 - lon1) * Math.cos((lat1 * Math.PI) / 180), lat2 - lat1) * 180) / Math.PI + 360) % 360;
  const ms = p.startMs + tS * 1000;
  const sinceHour = ((ms % 3_600_000) + 3_600_000) % 3_600_000 / 1000;
  return {
    type: 'location', protocolVersion: 2, status: 2, heightType: 'takeoff', directionDeg: Math.round(heading) % 360,
    speedMps: p.speedMps, verticalSpeedMps: 0, latitude: lat, longitude: lon,
    geodeticAltitudeM: (p.groundAltitudeM ?? 650) + p.heightM, pressureAltitudeM: (p.groundAltitudeM ?? 650) + p.heightM, heightM: p.heightM,
    horizontalAccuracy: 10, verticalAccuracy: 4, baroAccuracy: 4, speedAccuracy: 3, timestampS: Math.floor(sinceHour * 10) / 10, timestampAccuracyS: 0.2,
  };
}

/** Every message the drone sends at `tS` (Basic ID, Location, Self ID, System, Operator ID, and auth pages). */
export function flightMessages(p: FlightPlan, tS: number): RemoteIdMessage[] {
  const ms = p.startMs + tS * 1000;
  const msgs: RemoteIdMessage[] = [
    { type: 'basic-id', protocolVersion: 2, idType: 1, uaType: p.uaType ?? 2, uasId: p.serial },
    locationAt(p, tS),
    { type: 'self-id', protocolVersion: 2, descriptionType: 0, description: p.selfId ?? 'survey flight' },
    {
      type: 'system', protocolVersion: 2, operatorLocationType: 1, classificationType: 1,
      operatorLatitude: p.operator[0], operatorLongitude: p.operator[1], operatorAltitudeM: p.groundAltitudeM ?? 650,
      areaCount: 1, areaRadiusM: 0, categoryEu: 1, classEu: 2, timestamp: new Date(Math.floor(ms / 1000) * 1000).toISOString(),
    },
    { type: 'operator-id', protocolVersion: 2, operatorIdType: 0, operatorId: p.operatorId },
  ];
  if (p.authentication) {
    const data = '11'.repeat(17) + '22'.repeat(13);
    msgs.push(
      { type: 'auth', protocolVersion: 2, authType: 1, page: 0, lastPageIndex: 1, length: 30, timestamp: new Date(Math.floor(ms / 1000) * 1000).toISOString(), dataHex: data.slice(0, 34) },
      { type: 'auth', protocolVersion: 2, authType: 1, page: 1, dataHex: data.slice(34).padEnd(46, '0') },
    );
  }
  return msgs;
}

/** BLE pseudo-header (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR) on channel 37/39, de-whitened, CRC checked and valid. */
export function withBlePhdr(ll: Uint8Array, coded: boolean, channel = 37): Uint8Array {
  const b = new Uint8Array(10 + ll.length);
  b[0] = channel;
  b[1] = 0xc4; // -60 dBm
  const flags = 0x0001 | 0x0002 | 0x0400 | 0x0800 | (coded ? 2 << 14 : 0);
  b[8] = flags & 0xff;
  b[9] = flags >> 8;
  b.set(ll, 10);
  return b;
}

/** The packets a sniffer would capture during the flight, in time order. */
export function simulateFlight(p: FlightPlan): SimulatedPacket[] {
  const period = p.periodS ?? 0.5;
  const duration = flightDurationS(p);
  const out: SimulatedPacket[] = [];
  let counter = 0;
  let slot = 0;
  p.transports.forEach((transport, ti) => {
    for (let t = 0; t <= duration + 1e-9; t += period) {
      const tS = Math.min(t + (ti * period) / (p.transports.length + 1), duration);
      const msgs = flightMessages(p, tS);
      const timestampMs = p.startMs + tS * 1000;
      counter = (counter + 1) & 0xff;
      let data: Uint8Array;
      let linkType: number;
      switch (transport) {
        case 'bt-legacy': {
          // One message per advertisement, Location every other time (as F3411 asks: Location most often).
          const rotation = msgs.filter((m) => m.type !== 'location' && m.type !== 'auth');
          const m = slot % 2 === 0 ? (msgs[1] as RemoteIdMessage) : (rotation[(slot >> 1) % rotation.length] as RemoteIdMessage);
          slot++;
          data = withBlePhdr(buildLinkLayerPacket(buildLegacyAdvertisingPdu(p.mac, buildServiceData(counter, encodeMessage(m)))), false);
          linkType = LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR;
          break;
        }
        case 'bt-extended':
          data = withBlePhdr(buildLinkLayerPacket(buildExtendedAdvertisingPdu(p.mac, buildServiceData(counter, encodeMessagePack(msgs.slice(0, 9)))), { coded: true }), true, 10);
          linkType = LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR;
          break;
        case 'wifi-beacon':
          data = withRadiotap(buildBeaconFrame({ mac: p.mac, counter, pack: encodeMessagePack(msgs.slice(0, 9)), ssid: `RID-${p.serial.slice(-6)}`, sequence: counter }), { fcs: true });
          linkType = LINKTYPE.IEEE802_11_RADIOTAP;
          break;
        case 'wifi-nan':
          data = withRadiotap(buildNanActionFrame({ mac: p.mac, counter, pack: encodeMessagePack(msgs.slice(0, 9)), sequence: counter }));
          linkType = LINKTYPE.IEEE802_11_RADIOTAP;
          break;
      }
      out.push({ linkType, timestampMs, data, transport });
    }
  });
  return out.sort((a, b) => a.timestampMs - b.timestampMs);
}
