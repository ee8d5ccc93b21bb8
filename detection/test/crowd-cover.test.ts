import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measurePersonModel } from '../vision-eval/density-eval.js';
import { loadLabels } from '../vision-eval/labels.js';
import { crowdScene, sceneParts, sceneZone, VIEW } from '../vision-eval/synthetic.js';
import { decodeImage } from '../src/video-ingest/jpeg.js';
import { coverModel, densityForCover, PERSON } from '../src/vision/density/cover-model.js';
import { OCCUPANCY_DEFAULTS, OccupancyEstimator } from '../src/vision/density/occupancy-estimator.js';
import { CameraGeometry } from '../src/vision/geometry/camera-geometry.js';
import { pointInPolygon } from '../src/vision/geometry/polygon.js';
import { VisionPipeline, type PipelineFrame, type PipelineOutput } from '../src/vision/pipeline.js';
import { inZone } from '../src/vision/rules/rule.js';
import { boxFoot } from '../src/vision/types.js';
import { cameraConfig, det, ScriptedDetector } from './vision-helpers.js';

// The vtest view of the evaluation (vision-eval/synthetic.ts): camera 6.3 m up, 665 px focal length, horizon at row −44.
const zone = sceneZone();
const geometry = new CameraGeometry({ width: VIEW.width, height: VIEW.height, viewRadiusM: 100, calibration: { kind: 'homography', image: zone.polygon, ground: zone.groundMetres, groundUnits: 'metres' } });

test('cover model: a pixel is covered by persons standing on a ground strip before it, as the view\'s geometry says', () => {
  const model = coverModel(geometry, VIEW.width, VIEW.height, zone.polygon, 2);
  // A person 1.7 m tall covers the ray to a ground point Z metres away when it stands between Z (1 − 1.7 / 6.3) and Z,
  // and across 0.43 × 1.7 m: the cover area is fill × 0.731 m × 0.27 Z.
  for (const [x, y] of [[384, 200], [300, 260], [450, 330]] as const) {
    const i = [...Array(model.cover.length).keys()].find((k) => Math.abs(model.pixels[2 * k]! - x) <= 1 && Math.abs(model.pixels[2 * k + 1]! - y) <= 1)!;
    const z = (VIEW.focalPx * VIEW.cameraHeightM) / (model.pixels[2 * i + 1]! - VIEW.horizonY);
    const expected = PERSON.fill * PERSON.aspect * PERSON.heightM * (PERSON.heightM / VIEW.cameraHeightM) * z;
    assert.ok(Math.abs(model.cover[i]! / expected - 1) < 0.05, `(${x}, ${y}): ${model.cover[i]} m² against ${expected.toFixed(3)}`);
  }
  assert.ok([...Array(model.cover.length).keys()].every((k) => pointInPolygon([model.pixels[2 * k]!, model.pixels[2 * k + 1]!], zone.polygon)));
});

test('cover → density: the inverse of the expected cover, capped when the view is saturated', () => {
  const n = [100, 300, 50];
  const cover = [0.5, 1.5, 4];
  for (const rho of [0.05, 0.5, 2, 5]) {
    const covered = n.reduce((s, k, b) => s + k * PERSON.solid * (1 - Math.exp((-rho * cover[b]!) / PERSON.solid)), 0);
    assert.ok(Math.abs(densityForCover(n, cover, covered) - rho) < 1e-6 * rho + 1e-9, `${rho}`);
  }
  assert.equal(densityForCover(n, cover, 0), 0);
  assert.equal(densityForCover(n, cover, 450), 20, 'every pixel covered: more than any density explains');
});

test('occupancy estimate on the real vtest frames (sparse) and on synthetic crowds around the zone (dense)', async () => {
  const labelled = loadLabels();
  const native = await Promise.all(labelled.map(async (l) => ({ labelled: l, image: await decodeImage(l.path, l.width, l.height) })));
  const { background, sprites } = sceneParts(native);
  // The person model's constants are what the real pedestrians measure.
  const vtest = native.filter((f) => f.labelled.file.startsWith('vtest-'));
  const model = measurePersonModel(vtest.map((f) => ({ image: f.image, persons: f.labelled.truth.person.boxes })), background, zone.polygon);
  for (const k of ['aspect', 'fill', 'solid'] as const) assert.ok(Math.abs(model[k] - PERSON[k]) < 0.01, `${k}: measured ${model[k]}, used ${PERSON[k]}`);
  const estimator = new OccupancyEstimator(OCCUPANCY_DEFAULTS, geometry, zone.polygon);
  estimator.setBackground({ data: background, width: VIEW.width, height: VIEW.height });
  const area = (zone.groundMetres[1]![0] - zone.groundMetres[0]![0]) * (zone.groundMetres[2]![1] - zone.groundMetres[0]![1]);
  for (const { labelled: l, image } of vtest) {
    const persons = [...l.truth.person.boxes, ...l.truth.person.difficult].filter((b) => inZone(boxFoot(b), { name: 'z', polygon: zone.polygon, sky: false })).length;
    const { density } = estimator.measure(image, 0);
    assert.ok(Math.abs(density - persons / area) < 0.05, `${l.file}: ${density.toFixed(3)} /m² for ${persons} persons on ${area} m²`);
  }
  // A crowd on a wider rectangle than the zone (the crowd does not stop at the zone's edge).
  const wide = { x0: -9, x1: 9, z0: 6.5, z1: 22 };
  const estimates = [0.5, 1, 2, 4].map((d, i) => {
    const scene = crowdScene(background, sprites, Math.round(d * 18 * 15.5), 2000 + i, wide);
    return { d, estimate: estimator.measure(scene.image, 0).density };
  });
  for (const { d, estimate } of estimates.slice(0, 3)) assert.ok(Math.abs(estimate / d - 1) < 0.25, `${d} /m²: estimated ${estimate.toFixed(2)}`);
  assert.ok(estimates[3]!.estimate > 2, `4 /m² reads as more than 2 (${estimates[3]!.estimate.toFixed(2)}): the cover saturates, it does not fall`);
});

test('crowdDensity: the cover is reported over the count when the zone is covered; a vehicle\'s box is left out; occupancy: false counts only', async () => {
  const raw = (occupancy?: unknown): Record<string, unknown> => ({
    source: { width: 160, height: 90, fps: 5 },
    calibration: { metresPerPixel: 0.1 }, // top down, 16 × 9 m
    zones: [{ name: 'square', polygon: [[0, 0], [160, 0], [160, 90], [0, 90]] }],
    rules: { crowdDensity: { zones: ['square'], thresholds: { medium: 2 }, minDurationS: 0, ...(occupancy === undefined ? {} : { occupancy }) } },
    evidence: { enabled: false },
  });
  const frames = (painted: number): PipelineFrame[] => Array.from({ length: 5 }, (_, i) => {
    const data = new Uint8Array(160 * 90 * 3).fill(90);
    // From the third frame (tracks are confirmed by then), the left `painted` columns differ from the (learnt) empty ground.
    if (i > 1) for (let y = 0; y < 90; y++) data.fill(200, y * 480, y * 480 + painted * 3);
    return { data, width: 160, height: 90, index: i, timeS: i / 5, capturedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, i)) };
  });
  const events = async (config: Record<string, unknown>, painted: number, car = false): Promise<PipelineOutput[]> => {
    const detector = new ScriptedDetector(() => [det('person', 10, 10, 14, 14), ...(car ? [det('car', 0, 0, painted, 90)] : [])]);
    const pipeline = new VisionPipeline({ config: cameraConfig(config), detector });
    const out: PipelineOutput[] = [];
    for (const f of frames(painted)) out.push(...await pipeline.processFrame(f));
    return out.filter((o) => o.type === 'event' && o.status === 'new');
  };
  const covered = await events(raw(), 150);
  assert.equal(covered.length, 1);
  const e = covered[0]!.type === 'event' ? covered[0]!.event : undefined;
  assert.equal(e?.measurements.method, 'cover');
  assert.ok((e?.measurements.cover as number) > 0.9 && (e?.measurements.density_per_m2 as number) >= 2, JSON.stringify(e?.measurements));
  assert.equal(e?.measurements.persons_counted, 1);
  assert.deepEqual(await events(raw(), 150, true), [], 'the same pixels under a car\'s box are not crowd');
  assert.deepEqual(await events(raw(), 10), [], 'a few columns: below the alert');
  assert.deepEqual(await events(raw(false), 150), [], 'without occupancy, one person counted on 144 m²');
  assert.throws(() => cameraConfig(raw({ samples: 0, colour: 1 })), /rules\.crowdDensity\.occupancy[^\n]*(colour|samples)/);
});
