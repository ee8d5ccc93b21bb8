import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisionPipeline, type PipelineOutput } from '../src/vision/pipeline.js';
import { blankFrames, cameraConfig, det, ScriptedDetector } from './vision-helpers.js';

// An oblique camera: the bottom image row spans 20 m of ground, the top row 80 m, 100 m away (metres from the camera).
const CALIBRATION = { homography: { image: [[0, 360], [640, 360], [640, 0], [0, 0]], groundMetres: [[-10, 0], [10, 0], [40, 100], [-40, 100]] } };
const band = (name: string, y0: number, y1: number): Record<string, unknown> => ({ name, polygon: [[0, y0], [640, y0], [640, y1], [0, y1]] });

test('crowd density per ground zone: the homography gives each zone its own area, so the same count is dense near and sparse far', async () => {
  const config = cameraConfig({
    camera: { id: 'cam-oblique', position: { type: 'Point', coordinates: [-3.6883, 40.4531] } },
    source: { width: 640, height: 360, fps: 5 }, calibration: CALIBRATION,
    zones: [band('near', 300, 360), band('middle', 60, 300), band('far', 0, 60)],
    rules: { crowdDensity: { zones: ['near', 'middle', 'far'], thresholds: { medium: 0.02 }, minDurationS: 0 } },
    evidence: { enabled: false },
  });
  const area = Object.fromEntries(config.zones.map((z) => [z.name, z.areaM2!]));
  // The three bands are the whole calibrated quad: a trapezoid of (20 + 80) / 2 × 100 = 5000 m².
  assert.ok(Math.abs(area.near! + area.middle! + area.far! - 5000) < 1e-6, JSON.stringify(area));
  assert.ok(area.near! < area.far! / 5, `near ${area.near} m², far ${area.far} m²: the far band holds far more ground`);
  // 12 persons stand in each of the near and far bands (foot points inside), none in the middle.
  const row = (y: number) => Array.from({ length: 12 }, (_, i) => det('person', 20 + i * 50, y - 20, 40 + i * 50, y));
  const detector = new ScriptedDetector(() => [...row(350), ...row(50)]);
  const pipeline = new VisionPipeline({ config, detector });
  const out: PipelineOutput[] = [];
  for (const f of blankFrames(4, 640, 360, 5)) out.push(...await pipeline.processFrame(f));
  const opened = out.flatMap((o) => (o.type === 'event' && o.status === 'new' ? [o.event] : []));
  assert.deepEqual(opened.map((e) => e.zone), ['near'], '12 persons are dense only on the near band');
  const near = opened[0]!;
  assert.equal(near.measurements.persons, 12);
  assert.equal(near.measurements.density_per_m2, Number((12 / area.near!).toFixed(3)));
  assert.ok(12 / area.far! < 0.02, 'the far band stays under the threshold with as many persons');
  assert.equal(near.area?.shape, 'polygon', 'the event carries the zone on the map');
});
