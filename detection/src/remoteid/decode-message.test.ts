import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, decodePayload } from './decode-message.js';
import { encodeMessage, encodeMessagePack } from './encode-message.js';
import { RemoteIdError } from './errors.js';
import { scanPacket } from './link-layer.js';
import type { LocationMessage, RemoteIdMessage, SystemMessage } from './messages.js';

function roundTrip(m: RemoteIdMessage): RemoteIdMessage {
  const bytes = encodeMessage(m);
  assert.equal(bytes.length, 25);
  const r = decodeMessage(bytes);
  assert.ok(r.ok, r.ok ? '' : r.rejection.detail);
  return r.message;
}

/** Equal within each field's resolution. */
function near(actual: number | undefined, expected: number | undefined, step: number, field: string): void {
  if (expected === undefined) {
    assert.equal(actual, undefined, `${field} should be unknown`);
    return;
  }
  assert.ok(actual !== undefined, `${field} missing`);
  assert.ok(Math.abs(actual - expected) <= step / 2 + 1e-9, `${field}: ${actual} vs ${expected} (step ${step})`);
}

const location: LocationMessage = {
  type: 'location', protocolVersion: 2, status: 2, heightType: 'ground', directionDeg: 271, speedMps: 12.3,
  verticalSpeedMps: -3.4, latitude: 40.4530612, longitude: -3.6883454, pressureAltitudeM: 712.3, geodeticAltitudeM: 760.7,
  heightM: 95.2, horizontalAccuracy: 10, verticalAccuracy: 4, baroAccuracy: 3, speedAccuracy: 2, timestampS: 1234.5,
  timestampAccuracyS: 0.3,
};

describe('Remote ID messages: encode → decode', () => {
  it('Basic ID: serial number, CAA registration, UTM UUID and binary session id', () => {
    for (const [idType, uasId] of [[1, '1596F350455F3B2A9C07'], [2, 'ESP-RPAS-0000123'], [3, '3f2504e0-4f89-11d3-9a0c-0305e82c3301'], [4, '0xe1deadbeef']] as const) {
      const m = roundTrip({ type: 'basic-id', protocolVersion: 2, idType, uaType: 2, uasId });
      assert.deepEqual(m, { type: 'basic-id', protocolVersion: 2, idType, uaType: 2, uasId });
    }
  });

  it('Location/Vector: every field within its resolution, west direction, negative vertical speed', () => {
    const m = roundTrip(location) as LocationMessage;
    assert.equal(m.status, 2);
    assert.equal(m.heightType, 'ground');
    assert.equal(m.directionDeg, 271);
    near(m.speedMps, 12.3, 0.25, 'speed');
    near(m.verticalSpeedMps, -3.4, 0.5, 'vertical speed');
    near(m.latitude, 40.4530612, 1e-7, 'latitude');
    near(m.longitude, -3.6883454, 1e-7, 'longitude');
    near(m.pressureAltitudeM, 712.3, 0.5, 'pressure altitude');
    near(m.geodeticAltitudeM, 760.7, 0.5, 'geodetic altitude');
    near(m.heightM, 95.2, 0.5, 'height');
    assert.deepEqual([m.horizontalAccuracy, m.verticalAccuracy, m.baroAccuracy, m.speedAccuracy], [10, 4, 3, 2]);
    near(m.timestampS, 1234.5, 0.1, 'timestamp');
    near(m.timestampAccuracyS, 0.3, 0.1, 'timestamp accuracy');
  });

  it('Location/Vector: speeds above 63.75 m/s use the 0.75 multiplier; unknown values stay unknown', () => {
    const fast = roundTrip({ ...location, speedMps: 200.1 }) as LocationMessage;
    near(fast.speedMps, 200.1, 0.75, 'fast speed');
    const unknown = roundTrip({
      type: 'location', protocolVersion: 1, status: 0, heightType: 'takeoff', horizontalAccuracy: 0, verticalAccuracy: 0,
      baroAccuracy: 0, speedAccuracy: 0,
    });
    assert.deepEqual(unknown, {
      type: 'location', protocolVersion: 1, status: 0, heightType: 'takeoff', horizontalAccuracy: 0, verticalAccuracy: 0,
      baroAccuracy: 0, speedAccuracy: 0,
    });
  });

  it('Authentication: page 0 header (last page, length, timestamp) and a following page', () => {
    const p0 = roundTrip({ type: 'auth', protocolVersion: 2, authType: 3, page: 0, lastPageIndex: 2, length: 60, timestamp: '2024-06-01T12:00:00.000Z', dataHex: 'ab'.repeat(17) });
    assert.deepEqual(p0, { type: 'auth', protocolVersion: 2, authType: 3, page: 0, lastPageIndex: 2, length: 60, timestamp: '2024-06-01T12:00:00.000Z', dataHex: 'ab'.repeat(17) });
    const p2 = roundTrip({ type: 'auth', protocolVersion: 2, authType: 3, page: 2, dataHex: 'cd'.repeat(20) });
    assert.deepEqual(p2, { type: 'auth', protocolVersion: 2, authType: 3, page: 2, dataHex: 'cd'.repeat(20) + '000000' });
  });

  it('Self ID, Operator ID', () => {
    assert.deepEqual(roundTrip({ type: 'self-id', protocolVersion: 2, descriptionType: 1, description: 'Motor failure, landing' }),
      { type: 'self-id', protocolVersion: 2, descriptionType: 1, description: 'Motor failure, landing' });
    assert.deepEqual(roundTrip({ type: 'operator-id', protocolVersion: 2, operatorIdType: 0, operatorId: 'ESPabc123def456gh' }),
      { type: 'operator-id', protocolVersion: 2, operatorIdType: 0, operatorId: 'ESPabc123def456gh' });
  });

  it('System: operator position and altitude, group area, EU classification, timestamp since 2019', () => {
    const sys: SystemMessage = {
      type: 'system', protocolVersion: 2, operatorLocationType: 2, classificationType: 1, operatorLatitude: 40.45, operatorLongitude: -3.69,
      operatorAltitudeM: 655.5, areaCount: 12, areaRadiusM: 250, areaCeilingM: 900, areaFloorM: 600, categoryEu: 2, classEu: 3,
      timestamp: '2025-03-02T10:11:12.000Z',
    };
    assert.deepEqual(roundTrip(sys), sys);
    const undeclared = roundTrip({ type: 'system', protocolVersion: 2, operatorLocationType: 0, classificationType: 0, areaCount: 1, areaRadiusM: 0 });
    assert.deepEqual(undeclared, { type: 'system', protocolVersion: 2, operatorLocationType: 0, classificationType: 0, areaCount: 1, areaRadiusM: 0 });
  });

  it('Message Pack: up to 9 messages in order', () => {
    const msgs: RemoteIdMessage[] = [
      { type: 'basic-id', protocolVersion: 2, idType: 1, uaType: 2, uasId: 'SERIAL1' }, location,
      { type: 'operator-id', protocolVersion: 2, operatorIdType: 0, operatorId: 'OP1' },
    ];
    const r = decodePayload(encodeMessagePack(msgs));
    assert.equal(r.packed, true);
    assert.deepEqual(r.rejections, []);
    assert.deepEqual(r.messages.map((m) => m.type), ['basic-id', 'location', 'operator-id']);
  });
});

describe('Remote ID messages: rejections name the reason', () => {
  const bad = (bytes: Uint8Array): { reason: string; detail: string } => {
    const r = decodePayload(bytes);
    assert.equal(r.messages.length, 0, 'nothing decoded');
    assert.equal(r.rejections.length, 1);
    return r.rejections[0] as { reason: string; detail: string };
  };

  it('truncated message and pack', () => {
    assert.equal(bad(encodeMessage(location).subarray(0, 24)).reason, 'truncated');
    const pack = encodeMessagePack([location, location]);
    assert.match(bad(pack.subarray(0, pack.length - 1)).detail, /52 of 53 bytes for 2 messages/);
  });

  it('unknown message type, latitude past 90°, impossible direction and timestamp', () => {
    const b = encodeMessage(location);
    b[0] = 0x72;
    assert.equal(bad(b).reason, 'unknown-message-type');
    const lat = encodeMessage(location);
    new DataView(lat.buffer).setInt32(5, 950_000_000, true);
    assert.deepEqual(bad(lat), { reason: 'out-of-range', detail: 'location.latitude: 95 is outside ±90' });
    const dir = encodeMessage(location);
    dir[2] = 200;
    assert.equal(bad(dir).reason, 'out-of-range');
    const ts = encodeMessage(location);
    new DataView(ts.buffer).setUint16(21, 40000, true);
    assert.match(bad(ts).detail, /location\.timestamp/);
  });

  it('bad packs: message size, count, nesting; a bad message in a pack is rejected alone', () => {
    const pack = encodeMessagePack([location]);
    pack[1] = 24;
    assert.equal(bad(pack).reason, 'bad-pack');
    const many = encodeMessagePack([location]);
    many[2] = 10;
    assert.equal(bad(many).reason, 'bad-pack');
    const nested = encodeMessagePack([location, location]);
    nested[3 + 25] = 0xf2;
    const r = decodePayload(nested);
    assert.equal(r.messages.length, 1);
    assert.deepEqual(r.rejections.map((x) => x.reason), ['bad-pack']);
  });

  it('auth page 0 whose length does not fit its pages', () => {
    const m = encodeMessage({ type: 'auth', protocolVersion: 2, authType: 1, page: 0, lastPageIndex: 0, length: 17, dataHex: '' });
    m[3] = 18;
    assert.match(bad(m).detail, /auth\.length: 18 bytes do not fit in 1 page/);
  });

  it('encoder refuses values the layout cannot carry, naming the field', () => {
    assert.throws(() => encodeMessage({ ...location, latitude: 91 }), (e: unknown) => e instanceof RemoteIdError && e.field === 'location.latitude');
    assert.throws(() => encodeMessage({ type: 'self-id', protocolVersion: 2, descriptionType: 0, description: 'x'.repeat(24) }),
      (e: unknown) => e instanceof RemoteIdError && e.field === 'selfId.description' && /24 characters, at most 23/.test(e.message));
    assert.throws(() => encodeMessage({ type: 'basic-id', protocolVersion: 2, idType: 16, uaType: 0, uasId: 'x' }), /basicId\.idType/);
    assert.throws(() => encodeMessagePack([]), /messagePack\.messages/);
  });
});

describe('Remote ID messages: a real producer', () => {
  // One Wi-Fi beacon (radiotap) from odid_wifi_bcn_sample.pcap of the opendroneid wireshark-dissector repository
  // (Apache-2.0), sent by an ESP32 running opendroneid firmware. Values as the dissector shows them.
  const beacon = Buffer.from(
    '00b511002e18000000028509a000df010480000000ffffffffffff84cca860432484cca8604324000d0000000000000000b80b2104030106000e47' +
    '42522d4f502d31323341424344dd85fa0bbc0dd0f0190500004d464731413031323334353637383900000000000050f610005c527ebcba251ba8' +
    '8cb4b60000aa099808394100000a00300052656372656174696f6e616c00000000000000000000004004a485251b6edbb3b60100320000000015' +
    '0000000000000050004742522d4f502d31323341424344000000000000000000', 'hex');

  it('decodes its message pack', () => {
    const scan = scanPacket(127, beacon);
    assert.deepEqual(scan.rejections, []);
    assert.equal(scan.payloads.length, 1);
    const p = scan.payloads[0]!;
    assert.deepEqual([p.transport, p.transmitter, p.counter], ['wifi-beacon', '84:cc:a8:60:43:24', 208]);
    const { messages } = decodePayload(p.payload);
    assert.deepEqual(messages.map((m) => m.type), ['basic-id', 'location', 'self-id', 'system', 'operator-id']);
    assert.deepEqual(messages[0], { type: 'basic-id', protocolVersion: 0, idType: 0, uaType: 0, uasId: 'MFG1A0123456789' });
    assert.deepEqual(messages[1], {
      type: 'location', protocolVersion: 0, status: 0, heightType: 'takeoff', directionDeg: 92, speedMps: 20.5,
      latitude: 45.5457468, longitude: -122.9681496, geodeticAltitudeM: 237, heightM: 100, horizontalAccuracy: 9,
      verticalAccuracy: 3, baroAccuracy: 4, speedAccuracy: 1, timestampS: 0, timestampAccuracyS: 1,
    });
    assert.deepEqual(messages[2], { type: 'self-id', protocolVersion: 0, descriptionType: 0, description: 'Recreational' });
    assert.deepEqual(messages[3], {
      type: 'system', protocolVersion: 0, operatorLocationType: 0, classificationType: 1, operatorLatitude: 45.5443876,
      operatorLongitude: -122.9726866, areaCount: 1, areaRadiusM: 500, categoryEu: 1, classEu: 5,
    });
    assert.deepEqual(messages[4], { type: 'operator-id', protocolVersion: 0, operatorIdType: 0, operatorId: 'GBR-OP-123ABCD' });
  });
});
