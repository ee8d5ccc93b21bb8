import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DetectionEvent } from '../events.js';
import { LINKTYPE } from '../pcap/link-types.js';
import { readPcap } from '../pcap/pcap-reader.js';
import { PcapWriter } from '../pcap/pcap-writer.js';
import { RemoteIdReceiver, type ReceiverOutput } from './receiver.js';
import { simulateFlight, type FlightPlan, type SimulatedPacket } from './simulate.js';
import { parseZones } from './zones.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'popart-rid-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const T0 = Date.UTC(2025, 5, 14, 19, 0, 0);
const zones = parseZones({
  zones: [
    { name: 'bernabeu', severity: 'high', polygon: [[-3.6895, 40.4520], [-3.6870, 40.4520], [-3.6870, 40.4540], [-3.6895, 40.4540]] },
    { name: 'far-away', circle: { latitude: 41.0, longitude: -3.0, radius_m: 500 } },
  ],
});
const crossing: FlightPlan = {
  serial: '1581F5FHD229400A1B2C', mac: '60:60:1f:aa:bb:01', from: [40.4500, -3.6883], to: [40.4560, -3.6883], heightM: 80, speedMps: 10,
  operator: [40.4495, -3.6900], operatorId: 'ESP-RPAS-7f3a9c', startMs: T0, transports: ['wifi-beacon', 'bt-legacy'],
};

function run(packets: SimulatedPacket[], options: ConstructorParameters<typeof RemoteIdReceiver>[0] = {}): { r: RemoteIdReceiver; out: ReceiverOutput[] } {
  const r = new RemoteIdReceiver({ zones, eventUpdateIntervalS: 5, source: 'rx-test', ...options });
  const out: ReceiverOutput[] = [];
  for (const p of packets) out.push(...r.handlePacket(p.linkType, p.data, p.timestampMs));
  out.push(...r.finish());
  return { r, out };
}
const eventsOf = (out: ReceiverOutput[]): DetectionEvent[] => out.flatMap((o) => (o.kind === 'event' ? [o.event] : []));

describe('Remote ID receiver', () => {
  it('a synthetic pcapng (Wi-Fi beacon + BT4): the drone, its operator, one incursion event updated under one id', async () => {
    const path = join(dir, 'crossing.pcapng');
    const w = await PcapWriter.create(path, { format: 'pcapng', linkTypes: [LINKTYPE.IEEE802_11_RADIOTAP, LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR] });
    const packets = simulateFlight(crossing);
    for (const p of packets) await w.write({ timestampMs: p.timestampMs, data: p.data, interfaceId: p.linkType === LINKTYPE.IEEE802_11_RADIOTAP ? 0 : 1 });
    await w.close();

    const r = new RemoteIdReceiver({ zones, eventUpdateIntervalS: 5, source: 'rx-test' });
    const out: ReceiverOutput[] = [];
    for await (const rec of readPcap(path)) out.push(...r.handlePacket(rec.linkType, rec.data, rec.timestampMs));
    out.push(...r.finish());

    assert.equal(r.stats.packets, packets.length);
    assert.equal(r.stats.remoteIdPackets, packets.length);
    assert.equal(r.stats.rejectedPackets, 0);
    const [drone, ...others] = r.tracks();
    assert.equal(others.length, 0);
    assert.equal(drone?.id, crossing.serial);
    assert.deepEqual([drone?.idType, drone?.uaType, drone?.status], ['serial-number', 'helicopter-or-multirotor', 'airborne']);
    assert.deepEqual(drone?.transports.sort(), ['bt-legacy', 'wifi-beacon']);
    assert.equal(drone?.operator.id, crossing.operatorId);
    assert.ok(Math.abs((drone?.operator.latitude ?? 0) - 40.4495) < 1e-6 && Math.abs((drone?.operator.longitude ?? 0) + 3.69) < 1e-6);
    assert.ok(Math.abs((drone?.latitude ?? 0) - 40.456) < 1e-4, `last position is the end of the flight (${drone?.latitude})`);
    assert.equal(drone?.heightM, 80);
    assert.equal(drone?.headingDeg, 0);
    assert.equal(drone?.speedMps, 10);

    const events = eventsOf(out);
    assert.ok(events.length >= 4, `entry, updates and exit (${events.length})`);
    assert.equal(new Set(events.map((e) => e.id)).size, 1, 'one event id for the incursion');
    const [first, last] = [events[0]!, events[events.length - 1]!];
    assert.deepEqual([first.category, first.sensorKind, first.severity, first.zone, first.source], ['drone', 'remote-id', 'high', 'bernabeu', 'rx-test']);
    assert.equal(first.measurements.state, 'inside');
    assert.equal(last.measurements.state, 'left');
    assert.ok(first.area?.shape === 'circle' && first.area.latitude >= 40.452 && first.area.latitude <= 40.4541 && first.area.radius_m === 10);
    assert.equal(first.remoteId?.uasId, crossing.serial);
    assert.equal(first.remoteId?.operatorId, crossing.operatorId);
    assert.equal(first.remoteId?.operatorLatitude, 40.4495);
    assert.ok(Number(last.measurements.in_zone_s) > 18 && Number(last.measurements.in_zone_s) < 24, `about 22 s inside (${last.measurements.in_zone_s})`);
    assert.equal(first.startedAt, last.startedAt);
    assert.ok(last.observedAt > first.observedAt);
    assert.ok((first.mediaTimeS ?? 0) > 15 && (first.mediaTimeS ?? 0) < 25);
    for (let i = 1; i < events.length - 1; i++) {
      assert.ok(Date.parse(events[i]!.observedAt) - Date.parse(events[i - 1]!.observedAt) >= 5000, 'updates at most every 5 s');
    }
  });

  it('a drone that leaves and comes back: two incursions, two ids', () => {
    const back: FlightPlan = { ...crossing, from: crossing.to, to: crossing.from, startMs: T0 + 70_000 };
    const events = eventsOf(run([...simulateFlight(crossing), ...simulateFlight(back)]).out);
    const ids = [...new Set(events.map((e) => e.id))];
    assert.equal(ids.length, 2);
    assert.deepEqual(events.filter((e) => e.measurements.state === 'left').length, 2);
  });

  it('Bluetooth 4 alone: the Location comes before the Basic ID; the track is renamed, the event keeps its id', () => {
    const bt: FlightPlan = { ...crossing, from: [40.4530, -3.6883], transports: ['bt-legacy'] };
    const { r, out } = run(simulateFlight(bt));
    const firstDrone = out.find((o) => o.kind === 'drone');
    assert.equal(firstDrone?.kind === 'drone' && firstDrone.drone.id, `tx:${crossing.mac}`, 'named by its transmitter first');
    assert.deepEqual(r.tracks().map((t) => t.id), [crossing.serial]);
    const events = eventsOf(out);
    assert.equal(events[0]?.trackId, `tx:${crossing.mac}`);
    assert.equal(events[events.length - 1]?.trackId, crossing.serial);
    assert.equal(new Set(events.map((e) => e.id)).size, 1);
  });

  it('one drone heard on two transmitters (two MAC addresses) is one track', () => {
    const wifi = simulateFlight({ ...crossing, transports: ['wifi-nan'] });
    const ble = simulateFlight({ ...crossing, mac: '60:60:1f:aa:bb:02', transports: ['bt-extended'] });
    const { r } = run([...wifi, ...ble].sort((a, b) => a.timestampMs - b.timestampMs));
    const tracks = r.tracks();
    assert.equal(tracks.length, 1);
    assert.deepEqual(tracks[0]?.transmitters.sort(), ['60:60:1f:aa:bb:01', '60:60:1f:aa:bb:02']);
  });

  it('a drone that falls silent inside a zone: the incursion ends as lost; at the end of input as inside', () => {
    const stop: FlightPlan = { ...crossing, to: [40.4530, -3.6883] };
    const other: FlightPlan = { ...crossing, serial: 'OTHER', mac: '02:00:00:00:00:09', from: [40.40, -3.60], to: [40.40, -3.599], startMs: T0 + 60_000, transports: ['wifi-beacon'], periodS: 5 };
    const lost = eventsOf(run([...simulateFlight(stop), ...simulateFlight(other)], { dropAfterS: 20 }).out);
    assert.equal(lost[lost.length - 1]?.measurements.state, 'lost');
    const atEnd = eventsOf(run(simulateFlight(stop)).out);
    assert.equal(atEnd[atEnd.length - 1]?.measurements.state, 'inside');
    assert.equal(new Set(atEnd.map((e) => e.id)).size, 1);
  });

  it('drone reports are throttled per drone; no zones, no events; authentication pages are reassembled', () => {
    const { r, out } = run(simulateFlight({ ...crossing, transports: ['wifi-beacon'], authentication: true, periodS: 0.25 }), { zones: [], reportIntervalS: 2 });
    const reports = out.filter((o) => o.kind === 'drone' && !o.final);
    assert.ok(reports.length > 30 && reports.length < 40, `one report per 2 s of a ~67 s flight (${reports.length})`);
    assert.equal(eventsOf(out).length, 0);
    const auth = r.tracks()[0]?.authentication;
    assert.deepEqual(auth && { type: auth.type, complete: auth.complete, length: auth.length, data: auth.dataHex }, {
      type: 'uas-id-signature', complete: true, length: 30, data: '11'.repeat(17) + '22'.repeat(13),
    });
  });

  it('rejections are counted by reason with samples, and the receiver goes on', () => {
    const packets = simulateFlight({ ...crossing, transports: ['wifi-beacon'], periodS: 5 });
    const bad = Uint8Array.from(packets[0]!.data);
    bad[bad.length - 2] = (bad[bad.length - 2] as number) ^ 0xff; // breaks the FCS
    // the second: the 802.11 frame alone (no radiotap, no FCS), cut inside the Remote ID element
    const { r } = run([{ ...packets[0]!, data: bad }, { ...packets[0]!, linkType: LINKTYPE.IEEE802_11, data: packets[0]!.data.subarray(9, packets[0]!.data.length - 30) }, ...packets.slice(1)]);
    assert.deepEqual(r.stats.rejections, { 'bad-crc': 1, truncated: 1 });
    assert.equal(r.stats.rejectedPackets, 2);
    assert.deepEqual(r.stats.samples.map((s) => [s.packet, s.reason]), [[0, 'bad-crc'], [1, 'truncated']]);
    assert.equal(r.tracks().length, 1);
  });
});
