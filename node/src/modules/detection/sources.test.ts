import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../config/config.js';
import { ConfigError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { microphoneSettings } from './audio-source.js';
import { detectionSourceSchema, type DetectionSourceConfig } from '../../config/detection-config.js';
import { BoundedQueue } from './event-source.js';
import { wavBytes } from '@popart/detection';
import { evidenceLocator, PacketRing, PcmRing, safeName, writeEvidence } from './evidence.js';
import { openRemoteIdSource, remoteIdSettings } from './remoteid-source.js';
import { cameraSettings } from './video-source.js';

const source = (over: Record<string, unknown>): DetectionSourceConfig =>
  detectionSourceSchema.parse({ id: 'rx-1', kind: 'remoteid', input: 'capture.pcap', venue: 'Estadio', config: { zones: [] }, ...over });

function refusal(fn: () => unknown, property: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ConfigError, `${String(err)} (from ${fn.name || 'call'})`);
    assert.ok(err.issues.some((i) => property.test(i.property)) || property.test(err.message), `${err.message} / ${JSON.stringify(err.issues)}`);
    return true;
  };
}

test('node config: a detection source is refused with its path and reason', () => {
  const base = {
    agency: { key: 'pn', name: 'Policía Nacional', mspId: 'PnMSP', level: 'national', country: 'ES', identityUuid: '5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01' },
    listen: { port: 0 }, dataDir: '/tmp/popart', ledger: { kind: 'embedded', dir: '/tmp/popart/ledger' },
    users: [{ username: 'a', displayName: 'A', role: 'analyst', passwordHash: 'scrypt$YWJj$ZGVm' }],
  };
  assert.deepEqual(parseConfig(base).detection, { sources: [] });
  const ok = parseConfig({ ...base, detection: { sources: [{ id: 'rid-north', kind: 'remoteid', input: 'udp://127.0.0.1:34110', config: 'zones.yaml', venue: 'Estadio' }] } });
  assert.deepEqual(ok.detection.sources[0], {
    id: 'rid-north', kind: 'remoteid', enabled: true, input: 'udp://127.0.0.1:34110', config: 'zones.yaml', venue: 'Estadio', tlp: 'green', audience: [],
    minSeverity: 'low', republishIntervalS: 60, endedTtlS: 600, restart: { initialDelayS: 1, maxDelayS: 60, maxAttempts: 0 },
  });
  const bad = [
    [{ id: 'rid north', kind: 'remoteid', input: 'a', config: 'z', venue: 'V' }, 'detection.sources.0.id'],
    [{ id: 'cam', kind: 'radar', input: 'a', venue: 'V' }, 'detection.sources.0.kind'],
    [{ id: 'cam', kind: 'video', input: 'a', venue: 'V' }, 'detection.sources.0.config'],
    [{ id: 'mic', kind: 'audio', input: 'a', venue: 'V', tlp: 'amber' }, 'detection.sources.0.audience'],
    [{ id: 'mic', kind: 'audio', input: 'a', venue: 'V', tlp: 'purple' }, 'detection.sources.0.tlp'],
    [{ id: 'mic', kind: 'audio', input: 'a', venue: 'V', position: { latitude: 91, longitude: 0 } }, 'detection.sources.0.position.latitude'],
    [{ id: 'mic', kind: 'audio', input: 'a', venue: 'V', categories: ['riot'] }, 'detection.sources.0.categories.0'],
    [{ id: 'mic', kind: 'audio', input: 'a', venue: 'V', restart: { initialDelayS: 10, maxDelayS: 1 } }, 'detection.sources.0.restart.maxDelayS'],
  ] as const;
  for (const [s, path] of bad) {
    assert.throws(() => parseConfig({ ...base, detection: { sources: [s] } }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.issues.some((i) => i.property === path), `${path} in ${JSON.stringify(err.issues)}`);
      return true;
    });
  }
  assert.throws(() => parseConfig({ ...base, detection: { sources: [{ id: 'm', kind: 'audio', input: 'a', venue: 'V' }, { id: 'm', kind: 'audio', input: 'b', venue: 'V' }] } }),
    (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.property === 'detection.sources.1.id' && /already the id of sources\[0\]/.test(i.message)));
});

test('Remote ID zones and receiver options: inline or from a file; errors name the field inside the config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-sources-'));
  try {
    const zones = { zones: [{ name: 'pitch', circle: { latitude: 40.45, longitude: -3.69, radius_m: 300 } }] };
    const inline = await remoteIdSettings(source({ config: { ...zones, receiver: { eventUpdateIntervalS: 2, dropAfterS: 30 } } }), 'detection.sources.0.config');
    assert.equal(inline.zones[0]?.name, 'pitch');
    assert.deepEqual(inline.receiver, { eventUpdateIntervalS: 2, dropAfterS: 30 });
    writeFileSync(join(dir, 'zones.json'), JSON.stringify(zones));
    assert.equal((await remoteIdSettings(source({ config: join(dir, 'zones.json') }), 'c')).zones.length, 1);
    const f = 'detection.sources.0.config';
    await assert.rejects(remoteIdSettings(source({ config: { zones: [{ name: 'p', circle: { latitude: 40, longitude: -3, radius_m: -1 } }] } }), f),
      refusal(() => 0, /^detection\.sources\.0\.config\.zones\[0\]\.circle\.radius_m$/));
    await assert.rejects(remoteIdSettings(source({ config: { ...zones, receiver: { dropAfterS: 'soon' } } }), f), refusal(() => 0, /config\.receiver\.dropAfterS/));
    await assert.rejects(remoteIdSettings(source({ config: { ...zones, receiver: { speed: 1 } } }), f), refusal(() => 0, /config\.receiver\.speed/));
    await assert.rejects(remoteIdSettings(source({ config: join(dir, 'missing.yaml') }), f), refusal(() => 0, /^detection\.sources\.0\.config$/));
    await assert.rejects(openRemoteIdSource(source({ input: 'udp://127.0.0.1:99999', config: zones }), { evidenceDir: dir, log: createLogger('t', 'silent') }), refusal(() => 0, /^input$/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('microphone and camera configurations: the source id and the node\'s evidence folder win; errors name the field', async () => {
  const mic = await microphoneSettings(source({ kind: 'audio', config: { microphone: { id: 'other' }, detectors: [{ type: 'impulsive' }] }, position: { latitude: 40.45, longitude: -3.69 } }), 'c');
  assert.equal(mic.id, 'rx-1');
  assert.deepEqual(mic.area, { shape: 'circle', latitude: 40.45, longitude: -3.69, radius_m: 100 });
  assert.deepEqual(mic.detectors.map((d) => d.type), ['impulsive']);
  await assert.rejects(microphoneSettings(source({ kind: 'audio', config: { detectors: [{ type: 'sonar' }] } }), 'detection.sources.2.config'),
    refusal(() => 0, /^detection\.sources\.2\.config\.detectors\[0\]\.type$/));

  const camera = {
    camera: { id: 'cam-a', position: { type: 'Point', coordinates: [-3.68835, 40.45362] } },
    source: { fps: 5, width: 64, height: 48 },
    detector: { kind: 'nanodet' },
    zones: [{ name: 'sky', sky: true, polygon: [[0, 0], [64, 0], [64, 20], [0, 20]] }],
    rules: { drone: { zones: ['sky'], minFrames: 3 } },
  };
  const cam = cameraSettings(source({ kind: 'video', config: camera }), 'c', '/var/popart/pn/evidence');
  assert.equal(cam.camera.id, 'rx-1');
  assert.equal(cam.evidence.dir, '/var/popart/pn/evidence');
  assert.throws(() => cameraSettings(source({ kind: 'video', config: { ...camera, rules: { drone: { zones: ['nowhere'] } } } }), 'detection.sources.1.config', '/x'),
    refusal(() => 0, /^detection\.sources\.1\.config\.rules\.drone\.zones\[0\]$/));
});

test('evidence files: written atomically with their SHA-256, private to the node, shared only as a locator', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-evidence-'));
  try {
    const bytes = Buffer.from('not really a capture');
    const e = await writeEvidence(join(dir, 'evidence', 'rid'), 'x.pcapng', bytes, 'capture', 'application/x-pcapng');
    assert.equal(e.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.deepEqual(readFileSync(e.uri), bytes);
    assert.equal(statSync(e.uri).mode & 0o777, 0o600);
    assert.equal(evidenceLocator(dir, e), 'evidence/rid/x.pcapng');
    assert.equal(evidenceLocator('/elsewhere', e), 'x.pcapng', 'outside the data folder: the file name only');
    assert.equal(safeName('cam/1:2 3'), 'cam_1_2_3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WAV excerpts: a valid 16-bit mono header, and the ring keeps only the last seconds', () => {
  const wav = wavBytes(Int16Array.from([0, 1000, -1000, 32767]), 16000);
  assert.equal(wav.length, 44 + 8);
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
  assert.equal(wav.readUInt32LE(4), 36 + 8);
  assert.equal(wav.toString('ascii', 8, 16), 'WAVEfmt ');
  assert.deepEqual([wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)], [1, 1, 16000, 16]);
  assert.equal(wav.readUInt32LE(40), 8);
  assert.equal(wav.readInt16LE(44 + 6), 32767);

  const ring = new PcmRing(10);
  for (let start = 0; start < 30; start += 4) ring.push(start, Int16Array.from({ length: 4 }, (_, i) => start + i));
  // Holds chunks covering at least the last 10 samples (chunks are whole: 20..31).
  assert.deepEqual([...ring.excerpt(0)], [22, 23, 24, 25, 26, 27, 28, 29, 30, 31], 'capped to the last 10');
  assert.deepEqual([...ring.excerpt(27, 3)], [29, 30, 31], 'from a sample, at most n, the newest kept');
  assert.deepEqual([...ring.excerpt(25)], [25, 26, 27, 28, 29, 30, 31]);
  assert.deepEqual([...ring.excerpt(100)], []);

  const packets = new PacketRing<{ data: Uint8Array }>(3, 10);
  for (let i = 0; i < 5; i++) packets.push({ data: new Uint8Array(2) });
  assert.equal(packets.packets().length, 3);
  packets.push({ data: new Uint8Array(9) });
  assert.equal(packets.packets().length, 1, 'byte bound');
});

test('the bounded queue drops the oldest item when full, and hands on a failure after what it holds', async () => {
  const q = new BoundedQueue<number>(3);
  for (let i = 1; i <= 5; i++) q.push(i);
  assert.equal(q.dropped, 2);
  q.fail(new Error('socket closed'));
  const got: number[] = [];
  await assert.rejects((async () => {
    for await (const n of q.drain(new AbortController().signal)) got.push(n);
  })(), /socket closed/);
  assert.deepEqual(got, [3, 4, 5]);
  const q2 = new BoundedQueue<number>(2);
  const ac = new AbortController();
  const drained = (async () => {
    const out: number[] = [];
    for await (const n of q2.drain(ac.signal)) out.push(n);
    return out;
  })();
  q2.push(7);
  await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  assert.deepEqual(await drained, [7], 'an abort ends the drain');
});
