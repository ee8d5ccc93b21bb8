import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { VideoSource } from '../src/video-ingest/video-source.js';
import { CameraConfigError } from '../src/vision/config/config-error.js';
import { parseCameraYaml } from '../src/vision/config/camera-config.js';
import { CameraGeometry } from '../src/vision/geometry/camera-geometry.js';
import { VisionPipeline, type PipelineOutput } from '../src/vision/pipeline.js';
import type { DetectionEvent } from '../src/events.js';
import { blankFrames, cameraConfig, ColourBlobDetector, det, movingBoxClip, ScriptedDetector, tempDir } from './vision-helpers.js';

const SKY = { name: 'sky', sky: true, polygon: [[0, 0], [320, 0], [320, 80], [0, 80]] };
const PLAZA = { name: 'plaza', polygon: [[0, 100], [320, 100], [320, 180], [0, 180]] };
const POSITION = { type: 'Point', coordinates: [-3.6883, 40.4531] };

async function collect(pipeline: VisionPipeline, frames: Iterable<Parameters<VisionPipeline['processFrame']>[0]>): Promise<PipelineOutput[]> {
  const out: PipelineOutput[] = [];
  for (const f of frames) out.push(...await pipeline.processFrame(f));
  out.push(...pipeline.finish());
  return out;
}
const events = (out: PipelineOutput[]): { status: string; event: DetectionEvent }[] => out.filter((o): o is Extract<PipelineOutput, { type: 'event' }> => o.type === 'event');

test('homography from four ground points in WGS 84: pixels to metres and back to the same coordinates', () => {
  const g = new CameraGeometry({
    width: 640, height: 360, viewRadiusM: 100,
    calibration: {
      kind: 'homography', groundUnits: 'wgs84',
      image: [[0, 360], [640, 360], [640, 0], [0, 0]],
      ground: [[-3.6890, 40.4530], [-3.6880, 40.4530], [-3.6880, 40.4540], [-3.6890, 40.4540]],
    },
  });
  const area = g.polygonArea([[0, 360], [640, 360], [640, 0], [0, 0]]);
  assert.equal(area?.shape, 'polygon');
  assert.deepEqual(area?.shape === 'polygon' && area.vertices[1], [-3.688, 40.453]);
  // 0.001° × 0.001° at 40.45° N ≈ 84.7 m × 111.2 m
  assert.ok(Math.abs(g.areaM2([[0, 360], [640, 360], [640, 0], [0, 0]])! - 84.66 * 111.19) < 30);
  const centre = g.toLonLat(g.toGround([320, 180])!)!;
  assert.ok(Math.abs(centre[0] + 3.6885) < 1e-7 && Math.abs(centre[1] - 40.4535) < 1e-7);
  assert.throws(() => new CameraGeometry({ width: 10, height: 10, viewRadiusM: 1, calibration: { kind: 'homography', groundUnits: 'metres', image: [[0, 0], [1, 1], [2, 2], [0, 5]], ground: [[0, 0], [1, 0], [1, 1], [0, 1]] } }), /degenerate/);
});

test('drone rule: an aerial track in the sky zone for minFrames gives exactly one event, updated and ended with the same id', async (t) => {
  const dir = await tempDir(t);
  const config = cameraConfig({
    camera: { id: 'cam-test', position: POSITION, viewRadiusM: 250 },
    zones: [SKY], rules: { drone: { zones: ['sky'], minFrames: 5 } }, events: { updateIntervalS: 1, closeAfterS: 0.5 },
    evidence: { dir },
  });
  // A drone crossing the sky zone for 2.5 s (25 frames), then gone.
  const detector = new ScriptedDetector((n) => (n < 25 ? [det('drone', 10 + 10 * n, 20, 26 + 10 * n, 30, 0.8, 2)] : []));
  const pipeline = new VisionPipeline({ config, detector });
  const out = await collect(pipeline, blankFrames(40, 320, 180, 10));
  const drone = events(out);
  assert.equal(new Set(drone.map((e) => e.event.id)).size, 1, 'one event id');
  assert.deepEqual(drone.map((e) => e.status).filter((s) => s !== 'update'), ['new', 'end']);
  assert.ok(drone.some((e) => e.status === 'update'), 'updated while it lasts');
  const first = drone[0]!.event;
  assert.equal(first.category, 'drone');
  assert.equal(first.sensorKind, 'camera');
  assert.equal(first.trackId, 't1');
  assert.equal(first.zone, 'sky');
  assert.equal(first.measurements.frames_in_zone, 5);
  assert.deepEqual(first.area, { shape: 'circle', longitude: -3.6883, latitude: 40.4531, radius_m: 250 });
  assert.equal(first.startedAt, '2026-01-01T12:00:00.500Z', 'confirmed at frame 1, fifth frame in zone at frame 5');
  const end = drone.at(-1)!.event;
  assert.ok(Number(end.measurements.frames_in_zone) >= 20);
  // Evidence: the snapshot is on disk and its hash is in the event.
  const [evidence] = first.evidence ?? [];
  assert.ok(evidence);
  assert.equal(evidence.mediaType, 'image/jpeg');
  assert.equal(createHash('sha256').update(await readFile(evidence.uri)).digest('hex'), evidence.sha256);
  assert.deepEqual(end.evidence, first.evidence);
  const tracks = out.filter((o) => o.type === 'tracks');
  assert.ok(tracks.length >= 20);
});

test('a bird below the sky zone, or a person in it, raises no drone event', async () => {
  const config = cameraConfig({ zones: [SKY, PLAZA], rules: { drone: { zones: ['sky'], minFrames: 3 } }, evidence: { enabled: false } });
  const detector = new ScriptedDetector(() => [det('bird', 100, 120, 110, 130), det('person', 200, 20, 220, 60)]);
  const out = await collect(new VisionPipeline({ config, detector }), blankFrames(20, 320, 180, 10));
  assert.deepEqual(events(out), []);
});

test('crowd density: persons per m² measured on the calibrated zone, severity from the thresholds', async () => {
  // 0.1 m per pixel: the plaza zone (320 × 80 px) is 32 m × 8 m = 256 m².
  const config = cameraConfig({
    calibration: { metresPerPixel: 0.1 }, camera: { id: 'cam-test', position: POSITION },
    zones: [PLAZA], rules: { crowdDensity: { zones: ['plaza'], thresholds: { medium: 0.1, high: 0.2 }, minDurationS: 0.5 } },
    evidence: { enabled: false },
  });
  // 30 persons standing (0.117 /m² → medium), then 60 (0.234 /m² → high).
  const crowd = (n: number) => Array.from({ length: n }, (_, i) => det('person', (i % 30) * 10 + 2, 110 + Math.floor(i / 30) * 30, (i % 30) * 10 + 8, 125 + Math.floor(i / 30) * 30));
  const detector = new ScriptedDetector((n) => crowd(n < 15 ? 30 : 60));
  const out = await collect(new VisionPipeline({ config, detector }), blankFrames(30, 320, 180, 10));
  const density = events(out);
  assert.equal(new Set(density.map((e) => e.event.id)).size, 1);
  assert.equal(density[0]!.status, 'new');
  assert.equal(density[0]!.event.severity, 'medium');
  assert.equal(density[0]!.event.measurements.persons, 30);
  assert.equal(density[0]!.event.measurements.density_per_m2, Number((30 / 256).toFixed(3)));
  assert.equal(density[0]!.event.measurements.area_m2, 256);
  const escalated = density.find((e) => e.event.severity === 'high');
  assert.equal(escalated?.status, 'update', 'severity change is an update of the same event');
  assert.equal(escalated?.event.measurements.persons, 60);
  assert.equal(density[0]!.event.area?.shape, 'polygon');
});

test('loitering: one event per track after dwellS in the zone, none for passers-by', async () => {
  const config = cameraConfig({ zones: [PLAZA], rules: { loitering: { zones: ['plaza'], dwellS: 2 } }, evidence: { enabled: false } });
  const detector = new ScriptedDetector((n) => [
    det('person', 50, 120, 60, 150), // stands still
    det('person', 10 + 30 * n, 120, 20 + 30 * n, 150), // walks through in 1 s
  ]);
  const out = await collect(new VisionPipeline({ config, detector }), blankFrames(35, 320, 180, 10));
  const loitering = events(out).filter((e) => e.status === 'new');
  assert.equal(loitering.length, 1);
  assert.equal(loitering[0]!.event.category, 'loitering');
  assert.equal(loitering[0]!.event.trackId, 't1');
  assert.ok(Number(loitering[0]!.event.measurements.dwell_s) >= 2);
});

test('vehicle in pedestrian zone: a moving car gives an event with its speed; a parked one does not', async () => {
  const config = cameraConfig({
    calibration: { metresPerPixel: 0.1 }, zones: [PLAZA],
    rules: { vehicleInPedestrianZone: { zones: ['plaza'], minSpeedMps: 2, minFrames: 3 } }, evidence: { enabled: false },
  });
  // Car 1 moves 5 px per frame at 10 fps = 50 px/s = 5 m/s; car 2 is parked.
  const detector = new ScriptedDetector((n) => [det('car', 10 + 5 * n, 120, 50 + 5 * n, 150, 0.9, 1), det('car', 250, 130, 300, 170, 0.9, 1)]);
  const out = await collect(new VisionPipeline({ config, detector }), blankFrames(30, 320, 180, 10));
  const vehicle = events(out).filter((e) => e.status === 'new');
  assert.equal(vehicle.length, 1);
  assert.equal(vehicle[0]!.event.category, 'vehicle-in-pedestrian-zone');
  assert.ok(Math.abs(Number(vehicle[0]!.event.measurements.speed_mps) - 5) < 0.5);
  assert.equal(vehicle[0]!.event.severity, 'high');
});

test('crowd dispersal: persons standing, then running outward from one point, give one dispersal event', async () => {
  const config = cameraConfig({
    calibration: { metresPerPixel: 0.1 }, zones: [{ name: 'square', polygon: [[0, 0], [320, 0], [320, 180], [0, 180]] }],
    rules: { crowdDispersal: { zones: ['square'], minTracks: 4, minSpeedMps: 2, windowS: 1 } }, evidence: { enabled: false },
  });
  const start = [[140, 70], [180, 70], [140, 110], [180, 110], [160, 60], [160, 120]];
  const detector = new ScriptedDetector((n) => start.map(([x, y]) => {
    const t = Math.max(0, n - 20) / 10; // still for 2 s, then run at 40 px/s = 4 m/s away from (160, 90)
    const dx = x! - 160;
    const dy = y! - 90;
    const d = Math.hypot(dx, dy);
    const cx = x! + (dx / d) * 40 * t;
    const cy = y! + (dy / d) * 40 * t;
    return det('person', cx - 5, cy - 15, cx + 5, cy + 15);
  }));
  const out = await collect(new VisionPipeline({ config, detector }), blankFrames(40, 320, 180, 10));
  const dispersal = events(out).filter((e) => e.status === 'new');
  assert.equal(dispersal.length, 1);
  assert.equal(dispersal[0]!.event.category, 'crowd-dispersal');
  assert.ok(Number(dispersal[0]!.event.measurements.tracks_dispersing) >= 4);
  assert.ok(Number(dispersal[0]!.event.mediaTimeS) > 2, 'not before they start running');
  // Walking together in one direction is not a dispersal.
  const walkers = new ScriptedDetector((n) => start.map(([x, y]) => det('person', x! - 5 + (n > 20 ? 4 * (n - 20) : 0), y! - 15, x! + 5 + (n > 20 ? 4 * (n - 20) : 0), y! + 15)));
  assert.deepEqual(events(await collect(new VisionPipeline({ config, detector: walkers }), blankFrames(40, 320, 180, 10))), []);
});

test('a synthetic clip with an aerial object crossing a restricted sky zone yields exactly one drone event', async (t) => {
  const dir = await tempDir(t);
  const clip = join(dir, 'crossing.mp4');
  await movingBoxClip(clip, { seconds: 4, fps: 10, speed: 80, y: 40 }); // red box crossing the top band left to right
  const config = cameraConfig({
    zones: [{ name: 'restricted', sky: true, polygon: [[100, 0], [320, 0], [320, 90], [100, 90]] }],
    rules: { drone: { zones: ['restricted'], classes: ['drone'], minFrames: 5 } }, evidence: { dir },
  });
  const source = new VideoSource({ input: clip, fps: 10, width: 320, height: 180 });
  const pipeline = new VisionPipeline({ config, detector: new ColourBlobDetector([255, 0, 0], 'drone') });
  const out: PipelineOutput[] = [];
  for await (const o of pipeline.run(source)) out.push(o);
  const drone = events(out);
  assert.equal(drone.filter((e) => e.status === 'new').length, 1);
  assert.equal(new Set(drone.map((e) => e.event.id)).size, 1);
  const event = drone[0]!.event;
  assert.equal(event.category, 'drone');
  // It enters the zone (x ≥ 100) after about (100 - 18) / 80 ≈ 1 s, and five frames later the event opens.
  assert.ok(event.mediaTimeS! >= 1.2 && event.mediaTimeS! <= 2, `opened at ${event.mediaTimeS}`);
  assert.equal(event.evidence?.length, 1);
  assert.equal(source.stats.framesDropped, 0);
});

test('camera config errors name every bad field and its line; frames of the wrong size are refused', async () => {
  const yaml = [
    'camera:',
    '  id: "bad id!"',
    'source: { fps: -1, width: 320, height: 180 }',
    'detector: { kind: yolo9000 }',
    'zones:',
    '  - name: sky',
    '    sky: true',
    '    polygon: [[0, 0], [400, 0], [0, 50]]',
    '  - name: plaza',
    '    polygon: [[0, 0], [10, 10], [10, 0], [0, 10]]',
    'rules:',
    '  drone: { zones: [plaza, nowhere] }',
    '  crowdDensity: { zones: [plaza], thresholds: { high: 2, medium: 3 } }',
    '  speeding: {}',
  ].join('\n');
  assert.throws(() => parseCameraYaml(yaml, { file: 'camera.yaml' }), (e: unknown) => {
    assert.ok(e instanceof CameraConfigError);
    const by = new Map(e.issues.map((i) => [i.path, i]));
    assert.match(by.get('camera.id')!.message, /letters, digits/);
    assert.equal(by.get('camera.id')!.line, 2);
    assert.match(by.get('source.fps')!.message, /greater than 0/);
    assert.match(by.get('detector.kind')!.message, /unknown detector "yolo9000".*"nanodet", "onnx-yolo"/);
    assert.match(by.get('zones[0].polygon[1]')!.message, /outside the 320x180 frame/);
    assert.match(by.get('zones[1].polygon')!.message, /edges cross/);
    assert.match(by.get('rules.drone.zones[0]')!.message, /not a sky zone/);
    assert.match(by.get('rules.drone.zones[1]')!.message, /no zone named "nowhere"/);
    assert.match(by.get('rules.crowdDensity')!.message, /needs a ground calibration/);
    assert.match(by.get('rules.crowdDensity.thresholds')!.message, /must increase with severity/);
    assert.match(by.get('rules.speeding')!.message, /unknown field/);
    assert.match(e.message, /^camera\.yaml: invalid camera configuration \(\d+ problems\)/);
    return true;
  });
  assert.throws(() => parseCameraYaml('camera: [unclosed'), (e: unknown) => e instanceof CameraConfigError && e.issues[0]!.path === '(YAML syntax)');
  assert.throws(() => parseCameraYaml('source: {}'), (e: unknown) => e instanceof CameraConfigError && e.issues.some((i) => i.path === 'camera' && /required/.test(i.message)));
  const pipeline = new VisionPipeline({ config: cameraConfig({}), detector: new ScriptedDetector(() => []) });
  await assert.rejects(pipeline.processFrame({ data: new Uint8Array(12), width: 2, height: 2, index: 0, timeS: 0, capturedAt: new Date() }), /expects 320x180/);
});
