/**
 * Remote ID over Wi-Fi (ASTM F3411-22a §5.4.7, EN 4709-002 §5):
 * - Beacon: a vendor-specific element (ID 221) with the ASD-STAN OUI FA-0B-BC (or Parrot's 90-3A-E6 used by early
 *   firmware), OUI type 0x0D, a message counter and a Message Pack.
 * - NAN: a public action frame (category 4, vendor specific 9, Wi-Fi Alliance OUI 50-6F-9A, type 0x13: NAN
 *   service discovery) whose Service Descriptor attribute (0x03) names the service id of
 *   "org.opendroneid.remoteid" (88-69-19-9D-92-09) and carries in its service info a counter and a Message Pack.
 */
import { crc32 } from 'node:zlib';
import { reject } from './rejection.js';
import { macBytes, macString, type FrameScan } from './transport.js';

export const ASD_STAN_OUI = [0xfa, 0x0b, 0xbc] as const;
const PARROT_OUI = [0x90, 0x3a, 0xe6] as const;
export const WIFI_ALLIANCE_OUI = [0x50, 0x6f, 0x9a] as const;
export const NAN_OUI_TYPE = 0x13;
export const ODID_OUI_TYPE = 0x0d;
/** First 6 bytes of SHA-256("org.opendroneid.remoteid"). */
export const ODID_NAN_SERVICE_ID = [0x88, 0x69, 0x19, 0x9d, 0x92, 0x09] as const;
/** NAN network id, the destination of NAN service discovery frames. */
export const NAN_NETWORK_ID = '51:6f:9a:01:00:00';
/** The cluster id F3411-22a fixes for Remote ID NAN clusters. */
export const NAN_CLUSTER_ID = '50:6f:9a:01:00:ff';

const SUBTYPE_BEACON = 8;
const SUBTYPE_ACTION = 13;
const MGMT_HEADER = 24;

const matches = (b: Uint8Array, o: number, bytes: readonly number[]): boolean => bytes.every((v, i) => b[o + i] === v);

/** Scans an 802.11 frame (from the frame control field on, FCS already removed) for Remote ID. */
export function scanWifiFrame(f: Uint8Array, out: FrameScan): void {
  if (f.length < 2) return;
  const fc0 = f[0] as number;
  const fc1 = f[1] as number;
  if (((fc0 >> 2) & 0x03) !== 0) return; // not a management frame
  const subtype = fc0 >> 4;
  if ((subtype !== SUBTYPE_BEACON && subtype !== SUBTYPE_ACTION) || fc1 & 0x40) return; // other subtype, or protected
  const body = MGMT_HEADER + (fc1 & 0x80 ? 4 : 0); // +HTC
  if (f.length < body) {
    out.rejections.push(reject('truncated', `802.11 ${subtype === SUBTYPE_BEACON ? 'beacon' : 'action'} frame: ${f.length} bytes, header needs ${body}`));
    return;
  }
  const transmitter = macString(f, 10, false);
  if (subtype === SUBTYPE_BEACON) scanBeacon(f, body + 12, transmitter, out);
  else scanNanAction(f, body, transmitter, out);
}

function scanBeacon(f: Uint8Array, start: number, transmitter: string, out: FrameScan): void {
  let p = start;
  while (p + 2 <= f.length) {
    const id = f[p] as number;
    const len = f[p + 1] as number;
    const isOdid = id === 221 && (matches(f, p + 2, ASD_STAN_OUI) || matches(f, p + 2, PARROT_OUI)) && (f[p + 5] === undefined || f[p + 5] === ODID_OUI_TYPE);
    if (p + 2 + len > f.length) {
      if (isOdid) out.rejections.push(reject('truncated', `beacon: Remote ID element declares ${len} bytes, ${f.length - p - 2} remain`));
      return;
    }
    if (isOdid) {
      if (len < 5) out.rejections.push(reject('bad-length', `beacon: Remote ID element of ${len} bytes has no counter`));
      else out.payloads.push({ transport: 'wifi-beacon', transmitter, counter: f[p + 6] as number, payload: f.subarray(p + 7, p + 2 + len) });
    }
    p += 2 + len;
  }
}

function scanNanAction(f: Uint8Array, start: number, transmitter: string, out: FrameScan): void {
  if (f.length < start + 6) return;
  if (f[start] !== 0x04 || f[start + 1] !== 0x09 || !matches(f, start + 2, WIFI_ALLIANCE_OUI) || f[start + 5] !== NAN_OUI_TYPE) return;
  let p = start + 6;
  while (p + 3 <= f.length) {
    const id = f[p] as number;
    const len = (f[p + 1] as number) | ((f[p + 2] as number) << 8);
    const a = p + 3;
    const isOdid = id === 0x03 && matches(f, a, ODID_NAN_SERVICE_ID.slice(0, Math.min(6, f.length - a)));
    if (a + len > f.length) {
      if (isOdid) out.rejections.push(reject('truncated', `NAN service descriptor declares ${len} bytes, ${f.length - a} remain`));
      return;
    }
    if (isOdid) scanServiceDescriptor(f, a, a + len, transmitter, out);
    p = a + len;
  }
}

function scanServiceDescriptor(f: Uint8Array, a: number, end: number, transmitter: string, out: FrameScan): void {
  // service id (6), instance id, requestor instance id, service control, then optional fields by control bits
  if (end - a < 9) {
    out.rejections.push(reject('bad-length', `NAN service descriptor of ${end - a} bytes, needs at least 9`));
    return;
  }
  const control = f[a + 8] as number;
  let p = a + 9;
  if (control & 0x40) p += 2; // binding bitmap
  if (control & 0x04) p += 1 + ((f[p] as number | undefined) ?? 0); // matching filter
  if (control & 0x08) p += 1 + ((f[p] as number | undefined) ?? 0); // service response filter
  if (!(control & 0x10)) return; // no service info: nothing to decode (e.g. a subscribe)
  if (p >= end) {
    out.rejections.push(reject('bad-length', 'NAN service descriptor: service info flagged but absent'));
    return;
  }
  const infoLen = f[p] as number;
  if (p + 1 + infoLen > end) {
    out.rejections.push(reject('bad-length', `NAN service info declares ${infoLen} bytes, ${end - p - 1} in the attribute`));
    return;
  }
  if (infoLen < 1) {
    out.rejections.push(reject('bad-length', 'NAN service info is empty'));
    return;
  }
  out.payloads.push({ transport: 'wifi-nan', transmitter, counter: f[p + 1] as number, payload: f.subarray(p + 2, p + 1 + infoLen) });
}

// ---- encoders ----

function mgmtHeader(subtype: number, da: string, sa: string, bssid: string, sequence: number): Uint8Array {
  const h = new Uint8Array(MGMT_HEADER);
  h[0] = subtype << 4;
  h.set(macBytes(da, false), 4);
  h.set(macBytes(sa, false), 10);
  h.set(macBytes(bssid, false), 16);
  h[22] = (sequence << 4) & 0xf0;
  h[23] = (sequence >> 4) & 0xff;
  return h;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface WifiFrameOptions {
  /** Sender MAC address. */
  mac: string;
  counter: number;
  /** An encoded Message Pack. */
  pack: Uint8Array;
  sequence?: number;
}

/** A beacon frame (no FCS) with an SSID, one supported rate and the Remote ID vendor element. */
export function buildBeaconFrame(o: WifiFrameOptions & { ssid?: string; timestampUs?: number; intervalTu?: number }): Uint8Array {
  if (o.pack.length + 5 > 255) throw new RangeError(`message pack of ${o.pack.length} bytes does not fit a vendor element`);
  const fixed = new Uint8Array(12);
  const dv = new DataView(fixed.buffer);
  dv.setBigUint64(0, BigInt(Math.max(0, Math.floor(o.timestampUs ?? 0))), true);
  dv.setUint16(8, o.intervalTu ?? 100, true);
  dv.setUint16(10, 0x0421, true);
  const ssid = new TextEncoder().encode(o.ssid ?? 'RID');
  const vendor = new Uint8Array(7 + o.pack.length);
  vendor[0] = 221;
  vendor[1] = 5 + o.pack.length;
  vendor.set(ASD_STAN_OUI, 2);
  vendor[5] = ODID_OUI_TYPE;
  vendor[6] = o.counter & 0xff;
  vendor.set(o.pack, 7);
  return concat([
    mgmtHeader(SUBTYPE_BEACON, 'ff:ff:ff:ff:ff:ff', o.mac, o.mac, o.sequence ?? 0), fixed,
    Uint8Array.of(0, ssid.length), ssid, Uint8Array.of(1, 1, 0x8c), vendor,
  ]);
}

/** A NAN service discovery frame (public action, no FCS) publishing the Remote ID service with a Message Pack. */
export function buildNanActionFrame(o: WifiFrameOptions): Uint8Array {
  const infoLen = 1 + o.pack.length;
  if (infoLen > 255) throw new RangeError(`message pack of ${o.pack.length} bytes does not fit NAN service info`);
  const sda = new Uint8Array(3 + 9 + 1 + infoLen);
  const sdaLen = sda.length - 3;
  sda[0] = 0x03;
  sda[1] = sdaLen & 0xff;
  sda[2] = sdaLen >> 8;
  sda.set(ODID_NAN_SERVICE_ID, 3);
  sda[9] = 0x01; // instance id
  sda[10] = 0x00; // requestor instance id
  sda[11] = 0x10; // publish, service info present
  sda[12] = infoLen;
  sda[13] = o.counter & 0xff;
  sda.set(o.pack, 14);
  const sdea = Uint8Array.of(0x0e, 0x04, 0x00, 0x01, 0x00, 0x02, o.counter & 0xff);
  return concat([
    mgmtHeader(SUBTYPE_ACTION, NAN_NETWORK_ID, o.mac, NAN_CLUSTER_ID, o.sequence ?? 0),
    Uint8Array.of(0x04, 0x09, ...WIFI_ALLIANCE_OUI, NAN_OUI_TYPE), sda, sdea,
  ]);
}

/** The 802.11 frame check sequence (CRC-32) of a frame, as the 4 bytes that follow it read little-endian. */
export const wifiFcs = (frame: Uint8Array): number => crc32(frame) >>> 0;

/** A radiotap header (version 0, only the Flags field) in front of an 802.11 frame; `fcs` appends the frame's FCS. */
export function withRadiotap(frame: Uint8Array, options: { fcs?: boolean } = {}): Uint8Array {
  const b = new Uint8Array(9 + frame.length + (options.fcs ? 4 : 0));
  b[2] = 9; // header length
  b[4] = 0x02; // present: Flags
  b[8] = options.fcs ? 0x10 : 0;
  b.set(frame, 9);
  if (options.fcs) new DataView(b.buffer).setUint32(9 + frame.length, wifiFcs(frame), true);
  return b;
}
