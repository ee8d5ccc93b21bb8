import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LINKTYPE } from '../pcap/link-types.js';
import { bleCrc24, buildExtendedAdvertisingPdu, buildLegacyAdvertisingPdu, buildLinkLayerPacket, buildServiceData } from './bluetooth.js';
import { decodePayload } from './decode-message.js';
import { encodeMessage, encodeMessagePack } from './encode-message.js';
import { encodeFeedDatagram } from './feed-format.js';
import { scanFeedDatagram, scanPacket } from './link-layer.js';
import type { RemoteIdMessage } from './messages.js';
import { withBlePhdr } from './simulate.js';
import { buildBeaconFrame, buildNanActionFrame, withRadiotap } from './wifi.js';

const MAC = '60:55:f9:a1:b2:c3';
const basic: RemoteIdMessage = { type: 'basic-id', protocolVersion: 2, idType: 1, uaType: 2, uasId: '1581F4XFC2311A0B1C2D' };
const op: RemoteIdMessage = { type: 'operator-id', protocolVersion: 2, operatorIdType: 0, operatorId: 'ESP-OP-42' };
const pack = encodeMessagePack([basic, op]);

function only(linkType: number, data: Uint8Array): { transport: string; transmitter: string; counter: number; messages: RemoteIdMessage[] } {
  const scan = scanPacket(linkType, data);
  assert.deepEqual(scan.rejections, []);
  assert.equal(scan.payloads.length, 1);
  const p = scan.payloads[0]!;
  const d = decodePayload(p.payload);
  assert.deepEqual(d.rejections, []);
  return { transport: p.transport, transmitter: p.transmitter, counter: p.counter, messages: d.messages };
}

/** nRF Sniffer for Bluetooth LE header, protocol 3 (LINKTYPE_NORDIC_BLE), around a link-layer packet. */
function withNordic(ll: Uint8Array, coded: boolean, crcOk = true): Uint8Array {
  const b = new Uint8Array(17 + ll.length);
  b[0] = 3;
  b[1] = (10 + ll.length) & 0xff;
  b[2] = (10 + ll.length) >> 8;
  b[3] = 3;
  b[6] = 0x02;
  b[7] = 10;
  b[8] = (crcOk ? 1 : 0) | (coded ? 2 << 4 : 0);
  b[9] = 37;
  b.set(ll, 17);
  return b;
}

describe('Remote ID framings', () => {
  const legacyLl = buildLinkLayerPacket(buildLegacyAdvertisingPdu(MAC, buildServiceData(7, encodeMessage(basic))));
  const extLl = buildLinkLayerPacket(buildExtendedAdvertisingPdu(MAC, buildServiceData(8, pack)), { coded: true });

  it('Bluetooth 4 legacy advertising: one message, over LE LL, LE LL with pseudo-header and the nRF Sniffer', () => {
    const expected = { transport: 'bt-legacy', transmitter: MAC, counter: 7, messages: [basic] };
    assert.deepEqual(only(LINKTYPE.BLUETOOTH_LE_LL, legacyLl), expected);
    assert.deepEqual(only(LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR, withBlePhdr(legacyLl, false)), expected);
    assert.deepEqual(only(LINKTYPE.NORDIC_BLE, withNordic(legacyLl, false)), expected);
  });

  it('Bluetooth 5 extended advertising on LE Coded (coding indicator), a message pack', () => {
    const expected = { transport: 'bt-extended', transmitter: MAC, counter: 8, messages: [basic, op] };
    assert.deepEqual(only(LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR, withBlePhdr(extLl, true)), expected);
    assert.deepEqual(only(LINKTYPE.NORDIC_BLE, withNordic(extLl, true)), expected);
  });

  it('Wi-Fi beacon vendor element and NAN service discovery, over 802.11 and radiotap (with and without FCS)', () => {
    const beacon = buildBeaconFrame({ mac: MAC, counter: 9, pack });
    const nan = buildNanActionFrame({ mac: MAC, counter: 10, pack });
    assert.deepEqual(only(LINKTYPE.IEEE802_11, beacon), { transport: 'wifi-beacon', transmitter: MAC, counter: 9, messages: [basic, op] });
    assert.deepEqual(only(LINKTYPE.IEEE802_11_RADIOTAP, withRadiotap(beacon, { fcs: true })).counter, 9);
    assert.deepEqual(only(LINKTYPE.IEEE802_11_RADIOTAP, withRadiotap(nan)), { transport: 'wifi-nan', transmitter: MAC, counter: 10, messages: [basic, op] });
  });

  it('HCI LE advertising reports (legacy and extended) as a phone or BlueZ sees them', () => {
    const ad = buildServiceData(11, encodeMessage(op));
    const addr = Uint8Array.from(MAC.split(':').map((h) => parseInt(h, 16))).reverse();
    const legacy = Uint8Array.from([0x04, 0x3e, 12 + ad.length, 0x02, 1, 0x03, 0x01, ...addr, ad.length, ...ad, 0xc0]);
    assert.deepEqual(only(LINKTYPE.BLUETOOTH_HCI_H4, legacy), { transport: 'bt-legacy', transmitter: MAC, counter: 11, messages: [op] });
    const packAd = buildServiceData(12, pack);
    const ext = Uint8Array.from([
      0x04, 0x3e, 2 + 24 + packAd.length, 0x0d, 1, 0x00, 0x00, 0x01, ...addr, 0x01, 0x03, 0x00, 0x7f, 0xc0, 0, 0, 0x00, 0, 0, 0, 0, 0, 0,
      packAd.length, ...packAd,
    ]);
    assert.deepEqual(only(LINKTYPE.BLUETOOTH_HCI_H4_WITH_PHDR, Uint8Array.from([0, 0, 0, 1, ...ext])).transport, 'bt-extended');
  });

  it('feed datagrams inside an Ethernet/IPv4/UDP capture on the feed port', () => {
    const dg = encodeFeedDatagram('wifi', buildBeaconFrame({ mac: MAC, counter: 13, pack }));
    const udp = new Uint8Array(8 + dg.length);
    udp.set([0x9c, 0x40, 34110 >> 8, 34110 & 0xff, udp.length >> 8, udp.length & 0xff], 0);
    udp.set(dg, 8);
    const ip = new Uint8Array(20 + udp.length);
    ip.set([0x45, 0, ip.length >> 8, ip.length & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
    ip.set(udp, 20);
    const eth = new Uint8Array(14 + ip.length);
    eth.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]);
    eth.set(ip, 14);
    assert.equal(only(LINKTYPE.ETHERNET, eth).counter, 13);
    assert.deepEqual(scanPacket(LINKTYPE.ETHERNET, eth, { feedPort: 9999 }), { payloads: [], rejections: [] }, 'other ports are not the feed');
  });

  it('every feed datagram kind', () => {
    const beacon = buildBeaconFrame({ mac: MAC, counter: 1, pack });
    const kinds = [
      encodeFeedDatagram('wifi', beacon), encodeFeedDatagram('radiotap', withRadiotap(beacon)),
      encodeFeedDatagram('bleLinkLayer', legacyLl),
      encodeFeedDatagram('bleLegacyAdvertising', buildServiceData(1, encodeMessage(basic)), MAC),
      encodeFeedDatagram('bleExtendedAdvertising', buildServiceData(1, pack), MAC),
    ];
    assert.deepEqual(kinds.map((d) => scanFeedDatagram(d).payloads[0]?.transport), ['wifi-beacon', 'wifi-beacon', 'bt-legacy', 'bt-legacy', 'bt-extended']);
    assert.deepEqual(kinds.map((d) => scanFeedDatagram(d).payloads[0]?.transmitter), Array(5).fill(MAC));
    assert.equal(scanFeedDatagram(Uint8Array.of(0x09, 1, 2)).rejections[0]?.reason, 'bad-framing');
  });
});

describe('Remote ID framings: checksums and corruption', () => {
  it('BLE CRC-24 of a known advertising packet', () => {
    // ADV_NONCONN_IND header 0x42 0x09, AdvA 01:02:03:04:05:06, AD 02 01 06; value computed by the bit-serial definition
    // of Core spec Vol 6 Part B §3.1.1 and checked against the CRCs of a real nRF Sniffer capture.
    const pdu = Uint8Array.from([0x42, 0x09, 6, 5, 4, 3, 2, 1, 0x02, 0x01, 0x06]);
    const ll = buildLinkLayerPacket(pdu);
    const sent = (ll[ll.length - 3] as number) | ((ll[ll.length - 2] as number) << 8) | ((ll[ll.length - 1] as number) << 16);
    assert.equal(sent, bleCrc24(pdu));
    assert.notEqual(bleCrc24(pdu), bleCrc24(Uint8Array.from([0x42, 0x09, 6, 5, 4, 3, 2, 1, 0x02, 0x01, 0x07])));
  });

  it('a Remote ID advertisement with a bad CRC is rejected; another device\'s is ignored', () => {
    const rid = buildLinkLayerPacket(buildLegacyAdvertisingPdu(MAC, buildServiceData(1, encodeMessage(basic))));
    rid[20] = (rid[20] as number) ^ 0x01;
    assert.deepEqual(scanPacket(LINKTYPE.BLUETOOTH_LE_LL, rid).rejections.map((r) => r.reason), ['bad-crc']);
    const other = buildLinkLayerPacket(buildLegacyAdvertisingPdu(MAC, Uint8Array.of(2, 1, 6)));
    other[other.length - 1] = (other[other.length - 1] as number) ^ 0xff;
    assert.deepEqual(scanPacket(LINKTYPE.BLUETOOTH_LE_LL, other), { payloads: [], rejections: [] });
  });

  it('the sniffer\'s CRC flag and a bad Wi-Fi FCS reject the frame', () => {
    const ll = buildLinkLayerPacket(buildExtendedAdvertisingPdu(MAC, buildServiceData(2, pack)), { coded: true, crc: false });
    assert.deepEqual(scanPacket(LINKTYPE.NORDIC_BLE, withNordic(ll, true, false)).rejections.map((r) => r.reason), ['bad-crc']);
    const rt = withRadiotap(buildBeaconFrame({ mac: MAC, counter: 3, pack }), { fcs: true });
    rt[rt.length - 1] = (rt[rt.length - 1] as number) ^ 0xff;
    assert.deepEqual(scanPacket(LINKTYPE.IEEE802_11_RADIOTAP, rt).rejections.map((r) => r.reason), ['bad-crc']);
  });

  it('length fields that overrun the frame', () => {
    const beacon = buildBeaconFrame({ mac: MAC, counter: 1, pack });
    assert.deepEqual(scanPacket(LINKTYPE.IEEE802_11, beacon.subarray(0, beacon.length - 10)).rejections.map((r) => r.reason), ['truncated']);
    const nan = buildNanActionFrame({ mac: MAC, counter: 1, pack });
    const badInfo = Uint8Array.from(nan);
    badInfo[24 + 6 + 12] = 250; // service info length past the attribute
    assert.deepEqual(scanPacket(LINKTYPE.IEEE802_11, badInfo).rejections.map((r) => r.reason), ['bad-length']);
    const ad = buildServiceData(1, encodeMessage(basic));
    assert.deepEqual(scanFeedDatagram(encodeFeedDatagram('bleLegacyAdvertising', ad.subarray(0, 20), MAC)).rejections.map((r) => r.reason), ['truncated']);
    assert.equal(scanPacket(LINKTYPE.IEEE802_11_RADIOTAP, Uint8Array.of(0, 0, 200, 0, 0, 0, 0, 0)).rejections[0]?.reason, 'bad-framing');
    assert.equal(scanPacket(4242, Uint8Array.of(1)).rejections[0]?.reason, 'unsupported-link-type');
  });
});
