/** `popart remoteid` as a user runs it: a real child process on a synthetic capture and on a live feed. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { encodeFeedDatagram, PcapWriter, simulateFlight, type FlightPlan } from '../../src/index.js';

const POPART = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/popart.js');
let dir: string;
const children: ChildProcess[] = [];
before(async () => { dir = await mkdtemp(join(tmpdir(), 'popart-rid-cli-')); });
after(async () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid);
  await rm(dir, { recursive: true, force: true });
});

interface Run { code: number | null; stdout: string; stderr: string }

function popart(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Run> {
  const child = spawn(process.execPath, [POPART, 'remoteid', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
    onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const plan: FlightPlan = {
  serial: 'CLI00000000000000001', mac: '02:aa:bb:cc:dd:01', from: [40.4500, -3.6883], to: [40.4560, -3.6883], heightM: 60, speedMps: 15,
  operator: [40.4490, -3.6900], operatorId: 'CLI-OP-1', startMs: Date.UTC(2025, 2, 1, 18), transports: ['wifi-nan', 'bt-extended'], periodS: 1,
};

describe('popart remoteid', () => {
  it('--help', async () => {
    const r = await popart(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: popart remoteid/);
    assert.match(r.stdout, /--zones <file>/);
  });

  it('a capture with zones: JSON lines of drones and one incursion event; a summary on stderr', async () => {
    const pcap = join(dir, 'flight.pcapng');
    const w = await PcapWriter.create(pcap, { format: 'pcapng', linkTypes: [127, 256] });
    for (const p of simulateFlight(plan)) await w.write({ timestampMs: p.timestampMs, data: p.data, interfaceId: p.linkType === 127 ? 0 : 1 });
    await w.close();
    const zones = join(dir, 'zones.yaml');
    await writeFile(zones, 'zones:\n  - name: stadium\n    severity: critical\n    polygon: [[-3.6895, 40.4520], [-3.6870, 40.4520], [-3.6870, 40.4540], [-3.6895, 40.4540]]\n');
    const r = await popart([pcap, '--zones', zones, '--json', '--source', 'rx-cli']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; final?: boolean; drone?: { id: string; operator: { id: string } }; event?: { id: string; severity: string; source: string; measurements: { state: string } } });
    const finals = lines.filter((l) => l.kind === 'drone' && l.final);
    assert.deepEqual(finals.map((l) => [l.drone?.id, l.drone?.operator.id]), [[plan.serial, 'CLI-OP-1']]);
    const events = lines.filter((l) => l.kind === 'event').map((l) => l.event!);
    assert.ok(events.length >= 2);
    assert.equal(new Set(events.map((e) => e.id)).size, 1);
    assert.deepEqual([events[0]?.severity, events[0]?.source, events.at(-1)?.measurements.state], ['critical', 'rx-cli', 'left']);
    assert.match(r.stderr, /1 restricted zone\(s\): stadium/);
    assert.match(r.stderr, /packets \(IEEE802_11_RADIOTAP, BLUETOOTH_LE_LL_WITH_PHDR\): \d+ with Remote ID, 0 rejected, 0 other/);
    assert.match(r.stderr, /payloads: bt-extended \d+, wifi-nan \d+/);
  });

  it('--text prints readable lines', async () => {
    const pcap = join(dir, 'flight.pcapng');
    const r = await popart([pcap, '--text', '--report-interval', '1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^DRONE ${plan.serial} helicopter-or-multirotor airborne 40\\.45`, 'm'));
  });

  it('bad usage and configuration exit 2 naming the problem; unreadable input exits 1', async () => {
    const none = await popart([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /expected one input/);
    const zones = join(dir, 'bad-zones.yaml');
    await writeFile(zones, 'zones:\n  - name: x\n    circle: { latitude: 40, longitude: -3, radius_m: 0 }\n');
    const bad = await popart([join(dir, 'flight.pcapng'), '--zones', zones]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /zones\[0\]\.circle\.radius_m: must be a positive number of metres/);
    const interval = await popart([join(dir, 'flight.pcapng'), '--report-interval', 'soon']);
    assert.equal(interval.code, 2);
    assert.match(interval.stderr, /--report-interval: "soon" is not a non-negative number/);
    const notPcap = join(dir, 'notes.txt');
    await writeFile(notPcap, 'hello');
    const r = await popart([notPcap]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a pcap or pcapng file/);
    const missing = await popart([join(dir, 'missing.pcap')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*missing\.pcap/);
  });

  it('a live feed on 127.0.0.1: datagrams in, drones out, a summary when it stops', async () => {
    const probe = createSocket('udp4');
    const port = await new Promise<number>((resolve) => probe.bind(0, '127.0.0.1', () => resolve(probe.address().port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = createSocket('udp4');
    let sent = false;
    const r = await popart([`udp://127.0.0.1:${port}`, '--json', '--duration', '2'], (text) => {
      if (sent || !text.includes('listening on')) return;
      sent = true;
      for (const p of simulateFlight({ ...plan, transports: ['wifi-beacon'], periodS: 5 })) {
        client.send(encodeFeedDatagram('radiotap', p.data), port, '127.0.0.1');
      }
    });
    client.close();
    assert.equal(r.code, 0, r.stderr);
    const drones = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; drone?: { id: string } }).filter((l) => l.kind === 'drone');
    assert.ok(drones.length >= 1);
    assert.equal(drones.at(-1)?.drone?.id, plan.serial);
    assert.match(r.stderr, /popart remoteid: \d+ packets: \d+ with Remote ID/);
  });
});
