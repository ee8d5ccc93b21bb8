/**
 * How dense a crowd the cover can measure from a camera. As a crowd thickens, each added person hides less of the zone
 * that others have not already hidden, so the zone's cover creeps towards full and its density estimate stops telling
 * densities apart: on the evaluation's oblique view a crowd of 3 and one of 4 persons/m² both read about 2.7
 * (docs/detection.md). A `crowdDensity` threshold above that ceiling is never reached however dense the crowd, and a
 * configuration with one deserves a warning when the camera starts.
 */
import { cameraGeometry, type CameraConfig } from '../config/camera-config.js';
import { coverModel, densityForCover, PERSON, type CoverModel } from './cover-model.js';
import { sampleStep } from './occupancy-estimator.js';

/**
 * Cover short of full (the person model's `solid` share) at which the ceiling is put: 3 percentage points, about how
 * far the measured cover of the synthetic crowds at 3 and 4 persons/m² fell short of the model's expectation (93 %
 * against 94–96 %), so a density whose expected cover is closer to full than this cannot be told from a denser one.
 */
export const CEILING_MARGIN = 0.03;

/** The density (persons/m²) at which the zone's expected cover comes within `CEILING_MARGIN` of full. */
export function coverCeiling(model: CoverModel, margin = CEILING_MARGIN): number {
  const n = new Float64Array(model.binCover.length);
  for (const b of model.bin) n[b]!++;
  return densityForCover(n, model.binCover, (PERSON.solid - margin) * model.cover.length);
}

/** Per zone of `crowdDensity` measured from its cover: the ceiling, and the thresholds above it. */
export interface UnreachableThresholds {
  zone: string;
  ceiling: number;
  above: { severity: string; density: number }[];
}

/**
 * The zones whose `crowdDensity` thresholds lie above what the crowd's cover can measure from this camera (none when
 * the rule is off, counts only, or every threshold is within reach). Builds each zone's cover model at the camera's
 * frame size (0.1–0.2 s a zone), so it is meant for start-up.
 */
export function unreachableDensityThresholds(camera: CameraConfig): UnreachableThresholds[] {
  const rule = camera.rules.crowdDensity;
  if (!rule || !rule.occupancy || !camera.calibration) return [];
  const geometry = cameraGeometry(camera);
  const { width, height } = camera.source;
  const out: UnreachableThresholds[] = [];
  for (const name of rule.zones) {
    const zone = camera.zones.find((z) => z.name === name);
    if (!zone || zone.sky) continue;
    const model = coverModel(geometry, width, height, zone.polygon, sampleStep(zone.polygon, rule.occupancy.maxPixels));
    if (!model.cover.length) continue;
    const ceiling = coverCeiling(model);
    const above = Object.entries(rule.thresholds).filter(([, d]) => d !== undefined && d > ceiling).map(([severity, density]) => ({ severity, density: density! }));
    if (above.length) out.push({ zone: name, ceiling, above });
  }
  return out;
}

/** The start-up warning for one zone's unreachable thresholds. */
export function unreachableThresholdsWarning(u: UnreachableThresholds): string {
  const list = u.above.map((a) => `${a.severity} ${a.density}`).join(', ');
  return `crowdDensity: zone ${u.zone}: threshold${u.above.length > 1 ? 's' : ''} ${list} persons/m² above what the crowd's cover can measure from this view ` +
    `(about ${u.ceiling.toFixed(1)} /m²: denser crowds hardly cover more of the zone), so ${u.above.length > 1 ? 'they are' : 'it is'} never reached; ` +
    `set ${u.above.length > 1 ? 'them' : 'it'} at or below ${u.ceiling.toFixed(1)} (docs/detection.md, "Crowd density from the crowd's cover")`;
}
