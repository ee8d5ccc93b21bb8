/**
 * A synthetic crowd seen by any calibrated camera (e.g. detection/examples/camera.yaml): the real vtest persons placed at
 * random on the ground around one of its zones, at a given density, each drawn at the height the camera's calibration
 * gives a standing person there (1.7 m over the ground's metres per pixel across the image, as the tiles and the crowd
 * cover model predict it), far to near. The background is the caller's (the empty vtest walkway scaled to the frame,
 * say): the picture is not a photograph of that place, but the crowd stands where the calibration says the ground is.
 */
import { mulberry32 } from '../audio-eval/synth.js';
import type { CameraConfig } from '../src/vision/config/camera-config.js';
import { cameraGeometry } from '../src/vision/config/camera-config.js';
import { predictedPersonHeightPx } from '../src/vision/detectors/tiles.js';
import { applyHomography, homographyFrom4 } from '../src/vision/geometry/homography.js';
import { pointInPolygon, type Point } from '../src/vision/geometry/polygon.js';
import type { RgbImage } from '../src/video-ingest/jpeg.js';
import { drawPersons, type PlacedPerson, type Sprite } from './synthetic.js';

export interface CameraCrowd {
  image: RgbImage;
  /** Persons whose feet are in the zone, and the zone's ground area (m²). */
  inZone: number;
  areaM2: number;
}

/**
 * `densityPerM2` persons per m² on the zone's ground outline widened by `marginM` on every side (a zone inside a larger
 * crowd), drawn over `background` (the camera's frame size).
 */
export function cameraCrowd(config: CameraConfig, zoneName: string, background: RgbImage, sprites: readonly Sprite[], densityPerM2: number, seed: number, marginM = 5): CameraCrowd {
  const zone = config.zones.find((z) => z.name === zoneName);
  const cal = config.calibration;
  if (!zone || cal?.kind !== 'homography') throw new RangeError(`camera ${config.camera.id} has no zone ${zoneName} on a homography calibration`);
  const geometry = cameraGeometry(config);
  const ground = geometry.groundPolygon(zone.polygon);
  const calGround = geometry.groundPolygon(cal.image);
  const toImage = calGround && homographyFrom4(calGround, cal.image);
  if (!ground || !toImage) throw new RangeError(`zone ${zoneName} is not on the ground`);
  const xs = ground.map((p) => p[0]);
  const ys = ground.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs) - marginM, Math.max(...xs) + marginM, Math.min(...ys) - marginM, Math.max(...ys) + marginM];
  const random = mulberry32(seed);
  const persons = Math.round(densityPerM2 * (x1 - x0) * (y1 - y0));
  const feet: PlacedPerson[] = [];
  let inZone = 0;
  for (let i = 0; i < persons; i++) {
    const g: Point = [x0 + random() * (x1 - x0), y0 + random() * (y1 - y0)];
    const sprite = sprites[Math.floor(random() * sprites.length)]!;
    const [x, y] = applyHomography(toImage, g);
    if (pointInPolygon(g, ground)) inZone++;
    const heightPx = predictedPersonHeightPx(geometry, [[x, y]]);
    // Off the picture by more than a person's size, or behind the camera: not drawn.
    if (!heightPx || y < 0 || y - heightPx > background.height || x < -heightPx || x > background.width + heightPx) continue;
    feet.push({ x, y, heightPx, sprite });
  }
  return { image: drawPersons(background, feet).image, inZone, areaM2: zone.areaM2! };
}
