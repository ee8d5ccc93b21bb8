/**
 * Detection end to end on the four-agency demo: Remote ID receivers configured on the nodes of Policía Nacional
 * (a capture file) and of Madrid's municipal police (a live UDP feed) hear a drone fly through a restricted zone
 * around the Santiago Bernabéu; the other agencies see one drone alert, updated in versions, with the operator's
 * position where the policies allow it, and the evidence never leaves the node that captured it. A camera on pn's node
 * watches an aerial object cross a no-fly sky zone: one drone alert, raised once it has been inside the zone for the
 * rule's frames, that the other agencies see.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  decodeImage, encodeFeedDatagram, ffmpegPath, pcapBytes, readPcap, RemoteIdReceiver, simulateFlight, type FlightPlan,
} from '@popart/detection';
import { buildBrightSpotModel } from '@popart/detection/testing';
import { ALERT_EXTENSION_ID } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { BERNABEU } from '../src/demo/scenario.js';
import { gql, login, recordEmittedBundle, subscribe, tempDir, until, wsClient } from './support.js';

const PURPOSE = 'detection e2e test';
const DRONES = `query { threats(filter: { categories: ["drone"] }, first: 50, purpose: "${PURPOSE}") {
  edges { node { id name category severity agency { key } stix history { modified } } } } }`;
const FILES = `query { threats(filter: { types: ["file", "observed-data", "indicator", "sighting"] }, first: 100, purpose: "${PURPOSE}") {
  edges { node { id type agency { key } stix } } } }`;
const SOURCES = 'query { detectionSources { id kind input state events published merged filtered refused restarts lastError counters } }';

interface Threat { id: string; name: string; category: string; severity: string; agency: { key: string }; stix: Record<string, unknown>; history: { modified: string }[] }
interface SourceView { id: string; kind: string; input: string; state: string; events: number; published: number; merged: number; refused: number; restarts: number; lastError: string | null }

const ZONES = { zones: [{ name: 'bernabeu', severity: 'high', circle: { latitude: BERNABEU.latitude, longitude: BERNABEU.longitude, radius_m: 300 } }] };
const OPERATOR: [number, number] = [40.4562, -3.6950];

function flight(serial: string, mac: string, startMs: number, transports: FlightPlan['transports']): FlightPlan {
  // North to south straight over the stadium: about 600 m outside the zone on each side, 15 m/s, 60 m high.
  return {
    serial, mac, from: [40.4585, -3.68835], to: [40.4478, -3.68835], heightM: 60, speedMps: 15,
    operator: OPERATOR, operatorId: 'ESPrmvgqlz2k9rty', startMs, periodS: 0.5, transports,
  };
}

/**
 * The camera's clip: a white square (16 px in the 256×128 clip, 8 px in the 128×64 analysed frames) flies left to right
 * across a plain sky at y 16, 48 px/s in the clip; analysed at 5 frames/s. The no-fly zone is the band x 48…80 of the
 * analysed frames' top half: the square is outside, then inside for about 1.3 s, then outside again.
 */
const CAMERA_FPS = 5;
const NO_FLY = { x1: 48, x2: 80, y1: 0, y2: 32 };
const squareCentreX = (frameIndex: number): number => (-16 + 48 * (frameIndex / CAMERA_FPS) + 8) / 2;
const inNoFly = (x: number): boolean => x >= NO_FLY.x1 && x <= NO_FLY.x2;
const DRONE_MIN_FRAMES = 3;

/** A TCP port on which nothing listens (taken and given back). */
async function closedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Encodings in which evidence bytes could have been copied into text: hex and base64 at each alignment. */
function encodingsOf(window: Buffer): string[] {
  return [window.toString('hex'), ...[0, 1, 2].map((k) => window.subarray(k).toString('base64').slice(4, -4))];
}

describe('detection sources publish shared alerts (demo, embedded ledger, PGlite, wasm policies)', () => {
  const dir = tempDir('popart-detection-e2e-');
  const capture = join(dir.path, 'bernabeu-flight.pcapng');
  const clip = join(dir.path, 'north-stand.mp4');
  let cluster: DemoCluster;
  let feedPort: number;
  const tokens: Record<string, string> = {};
  const url = (key: 'pn' | 'pj' | 'mad' | 'crm') => cluster.nodes[key].url;

  before(async () => {
    const packets = simulateFlight(flight('1596F3C4B5A6E7D8', '60:60:1f:a3:5c:21', Date.now() - 5 * 60_000, ['bt-legacy', 'wifi-beacon']));
    const linkTypes = [...new Set(packets.map((p) => p.linkType))];
    writeFileSync(capture, pcapBytes({ format: 'pcapng', linkTypes }, packets.map((p) => ({ timestampMs: p.timestampMs, data: p.data, interfaceId: linkTypes.indexOf(p.linkType) }))));
    feedPort = await freeUdpPort();
    // A camera on the north stand: a 7 s clip of an aerial object crossing the no-fly zone, and a stand-in for an
    // agency's drone model (an ONNX graph that reports a drone at the centroid of the bright pixels).
    const model = join(dir.path, 'drone.onnx');
    writeFileSync(model, buildBrightSpotModel({ width: 64, height: 64, classes: 2, box: { width: 4, height: 4 } }));
    await promisify(execFile)(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i',
      'color=c=0x87CEEB:size=256x128:rate=10:duration=7[sky];color=c=white:size=16x16:rate=10[square];' +
      "[sky][square]overlay=x='-16+t*48':y=16:shortest=1", '-c:v', 'mpeg4', '-q:v', '2', clip]);
    const camera = {
      camera: { id: 'ignored', position: { type: 'Point', coordinates: [-3.68835, 40.45362] }, viewRadiusM: 200 },
      source: { fps: CAMERA_FPS, width: 128, height: 64 },
      detector: { kind: 'onnx-yolo', model, classMap: ['drone', 'bird'], layout: 'boxes-first' },
      zones: [{ name: 'no-fly', sky: true, polygon: [[NO_FLY.x1, NO_FLY.y1], [NO_FLY.x2, NO_FLY.y1], [NO_FLY.x2, NO_FLY.y2], [NO_FLY.x1, NO_FLY.y2]] }],
      rules: { drone: { zones: ['no-fly'], minFrames: DRONE_MIN_FRAMES } },
    };
    cluster = await startDemo({
      dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false,
      detection: {
        pn: [
          { id: 'rid-bernabeu-north', kind: 'remoteid', input: capture, config: ZONES, venue: 'Estadio Santiago Bernabéu', eventName: 'Liga match, 21:00' },
          { id: 'cam-north-7', kind: 'video', input: clip, config: camera, venue: 'Estadio Santiago Bernabéu' },
        ],
        mad: [{
          id: 'rid-castellana', kind: 'remoteid', input: `udp://127.0.0.1:${feedPort}`, venue: 'Estadio Santiago Bernabéu',
          config: { ...ZONES, receiver: { eventUpdateIntervalS: 0.5, dropAfterS: 5 } },
        }],
        crm: [
          { id: 'rid-missing', kind: 'remoteid', input: join(dir.path, 'no-such-capture.pcap'), config: ZONES, venue: 'Plaza de Cibeles', restart: { initialDelayS: 0.05, maxDelayS: 0.1, maxAttempts: 2 } },
          // A live microphone feed that never answers: its ingest reconnects with the source's restart settings.
          { id: 'mic-unreachable', kind: 'audio', input: `tcp://127.0.0.1:${await closedTcpPort()}`, venue: 'Plaza de Cibeles', restart: { initialDelayS: 0.05, maxDelayS: 0.1, maxAttempts: 2 } },
        ],
      },
    });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-operator', 'pn'], ['pj-analyst', 'pj'], ['mad-operator', 'mad'], ['crm-analyst', 'crm']] as const) {
      tokens[user] = await login(url(key), user);
    }
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  async function sources(key: 'pn' | 'crm', user: string): Promise<SourceView[]> {
    const r = await gql<{ detectionSources: SourceView[] }>(url(key), SOURCES, {}, tokens[user]);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data!.detectionSources;
  }

  /** The drone alerts a user sees from one sensor. */
  async function drones(key: 'pn' | 'pj' | 'mad' | 'crm', user: string, sensor = 'rid-bernabeu-north'): Promise<Threat[]> {
    const r = await gql<{ threats: { edges: { node: Threat }[] } }>(url(key), DRONES, {}, tokens[user]);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data!.threats.edges.map((e) => e.node).filter((t) => (t.stix.x_popart_detection as { sensor?: string } | undefined)?.sensor === sensor);
  }

  test('a capture of a drone crossing the Bernabéu zone: every agency sees one drone alert in versions; the operator position for mad, not for the partner', async () => {
    const source = await until('pn\'s capture to be read to its end', async () => {
      const s = (await sources('pn', 'pn-analyst')).find((x) => x.id === 'rid-bernabeu-north')!;
      return s.state === 'FINISHED' ? s : undefined;
    });
    assert.equal(source.id, 'rid-bernabeu-north');
    assert.equal(source.kind, 'REMOTEID');
    assert.equal(source.refused, 0, String(source.lastError));
    assert.ok(source.published >= 3, `new, updates and end published (${source.published})`);
    const versions = source.published;

    const madSees = await until('mad\'s operator to see every version', async () => {
      const d = await drones('mad', 'mad-operator');
      return d.length === 1 && d[0]!.history.length === versions ? d : undefined;
    });
    const alert = madSees[0]!;
    assert.equal(alert.agency.key, 'pn');
    assert.equal(alert.category, 'drone');
    assert.equal(alert.severity, 'high');
    assert.match(alert.name, /^Drone in bernabeu at Estadio Santiago Bernabéu \(ended\)$/);
    assert.deepEqual(alert.stix.x_popart_operator_position, [OPERATOR[1], OPERATOR[0]], 'the operator position, exact inside Madrid');
    assert.equal(alert.stix.x_popart_operator_description, 'operator id ESPrmvgqlz2k9rty (Remote ID)');
    const ext = (alert.stix.extensions as Record<string, Record<string, unknown>>)[ALERT_EXTENSION_ID]!;
    assert.equal(ext.sensor_kind, 'remote-id');
    assert.equal(ext.venue, 'Estadio Santiago Bernabéu');
    assert.match(String(ext.guidance), /pilot/);
    assert.equal(new Set(alert.history.map((h) => h.modified)).size, versions, 'each version has its own modified');

    for (const [key, user] of [['pj', 'pj-analyst'], ['crm', 'crm-analyst'], ['pn', 'pn-operator']] as const) {
      const seen = await until(`${user} to see the alert`, async () => {
        const d = await drones(key, user);
        return d.length === 1 && d[0]!.history.length === versions ? d : undefined;
      });
      assert.equal(seen[0]!.id, alert.id, `${user} sees the same alert`);
    }
    const pj = (await drones('pj', 'pj-analyst'))[0]!;
    assert.equal(pj.stix.x_popart_operator_position, undefined, 'the partner agency gets no operator position');
    assert.equal(pj.stix.x_popart_operator_description, undefined);

    const exported = await gql<{ exportBundle: Record<string, unknown> }>(url('pj'), `query { exportBundle(filter: { agencies: ["pn"] }, purpose: "${PURPOSE}") }`, {}, tokens['pj-analyst']);
    assert.equal(exported.errors, undefined, JSON.stringify(exported.errors));
    recordEmittedBundle('detection-remoteid-export-pj', exported.data!.exportBundle);
  });

  test('the evidence stays on pn\'s node: other agencies hold its SHA-256 and locator, never its bytes', async () => {
    const evidenceDir = join(dir.path, 'pn', 'evidence', 'rid-bernabeu-north');
    const files = readdirSync(evidenceDir).filter((f) => f.endsWith('.pcapng'));
    assert.ok(files.length >= 1, 'an excerpt of the capture was kept');
    const contents = files.map((f) => readFileSync(join(evidenceDir, f)));
    // The excerpt holds the drone's own frames: a receiver decodes the drone from it.
    const rx = new RemoteIdReceiver();
    for await (const rec of readPcap(join(evidenceDir, files[0]!))) rx.handlePacket(rec.linkType, rec.data, rec.timestampMs);
    assert.deepEqual(rx.tracks().map((t) => t.uasId), ['1596F3C4B5A6E7D8']);

    const shared = await until('pj to hold the evidence objects', async () => {
      const r = await gql<{ threats: { edges: { node: { type: string; stix: Record<string, unknown> } }[] } }>(url('pj'), FILES, {}, tokens['pj-analyst']);
      const objects = r.data?.threats.edges.map((e) => e.node) ?? [];
      return objects.some((o) => o.type === 'file') && objects.some((o) => o.type === 'indicator') ? objects : undefined;
    });
    const fileObjects = shared.filter((o) => o.type === 'file').map((o) => o.stix);
    for (const [i, bytes] of contents.entries()) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      const f = fileObjects.find((o) => (o.hashes as Record<string, string>)['SHA-256'] === sha);
      assert.ok(f, `pj holds the hash of ${files[i]}`);
      assert.equal(f.x_popart_evidence_locator, `evidence/rid-bernabeu-north/${files[i]}`);
      assert.equal(f.payload_bin, undefined);
    }
    const indicator = shared.find((o) => o.type === 'indicator')!.stix;
    assert.equal(indicator.pattern, "[mac-addr:value = '60:60:1f:a3:5c:21']");
    assert.ok(shared.some((o) => o.type === 'sighting' && o.stix.sighting_of_ref === indicator.id), 'pn\'s sighting of the indicator');

    // Nothing of the capture's bytes in any agency's read model, outbox or audit log, nor on the ledger.
    const windows = contents.flatMap((b) => [b.subarray(Math.floor(b.length / 2), Math.floor(b.length / 2) + 24), b.subarray(b.length - 24)]);
    const needles = windows.flatMap(encodingsOf);
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) {
      const db = cluster.nodes[key].database;
      const dump = (await db.query<{ t: string }>(`
        SELECT stix::text AS t FROM threat_objects UNION ALL SELECT stix::text FROM threat_versions
        UNION ALL SELECT facts::text FROM withheld_objects UNION ALL SELECT bundle FROM outbox
        UNION ALL SELECT details::text FROM audit_log`)).rows.map((r) => r.t).join('\n');
      assert.ok(dump.includes(createHash('sha256').update(contents[0]!).digest('hex')), `${key} holds the hash`);
      for (const n of needles) assert.ok(!dump.includes(n), `${key}'s database holds no evidence bytes`);
    }
    const blocks = readFileSync(join(dir.path, 'ledger', 'blocks.jsonl'), 'utf8');
    for (const n of needles) assert.ok(!blocks.includes(n), 'the ledger holds no evidence bytes');
  });

  test('a live Remote ID feed on mad\'s node: pn\'s operator is sent one alert id, each version once, the last one ended', async () => {
    const alerts = subscribe<{ alerts: { id: string; name: string; agency: { key: string } } }>(wsClient(url('pn'), tokens['pn-operator']!), 'subscription { alerts { id name agency { key } } }');
    try {
      await new Promise((r) => setTimeout(r, 200));
      // The same flight at 20× speed: one datagram per Wi-Fi beacon, as a sniffer gateway forwards them.
      const packets = simulateFlight(flight('1581F5FJC2A0B3C4', '02:7a:00:00:00:01', Date.now(), ['wifi-beacon']));
      const sock = createSocket('udp4');
      const t0 = Date.now();
      for (const p of packets) {
        const due = (p.timestampMs - packets[0]!.timestampMs) / 20;
        const wait = due - (Date.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await new Promise<void>((r, j) => sock.send(encodeFeedDatagram('radiotap', p.data), feedPort, '127.0.0.1', (e) => (e ? j(e) : r())));
      }
      sock.close();
      const got: { id: string; name: string; agency: { key: string } }[] = [];
      await until('pn\'s operator to be sent the ended version', async () => {
        while (alerts.events.length) got.push(alerts.events.shift()!.alerts);
        return got.some((a) => a.name.endsWith('(ended)')) ? true : undefined;
      });
      const ours = got.filter((a) => a.agency.key === 'mad');
      assert.equal(new Set(ours.map((a) => a.id)).size, 1, 'one alert id for the whole incursion');
      assert.equal(ours.length, cluster.nodes.mad.services.detection.sources()[0]!.published, 'each published version delivered once');
      const madSource = cluster.nodes.mad.services.detection.sources()[0]!;
      assert.equal(madSource.state, 'RUNNING', 'a live feed keeps running after the drone left');
      assert.ok(madSource.published >= 3, `new, updates and end published (${madSource.published})`);
      assert.ok((madSource.counters.packets ?? 0) >= packets.length * 0.9, 'the datagrams reached the receiver');
      assert.deepEqual(alerts.errors, []);
    } finally {
      await alerts.stop();
    }
  });

  test('a clip of an aerial object crossing the no-fly sky zone: one drone alert from pn\'s camera, raised inside the zone, that mad\'s operator sees, with the snapshot\'s hash', async () => {
    const source = await until('pn\'s clip to be analysed to its end', async () => {
      const s = (await sources('pn', 'pn-analyst')).find((x) => x.id === 'cam-north-7')!;
      return s.state === 'FINISHED' || s.state === 'FAILED' ? s : undefined;
    }, 60_000);
    assert.equal(source.state, 'FINISHED', String(source.lastError));
    assert.equal(source.kind, 'VIDEO');
    assert.equal(source.refused, 0, String(source.lastError));
    assert.equal(source.published, 2, 'new and end');
    const [alert] = await until('mad\'s operator to see the camera\'s alert', async () => {
      const d = await drones('mad', 'mad-operator', 'cam-north-7');
      return d.length === 1 && d[0]!.history.length === 2 ? d : undefined;
    });
    assert.equal(alert!.agency.key, 'pn');
    assert.match(alert!.name, /^Drone in no-fly at Estadio Santiago Bernabéu \(ended\)$/);
    const ext = (alert!.stix.extensions as Record<string, Record<string, unknown>>)[ALERT_EXTENSION_ID]!;
    assert.equal(ext.sensor_kind, 'camera');
    assert.deepEqual((ext.area as { shape: string }).shape, 'circle');
    const snapshots = readdirSync(join(dir.path, 'pn', 'evidence', 'cam-north-7')).filter((f) => f.endsWith('.jpg'));
    assert.equal(snapshots.length, 1);

    // Raised at the frame of the snapshot: the square's third frame inside the zone, not while it was outside.
    const raisedAt = Number(/-f(\d+)\.jpg$/.exec(snapshots[0]!)?.[1]);
    for (let k = 0; k < DRONE_MIN_FRAMES; k++) assert.ok(inNoFly(squareCentreX(raisedAt - k)), `frame ${raisedAt - k}: the square is in the zone`);
    assert.ok(!inNoFly(squareCentreX(raisedAt - DRONE_MIN_FRAMES)), `frame ${raisedAt - DRONE_MIN_FRAMES}: the square was still outside`);
    // The snapshot's own pixels: the white square is inside the zone (the red outline of its box is not white).
    const image = await decodeImage(join(dir.path, 'pn', 'evidence', 'cam-north-7', snapshots[0]!), 128, 64);
    let sumX = 0;
    let sumY = 0;
    let white = 0;
    for (let i = 0; i < 128 * 64; i++) {
      if (Math.min(image.data[i * 3]!, image.data[i * 3 + 1]!, image.data[i * 3 + 2]!) > 200) {
        sumX += i % 128;
        sumY += Math.floor(i / 128);
        white++;
      }
    }
    assert.ok(white >= 20, `the square is in the snapshot (${white} white pixels)`);
    assert.ok(inNoFly(sumX / white + 0.5) && sumY / white < NO_FLY.y2, `the square at ${(sumX / white).toFixed(1)},${(sumY / white).toFixed(1)} is inside the no-fly zone`);
    assert.ok(Math.abs(sumX / white + 0.5 - squareCentreX(raisedAt)) < 2, 'where the clip put it at that frame');
    // The ended alert holds the last frame seen inside; the square then flew on outside the zone without a new alert.
    const detection = alert!.stix.x_popart_detection as { media_time_s: number; zone: string; track_id: string };
    let lastInside = raisedAt;
    while (inNoFly(squareCentreX(lastInside + 1))) lastInside++;
    assert.equal(detection.zone, 'no-fly');
    assert.ok(Math.abs(detection.media_time_s - lastInside / CAMERA_FPS) < 1e-6, `last seen in the zone at ${detection.media_time_s} s (frame ${lastInside})`);
    assert.ok(squareCentreX(7 * CAMERA_FPS - 1) > NO_FLY.x2, 'the clip ends with the square past the zone');
    const sha = createHash('sha256').update(readFileSync(join(dir.path, 'pn', 'evidence', 'cam-north-7', snapshots[0]!))).digest('hex');
    const files = await gql<{ threats: { edges: { node: { type: string; stix: Record<string, unknown> } }[] } }>(url('pj'), FILES, {}, tokens['pj-analyst']);
    const file = files.data!.threats.edges.map((e) => e.node.stix).find((o) => (o.hashes as Record<string, string> | undefined)?.['SHA-256'] === sha);
    assert.ok(file, 'pj holds the snapshot\'s hash');
    assert.equal(file.x_popart_evidence_locator, `evidence/cam-north-7/${snapshots[0]}`);
    assert.equal(file.mime_type, 'image/jpeg');
  });

  test('only analysts and supervisors may list the detection sources', async () => {
    const r = await gql(url('mad'), SOURCES, {}, tokens['mad-operator']);
    assert.equal((r.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code, 'FORBIDDEN');
    assert.equal(r.data ?? null, null);
    const anonymous = await gql(url('pn'), SOURCES, {});
    assert.equal((anonymous.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code, 'UNAUTHENTICATED');
  });

  test('a source whose input is missing restarts with backoff, then gives up; the node keeps serving', async () => {
    const s = await until('crm\'s broken source to give up', async () => {
      const rid = (await sources('crm', 'crm-analyst')).find((x) => x.id === 'rid-missing');
      return rid?.state === 'FAILED' ? rid : undefined;
    });
    assert.equal(s.id, 'rid-missing');
    assert.equal(s.restarts, 2);
    assert.match(String(s.lastError), /no-such-capture\.pcap/);
    assert.equal(s.published, 0);
    assert.ok((await drones('crm', 'crm-analyst')).length >= 1, 'crm\'s node still answers and sees pn\'s alert');
  });

  test('a live input that never answers is reconnected by its ingest with the source\'s restart settings, then failed: one retry level, not reconnections × restarts', async () => {
    const s = await until('crm\'s unreachable microphone to be given up', async () => {
      const mic = (await sources('crm', 'crm-analyst')).find((x) => x.id === 'mic-unreachable');
      return mic?.state === 'FAILED' ? mic as SourceView & { counters: Record<string, number> } : undefined;
    });
    assert.equal(s.counters.reconnects, 2, 'maxAttempts reconnections by the ingest');
    assert.equal(s.restarts, 0, 'no restart of the source on top of them');
    assert.match(String(s.lastError), /gave no audio in 3 attempts in a row/);
    assert.equal(s.published, 0);
  });
});
