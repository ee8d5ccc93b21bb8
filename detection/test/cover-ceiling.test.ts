import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { sceneZone, VIEW } from '../vision-eval/synthetic.js';
import { loadCameraConfig, parseCameraYaml } from '../src/vision/config/camera-config.js';
import { CEILING_MARGIN, coverCeiling, unreachableDensityThresholds, unreachableThresholdsWarning } from '../src/vision/density/cover-ceiling.js';
import { coverModel, PERSON } from '../src/vision/density/cover-model.js';
import { CameraGeometry } from '../src/vision/geometry/camera-geometry.js';

const EXAMPLE = join(fileURLToPath(import.meta.url), '../../../examples/camera.yaml');

/** The example configuration with its crowdDensity line replaced. */
function exampleWith(crowdDensity: string): ReturnType<typeof loadCameraConfig> {
  const text = readFileSync(EXAMPLE, 'utf8').replace(/^ {2}crowdDensity: .*$/m, `  crowdDensity: ${crowdDensity}`);
  return parseCameraYaml(text, { baseDir: dirname(EXAMPLE) });
}

test('cover model: every sampled pixel lands in one of the bins the inversion works on', () => {
  const zone = sceneZone();
  const geometry = new CameraGeometry({ width: VIEW.width, height: VIEW.height, viewRadiusM: 100, calibration: { kind: 'homography', image: zone.polygon, ground: zone.groundMetres, groundUnits: 'metres' } });
  for (const step of [2, 3]) {
    const model = coverModel(geometry, VIEW.width, VIEW.height, zone.polygon, step);
    assert.ok(model.bin.every((b) => b < model.binCover.length), `step ${step}: a pixel outside the bins`);
    // Each bin's cover is the mean of its pixels' covers, so the bins hold all of the zone's cover.
    const total = model.cover.reduce((s, a) => s + a, 0);
    const binned = model.bin.reduce((s, b) => s + model.binCover[b]!, 0);
    assert.ok(Math.abs(binned / total - 1) < 1e-6, `step ${step}: bins hold ${binned} of ${total} m²`);
  }
});

test('cover ceiling: where the expected cover comes within 3 points of full, about 3 persons/m² on the evaluation\'s oblique view', () => {
  const zone = sceneZone();
  const geometry = new CameraGeometry({ width: VIEW.width, height: VIEW.height, viewRadiusM: 100, calibration: { kind: 'homography', image: zone.polygon, ground: zone.groundMetres, groundUnits: 'metres' } });
  const model = coverModel(geometry, VIEW.width, VIEW.height, zone.polygon, 2);
  const ceiling = coverCeiling(model);
  const expected = (rho: number): number => model.cover.reduce((s, a) => s + PERSON.solid * (1 - Math.exp((-rho * a) / PERSON.solid)), 0) / model.cover.length;
  assert.ok(Math.abs(expected(ceiling) - (PERSON.solid - CEILING_MARGIN)) < 0.002, `expected cover ${expected(ceiling)} at the ceiling ${ceiling}`);
  // docs/detection.md: synthetic crowds of 3 and 4 persons/m² on this view both read about 2.7.
  assert.ok(ceiling > 2.6 && ceiling < 3.4, `ceiling ${ceiling} persons/m²`);
  assert.ok(coverCeiling(model, 0.01) > ceiling, 'a smaller margin puts the ceiling higher');
});

test('the example configuration\'s density thresholds are within its view\'s reach; 4 and 5 persons/m² are not, and the warning says so', () => {
  assert.deepEqual(unreachableDensityThresholds(loadCameraConfig(EXAMPLE)), []);
  const before = exampleWith('{ zones: [plaza-gate-7], thresholds: { medium: 2, high: 4, critical: 5 } }');
  const [u, ...more] = unreachableDensityThresholds(before);
  assert.equal(more.length, 0);
  assert.equal(u!.zone, 'plaza-gate-7');
  assert.deepEqual(u!.above, [{ severity: 'high', density: 4 }, { severity: 'critical', density: 5 }]);
  assert.ok(u!.ceiling > 2.6 && u!.ceiling < 3.4, `ceiling ${u!.ceiling}`);
  assert.match(unreachableThresholdsWarning(u!), /^crowdDensity: zone plaza-gate-7: thresholds high 4, critical 5 persons\/m² above what the crowd's cover can measure from this view \(about 3\.\d \/m²/);
  const one = unreachableDensityThresholds(exampleWith('{ zones: [plaza-gate-7], thresholds: { high: 2, critical: 3.5 } }'));
  assert.match(unreachableThresholdsWarning(one[0]!), /threshold critical 3\.5 persons\/m² .* so it is never reached; set it at or below 3\.\d/);
  // Counting only: no cover, no ceiling of the cover to warn about.
  assert.deepEqual(unreachableDensityThresholds(exampleWith('{ zones: [plaza-gate-7], thresholds: { critical: 5 }, occupancy: false }')), []);
});
