/**
 * Where a camera's pixels are on the ground and on the Earth. Ground calibration is either a homography from four
 * image points to four ground points (given in WGS 84 [lon, lat], or in metres east/north of the camera position), or a
 * single scale in metres per pixel for a camera looking straight down (image centre under the camera, image up =
 * north). With a camera position (GeoJSON Point), ground metres become WGS 84 coordinates, so events carry a real
 * area; without any calibration, only sky zones and pixel rules work, and events carry the camera's circle if its
 * position is known.
 */
import type { AlertArea } from '@popart/schemas';
import { toLocalMetres, toLonLat, round, type GeoOrigin } from './geo.js';
import { applyHomography, homographyFrom4, homographyW, type Homography } from './homography.js';
import { polygonArea, type Point } from './polygon.js';

export type Calibration =
  | { kind: 'homography'; image: Point[]; ground: Point[]; groundUnits: 'wgs84' | 'metres' }
  | { kind: 'scale'; metresPerPixel: number };

export interface CameraGeometryOptions {
  width: number;
  height: number;
  calibration?: Calibration;
  /** Camera position, WGS 84. */
  position?: GeoOrigin;
  /** Radius of the area reported for sky events and uncalibrated cameras, metres. */
  viewRadiusM: number;
}

export class CameraGeometry {
  /** Ground positions in metres are available. */
  readonly calibrated: boolean;
  /** Ground positions convert to WGS 84. */
  readonly georeferenced: boolean;
  private readonly homography: Homography | undefined;
  private readonly wSign: number = 1;
  private readonly origin: GeoOrigin | undefined;

  constructor(readonly options: CameraGeometryOptions) {
    const cal = options.calibration;
    if (cal?.kind === 'homography') {
      let ground = cal.ground;
      if (cal.groundUnits === 'wgs84') {
        const n = ground.length;
        this.origin = { longitude: ground.reduce((s, p) => s + p[0], 0) / n, latitude: ground.reduce((s, p) => s + p[1], 0) / n };
        ground = ground.map((p) => toLocalMetres(this.origin!, p));
      } else {
        this.origin = options.position;
      }
      this.homography = homographyFrom4(cal.image, ground);
      if (!this.homography) throw new RangeError('calibration points are degenerate (three of them on one line)');
      const cx = cal.image.reduce((s, p) => s + p[0], 0) / 4;
      const cy = cal.image.reduce((s, p) => s + p[1], 0) / 4;
      this.wSign = Math.sign(homographyW(this.homography, [cx, cy])) || 1;
    } else if (cal?.kind === 'scale') {
      this.origin = options.position;
    }
    this.calibrated = cal !== undefined;
    this.georeferenced = this.calibrated && this.origin !== undefined;
  }

  /** Ground position (metres east, north) of an image point on the ground plane; undefined above the horizon. */
  toGround(p: Point): Point | undefined {
    const cal = this.options.calibration;
    if (!cal) return undefined;
    if (cal.kind === 'scale') {
      const m = cal.metresPerPixel;
      return [(p[0] - this.options.width / 2) * m, -(p[1] - this.options.height / 2) * m];
    }
    const h = this.homography!;
    if (homographyW(h, p) * this.wSign <= 0) return undefined;
    return applyHomography(h, p);
  }

  toLonLat(ground: Point): Point | undefined {
    return this.origin ? toLonLat(this.origin, ground) : undefined;
  }

  /** The zone's outline on the ground (metres), when every vertex is below the horizon. */
  groundPolygon(polygon: readonly Point[]): Point[] | undefined {
    const out: Point[] = [];
    for (const p of polygon) {
      const g = this.toGround(p);
      if (!g) return undefined;
      out.push(g);
    }
    return out;
  }

  /** Ground area of an image polygon, m². */
  areaM2(polygon: readonly Point[]): number | undefined {
    const g = this.groundPolygon(polygon);
    return g ? polygonArea(g) : undefined;
  }

  /** The zone as a WGS 84 polygon (closed ring of [lon, lat]). */
  polygonArea(polygon: readonly Point[]): AlertArea | undefined {
    const g = this.groundPolygon(polygon);
    if (!g || !this.origin) return undefined;
    const ring = g.map((p) => toLonLat(this.origin!, p)).map(([lon, lat]): [number, number] => [round(lon, 7), round(lat, 7)]);
    ring.push([ring[0]![0], ring[0]![1]]);
    return { shape: 'polygon', vertices: ring };
  }

  /** A circle of `radiusM` around a ground position (metres). */
  circleAround(ground: Point, radiusM: number): AlertArea | undefined {
    const ll = this.toLonLat(ground);
    if (!ll) return undefined;
    return { shape: 'circle', longitude: round(ll[0], 7), latitude: round(ll[1], 7), radius_m: round(radiusM, 1) };
  }

  /** The camera's own circle (sky events, uncalibrated cameras), when its position is known. */
  cameraArea(radiusM = this.options.viewRadiusM): AlertArea | undefined {
    const p = this.options.position;
    if (!p) return undefined;
    return { shape: 'circle', longitude: round(p.longitude, 7), latitude: round(p.latitude, 7), radius_m: radiusM };
  }
}
