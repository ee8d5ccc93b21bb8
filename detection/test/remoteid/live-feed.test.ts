/** The live UDP feed on 127.0.0.1: real sockets, datagrams of every kind, garbage in between. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import {
  buildBeaconFrame, buildLegacyAdvertisingPdu, buildLinkLayerPacket, buildServiceData, encodeFeedDatagram, encodeMessage,
  encodeMessagePack, flightMessages, listenFeed, parseFeedUrl, RemoteIdError, RemoteIdReceiver, type FlightPlan, type ReceiverOutput,
} from '../../src/index.js';

const plan: FlightPlan = {
  serial: 'LIVE000000000000FEED', mac: '02:11:22:33:44:55', from: [40.4530, -3.6883], to: [40.4531, -3.6883], heightM: 40, speedMps: 5,
  operator: [40.4525, -3.6890], operatorId: 'LIVE-OP', startMs: Date.now(), transports: ['wifi-beacon'],
};

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

describe('live Remote ID feed over UDP', () => {
  it('decodes datagrams of every kind as they arrive, counts garbage, and stops cleanly', async () => {
    const receiver = new RemoteIdReceiver({
      zones: [{ name: 'here', severity: 'high', shape: { kind: 'circle', latitude: 40.4530, longitude: -3.6883, radiusM: 100 } }],
      reportIntervalS: 0,
    });
    const outputs: ReceiverOutput[] = [];
    const feed = await listenFeed(receiver, { host: '127.0.0.1', port: 0 }, (o) => outputs.push(o));
    const client = createSocket('udp4');
    try {
      assert.equal(feed.address.address, '127.0.0.1');
      assert.ok(feed.address.port > 0);
      const msgs = flightMessages(plan, 0);
      const datagrams = [
        encodeFeedDatagram('bleLegacyAdvertising', buildServiceData(1, encodeMessage(msgs[1]!)), plan.mac), // location first
        encodeFeedDatagram('bleLinkLayer', buildLinkLayerPacket(buildLegacyAdvertisingPdu(plan.mac, buildServiceData(2, encodeMessage(msgs[0]!))))),
        Uint8Array.of(0x77, 1, 2, 3), // not a feed kind
        encodeFeedDatagram('wifi', buildBeaconFrame({ mac: plan.mac, counter: 3, pack: encodeMessagePack(msgs) })),
      ];
      for (const d of datagrams) {
        await new Promise<void>((resolve, reject) => client.send(d, feed.address.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      }
      await waitFor(() => receiver.stats.packets === datagrams.length, 'all datagrams');
      assert.equal(receiver.stats.remoteIdPackets, 3);
      assert.deepEqual(receiver.stats.rejections, { 'bad-framing': 1 });
      const drones = outputs.flatMap((o) => (o.kind === 'drone' ? [o.drone] : []));
      assert.deepEqual(drones.map((d) => d.id), [`tx:${plan.mac}`, plan.serial, plan.serial]);
      assert.equal(drones[2]?.operator.id, 'LIVE-OP');
      const events = outputs.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
      assert.equal(events.length, 1, 'entered the zone once');
      assert.equal(events[0]?.sensorKind, 'remote-id');
    } finally {
      client.close();
      await feed.close();
    }
  });

  it('parses udp:// sources and refuses others', () => {
    assert.deepEqual(parseFeedUrl('udp://127.0.0.1:34110'), { host: '127.0.0.1', port: 34110 });
    assert.deepEqual(parseFeedUrl('udp://[::1]:9'), { host: '::1', port: 9 });
    assert.throws(() => parseFeedUrl('tcp://127.0.0.1:1'), (e: unknown) => e instanceof RemoteIdError && e.field === 'source');
    assert.throws(() => parseFeedUrl('udp://127.0.0.1:70000'), /past 65535/);
  });

  it('a port already taken is a clear error', async () => {
    const taken = await listenFeed(new RemoteIdReceiver(), { port: 0 }, () => undefined);
    try {
      await assert.rejects(listenFeed(new RemoteIdReceiver(), { port: taken.address.port }, () => undefined), /cannot listen on udp:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await taken.close();
    }
  });
});
