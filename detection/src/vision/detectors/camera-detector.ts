/**
 * The detector of a camera: each configured detector (tiled as its `tiles` say, `auto` grids resolved from the
 * calibration's predicted person size at the far edge of the ground zones), combined when there are several.
 */
import { cameraGeometry, type CameraConfig } from '../config/camera-config.js';
import type { ObjectDetector } from '../types.js';
import { CombinedDetector } from './combined-detector.js';
import { createDetector, type DetectorConfig } from './registry.js';
import { autoGrid, outlinePoints, predictedPersonHeightPx } from './tiles.js';

/** The grid `auto` tiling gives this detector on this camera (undefined: no auto tiling, or no calibration to size by). */
export function resolveAutoGrid(camera: CameraConfig, detector: DetectorConfig, model: { width: number; height: number }): { grid: [number, number]; personPx: number } | undefined {
  const tiles = detector.tiles;
  if (!tiles?.auto) return undefined;
  const geometry = cameraGeometry(camera);
  const ground = camera.zones.filter((z) => !z.sky);
  const cal = camera.calibration;
  const points = ground.length ? ground.flatMap((z) => outlinePoints(z.polygon)) : cal?.kind === 'homography' ? outlinePoints(cal.image) : [];
  const personPx = predictedPersonHeightPx(geometry, points);
  if (personPx === undefined) return undefined;
  const { width, height } = camera.source;
  return { grid: autoGrid(width, height, personPx, model, tiles), personPx };
}

export async function createCameraDetector(camera: CameraConfig, log?: (message: string) => void): Promise<ObjectDetector> {
  const members: ObjectDetector[] = [];
  try {
    for (const config of camera.detectors) {
      members.push(await createDetector(config, (model) => {
        const auto = resolveAutoGrid(camera, config, model.input ?? { width: 416, height: 416 });
        const grid = auto?.grid ?? [1, 1];
        log?.(`${model.name}: tiles ${grid.join('×')} (auto; smallest person predicted in the ground zones: ${auto ? `${auto.personPx.toFixed(0)} px` : 'unknown'})`);
        return grid;
      }));
    }
  } catch (e) {
    await Promise.all(members.map((m) => m.close()));
    throw e;
  }
  return members.length === 1 ? members[0]! : new CombinedDetector(members);
}
