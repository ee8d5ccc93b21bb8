/**
 * Remote ID over Bluetooth LE (ASTM F3411-22a §5.4.6, EN 4709-002 §5): service data AD structures (AD type 0x16,
 * 16-bit UUID 0xFFFA, application code 0x0D, message counter, then one message on Bluetooth 4 legacy advertising
 * or a Message Pack on Bluetooth 5 extended / long-range advertising), inside advertising PDUs of the link layer.
 */
import { reject } from './rejection.js';
import { macBytes, macString, type FrameScan, type Transport } from './transport.js';

export const ADVERTISING_ACCESS_ADDRESS = 0x8e89bed6;
export const ASTM_SERVICE_UUID = 0xfffa;
export const ODID_APP_CODE = 0x0d;
const AD_SERVICE_DATA_16 = 0x16;
const PDU_ADV_IND = 0x0;
const PDU_ADV_NONCONN_IND = 0x2;
const PDU_SCAN_RSP = 0x4;
const PDU_ADV_SCAN_IND = 0x6;
const PDU_ADV_EXT = 0x7;

/** Finds the Remote ID service data in advertising data (a sequence of AD structures) and appends it to `out`. */
export function scanAdvertisingData(ad: Uint8Array, transmitter: string, transport: Transport, out: FrameScan): void {
  let i = 0;
  while (i < ad.length) {
    const len = ad[i] as number;
    if (len === 0) break; // early end of significant data; the rest is padding
    if (i + 1 + len > ad.length) {
      if (looksLikeRemoteId(ad, i)) out.rejections.push(reject('truncated', `advertising data: AD structure at byte ${i} declares ${len} bytes, ${ad.length - i - 1} remain`));
      return;
    }
    if (ad[i + 1] === AD_SERVICE_DATA_16 && len >= 3 && ((ad[i + 2] as number) | ((ad[i + 3] as number) << 8)) === ASTM_SERVICE_UUID) {
      if (len < 5) {
        out.rejections.push(reject('truncated', `advertising data: ASTM service data of ${len - 3} bytes has no application code and counter`));
      } else if (ad[i + 4] === ODID_APP_CODE) {
        out.payloads.push({ transport, transmitter, counter: ad[i + 5] as number, payload: ad.subarray(i + 6, i + 1 + len) });
      }
    }
    i += 1 + len;
  }
}

function looksLikeRemoteId(ad: Uint8Array, i: number): boolean {
  return ad[i + 1] === AD_SERVICE_DATA_16 && ad[i + 2] === 0xfa && (ad[i + 3] === undefined || ad[i + 3] === 0xff);
}

/**
 * Scans an advertising channel PDU (from its 2-byte header on, after the access address and, on LE Coded, the
 * coding indicator). Legacy PDUs carry AdvA then data; extended PDUs (ADV_EXT_IND, AUX_ADV_IND, AUX_CHAIN_IND)
 * an extended header with optional fields, then data.
 */
export function scanAdvertisingPdu(pdu: Uint8Array, out: FrameScan): void {
  if (pdu.length < 2) {
    out.rejections.push(reject('truncated', `BLE PDU: ${pdu.length} bytes, no header`));
    return;
  }
  const type = (pdu[0] as number) & 0x0f;
  const length = pdu[1] as number;
  if (2 + length > pdu.length) {
    // Only a PDU that would carry Remote ID matters; others are not ours to judge.
    if (type === PDU_ADV_EXT || type === PDU_ADV_NONCONN_IND || type === PDU_ADV_IND || type === PDU_ADV_SCAN_IND || type === PDU_SCAN_RSP) {
      const partial: FrameScan = { payloads: [], rejections: [] };
      scanAdvertisingPduBody(pdu.subarray(0, pdu.length), type, pdu.length - 2, partial);
      if (partial.payloads.length > 0 || partial.rejections.length > 0) {
        out.rejections.push(reject('truncated', `BLE PDU: header declares ${length} payload bytes, ${pdu.length - 2} present`));
      }
    }
    return;
  }
  scanAdvertisingPduBody(pdu, type, length, out);
}

function scanAdvertisingPduBody(pdu: Uint8Array, type: number, length: number, out: FrameScan): void {
  const end = 2 + length;
  if (type === PDU_ADV_IND || type === PDU_ADV_NONCONN_IND || type === PDU_ADV_SCAN_IND || type === PDU_SCAN_RSP) {
    if (length < 6) return;
    scanAdvertisingData(pdu.subarray(8, end), macString(pdu, 2, true), 'bt-legacy', out);
    return;
  }
  if (type !== PDU_ADV_EXT || length < 1) return;
  const extLen = (pdu[2] as number) & 0x3f;
  if (1 + extLen > length) {
    out.rejections.push(reject('bad-length', `BLE extended header: ${extLen} bytes in a ${length}-byte payload`));
    return;
  }
  let transmitter = 'unknown';
  if (extLen > 0) {
    const flags = pdu[3] as number;
    let p = 4;
    if (flags & 0x01) {
      if (p + 6 > 3 + extLen) {
        out.rejections.push(reject('bad-length', 'BLE extended header: AdvA flagged but header too short'));
        return;
      }
      transmitter = macString(pdu, p, true);
      p += 6;
    }
    const sizes: [number, number][] = [[0x02, 6], [0x04, 1], [0x08, 2], [0x10, 3], [0x20, 18], [0x40, 1]];
    for (const [bit, size] of sizes) if (flags & bit) p += size;
    if (p > 3 + extLen) {
      out.rejections.push(reject('bad-length', `BLE extended header: flagged fields need ${p - 3} bytes, header has ${extLen}`));
      return;
    }
  }
  scanAdvertisingData(pdu.subarray(3 + extLen, end), transmitter, 'bt-extended', out);
}

function reverseBits24(v: number): number {
  let r = 0;
  for (let i = 0; i < 24; i++) r |= ((v >> i) & 1) << (23 - i);
  return r;
}

/** One byte of the bit-serial LFSR below, for every low byte of the state (data byte 0). */
const CRC24_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let state = i;
    for (let j = 0; j < 8; j++) state = state & 1 ? (state >>> 1) ^ 0xda6000 : state >>> 1;
    t[i] = state;
  }
  return t;
})();

/**
 * The BLE link-layer CRC-24 (polynomial x²⁴+x¹⁰+x⁹+x⁶+x⁴+x³+x+1, data least significant bit first, register
 * reflected) of a PDU, as the 3 bytes that follow it on the air read little-endian. Advertising channels start from
 * 0x555555. Bit by bit: bit = (state ^ data) & 1; state >>= 1; if bit, state = (state | 0x800000) ^ 0x5a6000; the
 * table does 8 such steps at once.
 */
export function bleCrc24(pdu: Uint8Array, init = 0x555555): number {
  let state = reverseBits24(init);
  for (let i = 0; i < pdu.length; i++) state = (state >>> 8) ^ (CRC24_TABLE[(state ^ (pdu[i] as number)) & 0xff] as number);
  return state;
}

/**
 * Scans a link-layer packet that starts at the access address: `coded` when an LE Coded coding indicator byte
 * follows it. When the 3 CRC bytes are present they are checked; a failed CRC rejects the frame only if it looked
 * like Remote ID (other devices' corrupt adverts are not counted).
 */
export function scanLinkLayerPacket(ll: Uint8Array, coded: boolean, out: FrameScan, crcKnownBad = false): void {
  if (ll.length < 4) {
    out.rejections.push(reject('truncated', `BLE packet: ${ll.length} bytes, no access address`));
    return;
  }
  const aa = ((ll[0] as number) | ((ll[1] as number) << 8) | ((ll[2] as number) << 16) | ((ll[3] as number) << 24)) >>> 0;
  if (aa !== ADVERTISING_ACCESS_ADDRESS) return;
  const pdu = ll.subarray(coded ? 5 : 4);
  const length = pdu.length >= 2 ? (pdu[1] as number) : 0;
  let crcBad = crcKnownBad;
  if (!crcBad && pdu.length >= 2 + length + 3) {
    const body = pdu.subarray(0, 2 + length);
    const sent = (pdu[2 + length] as number) | ((pdu[3 + length] as number) << 8) | ((pdu[4 + length] as number) << 16);
    crcBad = bleCrc24(body) !== sent;
  }
  if (!crcBad) {
    scanAdvertisingPdu(pdu, out);
    return;
  }
  const probe: FrameScan = { payloads: [], rejections: [] };
  scanAdvertisingPdu(pdu, probe);
  if (probe.payloads.length > 0 || probe.rejections.length > 0) out.rejections.push(reject('bad-crc', 'BLE packet: CRC-24 check failed'));
}

// ---- encoders (tests, synthetic captures, the live feed) ----

/** One service data AD structure: length, 0x16, UUID 0xFFFA, app code 0x0D, counter, payload. */
export function buildServiceData(counter: number, payload: Uint8Array): Uint8Array {
  if (payload.length > 250) throw new RangeError(`Remote ID payload of ${payload.length} bytes does not fit an AD structure`);
  const b = new Uint8Array(6 + payload.length);
  b[0] = 5 + payload.length;
  b[1] = AD_SERVICE_DATA_16;
  b[2] = ASTM_SERVICE_UUID & 0xff;
  b[3] = ASTM_SERVICE_UUID >> 8;
  b[4] = ODID_APP_CODE;
  b[5] = counter & 0xff;
  b.set(payload, 6);
  return b;
}

/** A Bluetooth 4 ADV_NONCONN_IND PDU (header, random AdvA, advertising data ≤ 31 bytes). */
export function buildLegacyAdvertisingPdu(advA: string, adData: Uint8Array): Uint8Array {
  if (adData.length > 31) throw new RangeError(`legacy advertising data of ${adData.length} bytes, at most 31`);
  const b = new Uint8Array(2 + 6 + adData.length);
  b[0] = PDU_ADV_NONCONN_IND | 0x40;
  b[1] = 6 + adData.length;
  b.set(macBytes(advA, true), 2);
  b.set(adData, 8);
  return b;
}

/** A Bluetooth 5 AUX_ADV_IND PDU, non-connectable and non-scannable, with AdvA and ADI in its extended header. */
export function buildExtendedAdvertisingPdu(advA: string, adData: Uint8Array, dataId = 0x123, setId = 0): Uint8Array {
  const extLen = 1 + 6 + 2;
  if (1 + extLen + adData.length > 255) throw new RangeError(`extended advertising data of ${adData.length} bytes does not fit one PDU`);
  const b = new Uint8Array(2 + 1 + extLen + adData.length);
  b[0] = PDU_ADV_EXT | 0x40;
  b[1] = 1 + extLen + adData.length;
  b[2] = extLen; // AdvMode 0: non-connectable, non-scannable
  b[3] = 0x01 | 0x08;
  b.set(macBytes(advA, true), 4);
  b[10] = dataId & 0xff;
  b[11] = ((dataId >> 8) & 0x0f) | ((setId & 0x0f) << 4);
  b.set(adData, 3 + extLen);
  return b;
}

/** A link-layer packet: access address, (coding indicator on LE Coded), PDU, CRC-24. */
export function buildLinkLayerPacket(pdu: Uint8Array, options: { coded?: boolean; crc?: boolean } = {}): Uint8Array {
  const ci = options.coded ? 1 : 0;
  const crc = options.crc === false ? 0 : 3;
  const b = new Uint8Array(4 + ci + pdu.length + crc);
  new DataView(b.buffer).setUint32(0, ADVERTISING_ACCESS_ADDRESS, true);
  b.set(pdu, 4 + ci);
  if (crc) {
    const v = bleCrc24(pdu);
    b[4 + ci + pdu.length] = v & 0xff;
    b[5 + ci + pdu.length] = (v >> 8) & 0xff;
    b[6 + ci + pdu.length] = (v >> 16) & 0xff;
  }
  return b;
}
