/**
 * Fuzz-like robustness: random bytes, truncations and bit flips of valid frames, through every link type and the
 * feed, never throw and every rejection carries a known reason and a detail. Bounded: a fixed seed and counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../audio-eval/synth.js';
import { LINKTYPE } from '../pcap/link-types.js';
import { buildExtendedAdvertisingPdu, buildLegacyAdvertisingPdu, buildLinkLayerPacket, buildServiceData } from './bluetooth.js';
import { decodePayload } from './decode-message.js';
import { encodeMessage, encodeMessagePack } from './encode-message.js';
import { FEED_KINDS } from './feed-format.js';
import { SUPPORTED_LINK_TYPES, scanFeedDatagram, scanPacket } from './link-layer.js';
import { RemoteIdReceiver } from './receiver.js';
import { REJECT_REASONS } from './rejection.js';
import { flightMessages, simulateFlight, withBlePhdr, type FlightPlan } from './simulate.js';
import type { FrameScan } from './transport.js';
import { buildBeaconFrame, buildNanActionFrame } from './wifi.js';

function checkScan(scan: FrameScan, what: string): void {
  for (const r of scan.rejections) {
    assert.ok((REJECT_REASONS as readonly string[]).includes(r.reason), `${what}: unknown reason ${r.reason}`);
    assert.ok(r.detail.length > 0, `${what}: empty detail`);
  }
  for (const p of scan.payloads) {
    const d = decodePayload(p.payload);
    for (const r of d.rejections) assert.ok((REJECT_REASONS as readonly string[]).includes(r.reason), `${what}: unknown reason ${r.reason}`);
  }
}

const plan: FlightPlan = {
  serial: 'FUZZ0000000000000001', mac: '02:00:00:00:00:01', from: [40.45, -3.69], to: [40.451, -3.689], heightM: 50, speedMps: 10,
  operator: [40.449, -3.691], operatorId: 'FUZZ-OP', startMs: Date.UTC(2025, 4, 1, 12), transports: ['bt-legacy', 'bt-extended', 'wifi-beacon', 'wifi-nan'],
  authentication: true,
};

describe('Remote ID decoder robustness', () => {
  const rand = mulberry32(0x5eed);
  const seeds = simulateFlight({ ...plan, periodS: 2 }).slice(0, 16);

  it('random bytes on every link type and the feed: no throw, known reasons', () => {
    for (let i = 0; i < 1500; i++) {
      const len = Math.floor(rand() * 300);
      const b = new Uint8Array(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rand() * 256);
      const linkType = SUPPORTED_LINK_TYPES[i % SUPPORTED_LINK_TYPES.length] as number;
      checkScan(scanPacket(linkType, b), `random ${i} on link type ${linkType}`);
      checkScan(scanFeedDatagram(b), `random feed ${i}`);
      const r = decodePayload(b);
      assert.equal(r.messages.length + r.rejections.length > 0 || b.length === 0 || r.packed, true, 'something was said about the payload');
    }
  });

  it('random bytes behind valid headers (Remote ID signatures with garbage after them)', () => {
    const prefixes = [
      Uint8Array.of(FEED_KINDS.bleLegacyAdvertising, 1, 2, 3, 4, 5, 6, 0x1e, 0x16, 0xfa, 0xff, 0x0d),
      Uint8Array.of(FEED_KINDS.bleExtendedAdvertising, 1, 2, 3, 4, 5, 6, 0xf0, 0x16, 0xfa, 0xff, 0x0d, 0x01, 0xf2),
    ];
    let rejected = 0;
    for (let i = 0; i < 600; i++) {
      const prefix = prefixes[i % prefixes.length] as Uint8Array;
      const tail = new Uint8Array(Math.floor(rand() * 260));
      for (let j = 0; j < tail.length; j++) tail[j] = Math.floor(rand() * 256);
      const scan = scanFeedDatagram(Uint8Array.from([...prefix, ...tail]));
      checkScan(scan, `prefixed ${i}`);
      if (scan.rejections.length > 0 || scan.payloads.some((p) => decodePayload(p.payload).rejections.length > 0)) rejected++;
    }
    assert.ok(rejected > 300, `most garbage behind a Remote ID header is rejected (${rejected}/600)`);
  });

  it('every truncation of a valid frame: no throw; cut into the Remote ID part → truncated', () => {
    for (const s of seeds) {
      for (let cut = 0; cut < s.data.length; cut++) checkScan(scanPacket(s.linkType, s.data.subarray(0, cut)), `${s.transport} cut at ${cut}`);
    }
    // Without trailing checksums (802.11 without FCS, BLE advertising data) the cut is always noticed.
    const pack = encodeMessagePack(flightMessages(plan, 1).slice(0, 9));
    const beacon = buildBeaconFrame({ mac: plan.mac, counter: 1, pack });
    const vendorAt = beacon.length - pack.length - 7;
    for (let cut = vendorAt + 5; cut < beacon.length; cut++) { // from the OUI on, the element is known to be Remote ID
      const scan = scanPacket(LINKTYPE.IEEE802_11, beacon.subarray(0, cut));
      const reasons = [...scan.rejections, ...scan.payloads.flatMap((p) => decodePayload(p.payload).rejections)].map((r) => r.reason);
      assert.ok(reasons.includes('truncated'), `beacon cut at ${cut}/${beacon.length}: ${reasons.join(',')}`);
    }
    const nan = buildNanActionFrame({ mac: plan.mac, counter: 1, pack });
    for (let cut = 24 + 6 + 3 + 6; cut < nan.length - 7; cut++) { // from the service id on
      const scan = scanPacket(LINKTYPE.IEEE802_11, nan.subarray(0, cut));
      assert.ok(scan.rejections.length > 0 && scan.payloads.length === 0, `NAN cut at ${cut}/${nan.length} is rejected`);
    }
  });

  it('single bit flips of valid frames: no throw; with a CRC, any flip in the PDU is caught', () => {
    for (const s of seeds) {
      for (let i = 0; i < 60; i++) {
        const b = Uint8Array.from(s.data);
        const at = Math.floor(rand() * b.length);
        b[at] = (b[at] as number) ^ (1 << Math.floor(rand() * 8));
        checkScan(scanPacket(s.linkType, b), `${s.transport} flip at ${at}`);
      }
    }
    const ll = buildLinkLayerPacket(buildLegacyAdvertisingPdu(plan.mac, buildServiceData(3, encodeMessage(flightMessages(plan, 0)[1]!))));
    for (let at = 4; at < ll.length - 3; at++) {
      const b = Uint8Array.from(ll);
      b[at] = (b[at] as number) ^ 0x10;
      const scan = scanPacket(LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR, withBlePhdr(b, false));
      assert.equal(scan.payloads.length, 0, `flip at ${at} not accepted`);
    }
    const ext = buildLinkLayerPacket(buildExtendedAdvertisingPdu(plan.mac, buildServiceData(4, encodeMessagePack(flightMessages(plan, 0).slice(0, 5)))));
    checkScan(scanPacket(LINKTYPE.BLUETOOTH_LE_LL, ext), 'ext ok');
  });

  it('the receiver survives garbage and keeps counting', () => {
    const r = new RemoteIdReceiver();
    for (let i = 0; i < 500; i++) {
      const b = new Uint8Array(Math.floor(rand() * 120));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
      r.handlePacket(SUPPORTED_LINK_TYPES[i % SUPPORTED_LINK_TYPES.length] as number, b, Date.UTC(2025, 0, 1) + i);
      r.handleDatagram(b, Date.UTC(2025, 0, 1) + i);
    }
    assert.equal(r.stats.packets, 1000);
    assert.equal(r.stats.remoteIdPackets + r.stats.rejectedPackets + r.stats.otherPackets >= 1000, true);
    for (const reason of Object.keys(r.stats.rejections)) assert.ok((REJECT_REASONS as readonly string[]).includes(reason));
  });
});
