/**
 * From a captured packet (pcap link type + bytes) to the Remote ID payloads it holds: strips capture headers
 * (radiotap, BLE pseudo-headers, the nRF Sniffer header, HCI events, Ethernet/IP/UDP carrying the live feed) and
 * hands the frame to the Bluetooth or Wi-Fi scanner.
 */
import { LINKTYPE } from '../pcap/link-types.js';
import { scanAdvertisingData, scanLinkLayerPacket } from './bluetooth.js';
import { FEED_KINDS, FEED_MAX_DATAGRAM, FEED_PORT } from './feed-format.js';
import { reject } from './rejection.js';
import { macString, type FrameScan } from './transport.js';
import { scanWifiFrame, wifiFcs } from './wifi.js';

export interface ScanOptions {
  /** UDP port whose datagrams (in Ethernet/IP captures) are live-feed datagrams; default FEED_PORT. */
  feedPort?: number;
}

/** Link types `scanPacket` understands. */
export const SUPPORTED_LINK_TYPES: readonly number[] = [
  LINKTYPE.IEEE802_11, LINKTYPE.IEEE802_11_RADIOTAP, LINKTYPE.BLUETOOTH_LE_LL, LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR,
  LINKTYPE.NORDIC_BLE, LINKTYPE.BLUETOOTH_HCI_H4, LINKTYPE.BLUETOOTH_HCI_H4_WITH_PHDR, LINKTYPE.ETHERNET,
  LINKTYPE.NULL, LINKTYPE.RAW, LINKTYPE.IPV4, LINKTYPE.IPV6, LINKTYPE.LINUX_SLL,
];

/** Scans one captured packet. Never throws: what cannot be read becomes a rejection in the result. */
export function scanPacket(linkType: number, data: Uint8Array, options: ScanOptions = {}): FrameScan {
  const out: FrameScan = { payloads: [], rejections: [] };
  try {
    switch (linkType) {
      case LINKTYPE.IEEE802_11: scanWifiFrame(data, out); break;
      case LINKTYPE.IEEE802_11_RADIOTAP: scanRadiotap(data, out); break;
      case LINKTYPE.BLUETOOTH_LE_LL: scanLinkLayerPacket(data, false, out); break;
      case LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR: scanBlePhdr(data, out); break;
      case LINKTYPE.NORDIC_BLE: scanNordic(data, out); break;
      case LINKTYPE.BLUETOOTH_HCI_H4: scanHciH4(data, out); break;
      case LINKTYPE.BLUETOOTH_HCI_H4_WITH_PHDR:
        if (data.length < 4) out.rejections.push(reject('bad-framing', 'HCI H4 pseudo-header cut short'));
        else scanHciH4(data.subarray(4), out);
        break;
      case LINKTYPE.ETHERNET: scanEthernet(data, out, options); break;
      case LINKTYPE.NULL: scanIp(data.subarray(4), out, options); break;
      case LINKTYPE.RAW: case LINKTYPE.IPV4: case LINKTYPE.IPV6: scanIp(data, out, options); break;
      case LINKTYPE.LINUX_SLL: scanIp(data.subarray(16), out, options); break;
      default: out.rejections.push(reject('unsupported-link-type', `link type ${linkType} is not read`));
    }
  } catch (err) {
    // The scanners index defensively; this is the last guard so that no input can stop a capture.
    out.rejections.push(reject('bad-framing', `unreadable packet: ${err instanceof Error ? err.message : String(err)}`));
  }
  return out;
}

function scanRadiotap(d: Uint8Array, out: FrameScan): void {
  if (d.length < 8) {
    out.rejections.push(reject('bad-framing', `radiotap header cut short (${d.length} bytes)`));
    return;
  }
  const len = (d[2] as number) | ((d[3] as number) << 8);
  if (len < 8 || len > d.length) {
    out.rejections.push(reject('bad-framing', `radiotap length ${len} with ${d.length} bytes captured`));
    return;
  }
  // Present words (bit 31 chains another), then fields aligned to their size: TSFT (bit 0, 8 bytes), Flags (bit 1).
  let p = 4;
  let present = 0;
  let first = true;
  for (;;) {
    if (p + 4 > len) {
      out.rejections.push(reject('bad-framing', 'radiotap present bitmaps overrun the header'));
      return;
    }
    const word = ((d[p] as number) | ((d[p + 1] as number) << 8) | ((d[p + 2] as number) << 16) | ((d[p + 3] as number) << 24)) >>> 0;
    if (first) present = word;
    first = false;
    p += 4;
    if (!(word & 0x80000000)) break;
  }
  let flags = 0;
  if (present & 0x01) p = Math.ceil(p / 8) * 8 + 8;
  if (present & 0x02 && p < len) flags = d[p] as number;
  let frame = d.subarray(len);
  if (flags & 0x10) {
    if (frame.length < 4) {
      out.rejections.push(reject('truncated', '802.11 frame shorter than its FCS'));
      return;
    }
    const body = frame.subarray(0, frame.length - 4);
    const sent = new DataView(frame.buffer, frame.byteOffset + frame.length - 4, 4).getUint32(0, true);
    if (flags & 0x40 || wifiFcs(body) !== sent) {
      const probe: FrameScan = { payloads: [], rejections: [] };
      scanWifiFrame(body, probe);
      if (probe.payloads.length > 0 || probe.rejections.length > 0) out.rejections.push(reject('bad-crc', '802.11 FCS check failed'));
      return;
    }
    frame = body;
  }
  scanWifiFrame(frame, out);
}

function scanBlePhdr(d: Uint8Array, out: FrameScan): void {
  if (d.length < 10) {
    out.rejections.push(reject('bad-framing', `BLE pseudo-header cut short (${d.length} of 10 bytes)`));
    return;
  }
  const flags = (d[8] as number) | ((d[9] as number) << 8);
  const coded = ((flags >> 14) & 0x03) === 2;
  const crcBad = (flags & 0x0400) !== 0 && (flags & 0x0800) === 0;
  scanLinkLayerPacket(d.subarray(10), coded, out, crcBad);
}

/** nRF Sniffer for Bluetooth LE (protocol 2/3): board, payload length, version, counter, packet id, then a header. */
function scanNordic(d: Uint8Array, out: FrameScan): void {
  if (d.length < 8) {
    out.rejections.push(reject('bad-framing', `nRF Sniffer header cut short (${d.length} bytes)`));
    return;
  }
  const version = d[3] as number;
  const packetId = d[6] as number;
  if (packetId !== 0x02 && packetId !== 0x06) return; // not a received packet (follow, ping, …)
  const headerLen = d[7] as number;
  if (headerLen < 2 || 7 + headerLen > d.length) {
    out.rejections.push(reject('bad-framing', `nRF Sniffer packet header of ${headerLen} bytes in ${d.length - 7}`));
    return;
  }
  const flags = d[8] as number;
  const coded = version >= 3 && ((flags >> 4) & 0x07) === 2;
  scanLinkLayerPacket(d.subarray(7 + headerLen), coded, out, (flags & 0x01) === 0);
}

function scanHciH4(d: Uint8Array, out: FrameScan): void {
  // H4 packet type 0x04 = event; LE Meta event 0x3E; sub-events 0x02 (advertising report), 0x0D (extended).
  if (d.length < 4 || d[0] !== 0x04 || d[1] !== 0x3e) return;
  const paramLen = d[2] as number;
  const end = Math.min(d.length, 3 + paramLen);
  if (3 + paramLen > d.length) {
    out.rejections.push(reject('truncated', `HCI LE Meta event declares ${paramLen} bytes, ${d.length - 3} present`));
    return;
  }
  const sub = d[3] as number;
  if (sub !== 0x02 && sub !== 0x0d) return;
  const count = d[4] as number;
  let p = 5;
  for (let i = 0; i < count; i++) {
    const extended = sub === 0x0d;
    const fixed = extended ? 24 : 9;
    if (p + fixed > end) {
      out.rejections.push(reject('truncated', `HCI advertising report ${i} cut short`));
      return;
    }
    const eventType = extended ? (d[p] as number) | ((d[p + 1] as number) << 8) : (d[p] as number);
    const addrAt = extended ? p + 3 : p + 2;
    const dataLen = d[p + fixed - 1] as number;
    const dataAt = p + fixed;
    if (dataAt + dataLen > end) {
      out.rejections.push(reject('truncated', `HCI advertising report ${i} declares ${dataLen} data bytes, ${end - dataAt} remain`));
      return;
    }
    const legacy = !extended || (eventType & 0x10) !== 0;
    scanAdvertisingData(d.subarray(dataAt, dataAt + dataLen), macString(d, addrAt, true), legacy ? 'bt-legacy' : 'bt-extended', out);
    p = dataAt + dataLen + (extended ? 0 : 1); // legacy reports end with RSSI
  }
}

function scanEthernet(d: Uint8Array, out: FrameScan, o: ScanOptions): void {
  let p = 12;
  let etherType = ((d[p] as number) << 8) | (d[p + 1] as number);
  while (etherType === 0x8100 || etherType === 0x88a8) {
    p += 4;
    etherType = ((d[p] as number) << 8) | (d[p + 1] as number);
  }
  if (etherType === 0x0800 || etherType === 0x86dd) scanIp(d.subarray(p + 2), out, o);
}

function scanIp(d: Uint8Array, out: FrameScan, o: ScanOptions): void {
  if (d.length < 1) return;
  const version = (d[0] as number) >> 4;
  let udp: Uint8Array;
  if (version === 4) {
    const ihl = ((d[0] as number) & 0x0f) * 4;
    if (d[9] !== 17 || d.length < ihl + 8) return;
    if ((((d[6] as number) << 8) | (d[7] as number)) & 0x1fff) return; // a later fragment
    udp = d.subarray(ihl);
  } else if (version === 6) {
    if (d[6] !== 17 || d.length < 48) return;
    udp = d.subarray(40);
  } else {
    return;
  }
  const dstPort = ((udp[2] as number) << 8) | (udp[3] as number);
  if (dstPort !== (o.feedPort ?? FEED_PORT)) return;
  const udpLen = ((udp[4] as number) << 8) | (udp[5] as number);
  if (udpLen < 8 || udpLen > udp.length) {
    out.rejections.push(reject('bad-framing', `UDP length ${udpLen} with ${udp.length} bytes captured`));
    return;
  }
  scanFeedDatagram(udp.subarray(8, udpLen), out);
}

/** Scans one live-feed datagram (see feed-format.ts). */
export function scanFeedDatagram(d: Uint8Array, out: FrameScan = { payloads: [], rejections: [] }): FrameScan {
  if (d.length < 2 || d.length > FEED_MAX_DATAGRAM) {
    out.rejections.push(reject('bad-framing', `feed datagram of ${d.length} bytes (expected 2..${FEED_MAX_DATAGRAM})`));
    return out;
  }
  const body = d.subarray(1);
  switch (d[0]) {
    case FEED_KINDS.wifi: scanWifiFrame(body, out); break;
    case FEED_KINDS.radiotap: scanRadiotap(body, out); break;
    case FEED_KINDS.bleLinkLayer: scanLinkLayerPacket(body, false, out); break;
    case FEED_KINDS.bleLegacyAdvertising:
    case FEED_KINDS.bleExtendedAdvertising:
      if (body.length < 6) {
        out.rejections.push(reject('bad-framing', 'feed advertising datagram without a 6-byte address'));
        break;
      }
      scanAdvertisingData(body.subarray(6), macString(body, 0, true), d[0] === FEED_KINDS.bleLegacyAdvertising ? 'bt-legacy' : 'bt-extended', out);
      break;
    default:
      out.rejections.push(reject('bad-framing', `feed datagram kind 0x${(d[0] as number).toString(16)} is not defined`));
  }
  return out;
}
