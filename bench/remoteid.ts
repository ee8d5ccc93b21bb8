/**
 * bench/remoteid — Remote ID frames decoded per second from a synthetic pcapng (Wi-Fi beacon, Wi-Fi NAN, Bluetooth 4
 * legacy and Bluetooth 5 long-range broadcasts of several drones crossing a restricted zone), against the baseline of
 * reading the same file without decoding, in the same run. Three stages, each timed over the whole file:
 *   read     pcapng records only (the baseline)
 *   decode   read + link layers + Remote ID messages (scanPacket + decodePayload)
 *   receive  read + decode + drone tracking + restricted-zone events (RemoteIdReceiver)
 *
 *   node bench/dist/remoteid.js [--packets 200000] [--runs 3]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodePayload, parseZones, PcapWriter, readPcap, RemoteIdReceiver, scanPacket, simulateFlight, type FlightPlan, type SimulatedPacket,
} from '@popart/detection';
import { benchArgs } from './bench-kit.js';

const { number } = benchArgs('Usage: npm run bench:remoteid -- [--packets N] [--runs N]\n', {
  packets: { type: 'string', default: '200000' },
  runs: { type: 'string', default: '3' },
});
const target = number('packets');
const runs = number('runs');

const T0 = Date.UTC(2025, 5, 14, 19, 0, 0);
const zones = parseZones({ zones: [{ name: 'stadium', polygon: [[-3.6895, 40.4520], [-3.6870, 40.4520], [-3.6870, 40.4540], [-3.6895, 40.4540]] }] });

async function synthesise(path: string): Promise<number> {
  const w = await PcapWriter.create(path, { format: 'pcapng', linkTypes: [127, 256] });
  let written = 0;
  for (let drone = 0; written < target; drone++) {
    const plan: FlightPlan = {
      serial: `BENCH${String(drone).padStart(15, '0')}`, mac: `02:00:00:00:${((drone >> 8) & 0xff).toString(16).padStart(2, '0')}:${(drone & 0xff).toString(16).padStart(2, '0')}`,
      from: [40.4500 + (drone % 10) * 0.0001, -3.6883], to: [40.4560, -3.6883 + (drone % 7) * 0.0001], heightM: 50 + (drone % 50), speedMps: 12,
      operator: [40.4490, -3.6900], operatorId: `BENCH-OP-${drone}`, startMs: T0 + (drone % 20) * 1000, periodS: 0.1,
      transports: ['wifi-beacon', 'wifi-nan', 'bt-legacy', 'bt-extended'], authentication: drone % 3 === 0,
    };
    const packets: SimulatedPacket[] = simulateFlight(plan);
    for (const p of packets.slice(0, target - written)) {
      await w.write({ timestampMs: p.timestampMs, data: p.data, interfaceId: p.linkType === 127 ? 0 : 1 });
      written++;
    }
    process.stderr.write(`\rsynthesising: ${written}/${target} packets`);
  }
  await w.close();
  process.stderr.write('\n');
  return written;
}

async function timeIt(label: string, body: () => Promise<number>): Promise<{ ms: number; count: number }> {
  let best = Infinity;
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    count = await body();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    best = Math.min(best, ms);
    process.stderr.write(`  ${label} run ${i + 1}: ${ms.toFixed(0)} ms\n`);
  }
  return { ms: best, count };
}

const dir = await mkdtemp(join(tmpdir(), 'popart-bench-rid-'));
try {
  const path = join(dir, 'remoteid.pcapng');
  const n = await synthesise(path);
  const size = (await stat(path)).size;
  let messages = 0;

  const read = await timeIt('read', async () => {
    let c = 0;
    let bytes = 0;
    for await (const r of readPcap(path)) {
      c++;
      bytes += r.data.length;
    }
    if (bytes === 0) throw new Error('empty capture');
    return c;
  });
  const decode = await timeIt('decode', async () => {
    let c = 0;
    messages = 0;
    for await (const r of readPcap(path)) {
      c++;
      for (const p of scanPacket(r.linkType, r.data).payloads) messages += decodePayload(p.payload).messages.length;
    }
    return c;
  });
  let events = 0;
  let drones = 0;
  const receive = await timeIt('receive', async () => {
    const rx = new RemoteIdReceiver({ zones });
    let c = 0;
    for await (const r of readPcap(path)) {
      c++;
      rx.handlePacket(r.linkType, r.data, r.timestampMs);
    }
    rx.finish();
    events = rx.stats.events;
    drones = rx.stats.drones;
    return c;
  });

  const fps = (x: { ms: number; count: number }): number => (x.count / x.ms) * 1000;
  const line = (name: string, x: { ms: number; count: number }): string =>
    `${name.padEnd(8)} ${fps(x).toFixed(0).padStart(9)} frames/s  (${x.ms.toFixed(0)} ms for ${x.count} frames, ratio to read ${(fps(x) / fps(read)).toFixed(2)})`;
  process.stdout.write([
    `bench/remoteid: ${n} packets (${(size / 1e6).toFixed(1)} MB pcapng: Wi-Fi beacon, NAN, BT4 legacy, BT5 long range), ${messages} messages, ${drones} drones, ${events} zone events; best of ${runs} runs`,
    line('read', read),
    line('decode', decode),
    line('receive', receive),
    `decode costs ${(1 / fps(decode) * 1e6 - 1 / fps(read) * 1e6).toFixed(2)} µs per frame over reading it; decode/read = ${(fps(decode) / fps(read)).toFixed(2)}, receive/read = ${(fps(receive) / fps(read)).toFixed(2)}`,
  ].join('\n') + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
