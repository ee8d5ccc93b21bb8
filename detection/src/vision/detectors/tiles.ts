/**
 * Tiling a wide or high-resolution frame for a detector with a small input: the frame is cut into a grid of tiles that
 * overlap, each tile goes through the detector on its own (a person 40 pixels tall in a 1280-pixel frame is 9 model
 * pixels when the whole frame is squeezed into 300, 19 in a 2 × 2 tile), and the boxes of all tiles are merged.
 *
 * `tiles` in a detector's section: `{ grid: [columns, rows], overlap: 0.2, fullFrame: true }`, or
 * `{ auto: true, minPersonPx: 40, maxTiles: 6 }`: the grid from the person size the calibration predicts at the far
 * edge of the camera's ground zones (see `predictedPersonHeightPx`).
 */
import type { ConfigPath } from '../config/config-error.js';
import type { Fields, Raw } from '../config/fields.js';
import type { CameraGeometry } from '../geometry/camera-geometry.js';
import type { Point } from '../geometry/polygon.js';
import { boxArea, iou, type Box, type Detection, type Region } from '../types.js';

export interface TilesConfig {
  /** Columns × rows; absent with `auto` until the camera's geometry resolves it. */
  grid?: [number, number];
  /** Share of a tile's width (height) it shares with its neighbour, 0..0.5. */
  overlap: number;
  /** Also run the whole frame (persons larger than a tile). */
  fullFrame: boolean;
  /** Grid from the calibration's predicted person size. */
  auto: boolean;
  /** Smallest predicted person height wanted in model input pixels (auto). */
  minPersonPx: number;
  /** At most this many tiles (auto). */
  maxTiles: number;
}

export const TILES_FIELDS = ['grid', 'overlap', 'fullFrame', 'auto', 'minPersonPx', 'maxTiles'] as const;

export function parseTiles(raw: Raw, path: ConfigPath, f: Fields): TilesConfig | undefined {
  const p = [...path, 'tiles'];
  const t = f.object(raw.tiles, p, TILES_FIELDS);
  if (!t) return undefined;
  const config: TilesConfig = {
    overlap: f.number(t, 'overlap', p, 0.2, { min: 0, max: 0.5 }),
    fullFrame: f.boolean(t, 'fullFrame', p, true),
    auto: f.boolean(t, 'auto', p, false),
    minPersonPx: f.number(t, 'minPersonPx', p, 40, { min: 8, max: 1000 }),
    maxTiles: f.number(t, 'maxTiles', p, 6, { min: 1, max: 64, integer: true }),
  };
  if (t.grid !== undefined) {
    const grid = f.pair(t.grid, [...p, 'grid'], '[columns, rows]');
    if (grid && grid.every((n) => Number.isInteger(n) && n >= 1 && n <= 8)) config.grid = grid;
    else if (grid) f.issue([...p, 'grid'], `must be whole numbers from 1 to 8, got [${grid.join(', ')}]`);
  }
  if (config.auto === (t.grid !== undefined)) f.issue(p, 'give either grid: [columns, rows] or auto: true');
  return config;
}

/** A tile: its rectangle in frame pixels (integers). */
export type Tile = Region;

/** `columns × rows` tiles covering `width × height`, neighbours sharing `overlap` of a tile, edges on the frame's. */
export function tileGrid(width: number, height: number, [columns, rows]: [number, number], overlap: number): Tile[] {
  const span = (size: number, n: number): [number, number][] => {
    const tile = Math.min(size, Math.ceil(size / (n - (n - 1) * overlap)));
    return Array.from({ length: n }, (_, i) => {
      const start = n === 1 ? 0 : Math.round((i * (size - tile)) / (n - 1));
      return [start, tile];
    });
  };
  const xs = span(width, columns);
  const ys = span(height, rows);
  return ys.flatMap(([y, h]) => xs.map(([x, w]) => ({ x, y, width: w, height: h })));
}

const PERSON_HEIGHT_M = 1.7;
/** Seen from straight above, a person is about shoulder-wide. */
const PERSON_TOP_M = 0.6;

/**
 * The smallest height, in frame pixels, that a standing person is predicted to have at the given image points on the
 * ground: 1.7 m over the ground's horizontal metres per pixel there (for an oblique view an upright object at a point
 * is drawn at about the scale of the ground across the image there); 0.6 m over the scale for a top-down
 * `metresPerPixel` calibration. Undefined without a calibration or when no point is on the ground.
 */
export function predictedPersonHeightPx(geometry: CameraGeometry, points: readonly Point[]): number | undefined {
  const cal = geometry.options.calibration;
  if (!cal) return undefined;
  if (cal.kind === 'scale') return PERSON_TOP_M / cal.metresPerPixel;
  let smallest: number | undefined;
  for (const p of points) {
    const a = geometry.toGround(p);
    const b = geometry.toGround([p[0] + 1, p[1]]);
    if (!a || !b) continue;
    const mPerPx = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (!(mPerPx > 0)) continue;
    const h = PERSON_HEIGHT_M / mPerPx;
    smallest = smallest === undefined ? h : Math.min(smallest, h);
  }
  return smallest;
}

/** Points along a polygon's edges (every vertex and 8 points per edge): where the far edge of a zone is looked for. */
export function outlinePoints(polygon: readonly Point[]): Point[] {
  return polygon.flatMap((a, i) => {
    const b = polygon[(i + 1) % polygon.length]!;
    return Array.from({ length: 8 }, (_, k): Point => [a[0] + ((b[0] - a[0]) * k) / 8, a[1] + ((b[1] - a[1]) * k) / 8]);
  });
}

/**
 * The grid for a predicted smallest person height (frame pixels): of the grids of at most `maxTiles` tiles, the one
 * with the fewest tiles whose tiles, scaled to the model's input, show that person at least `minPersonPx` tall (1 × 1
 * when the whole frame already does); when none does, the one that shows it largest.
 */
export function autoGrid(width: number, height: number, personPx: number, model: { width: number; height: number }, config: Pick<TilesConfig, 'minPersonPx' | 'maxTiles' | 'overlap'>): [number, number] {
  const span = (size: number, n: number): number => (n === 1 ? size : Math.ceil(size / (n - (n - 1) * config.overlap)));
  let best: { grid: [number, number]; px: number; tiles: number } | undefined;
  for (let rows = 1; rows <= 8; rows++) {
    for (let columns = 1; columns <= 8 && columns * rows <= config.maxTiles; columns++) {
      // Stretched or letterboxed, the model sees a tile at most this scale.
      const px = personPx * Math.min(model.width / span(width, columns), model.height / span(height, rows));
      const tiles = columns * rows;
      const reached = px >= config.minPersonPx;
      const better = !best ? true
        : reached && best.px >= config.minPersonPx ? tiles < best.tiles || (tiles === best.tiles && px > best.px)
          : reached || (best.px < config.minPersonPx && (px > best.px + 1e-9 || (Math.abs(px - best.px) <= 1e-9 && tiles < best.tiles)));
      if (better) best = { grid: [columns, rows], px, tiles };
    }
  }
  return best?.grid ?? [1, 1];
}

/** A detection with the pass it came from (its tile, or none for the whole frame) and whether a tile's inner edge cuts it. */
export interface TileDetection extends Detection {
  cut: boolean;
  pass: number;
  tile?: Tile;
}

/** Whether a box found in `tile` touches one of the tile's edges that lies inside the frame (so it may be cut off). */
export function cutByTile(box: Box, tile: Tile, frameWidth: number, frameHeight: number, margin = 2): boolean {
  return (tile.x > 0 && box.x1 <= tile.x + margin) || (tile.y > 0 && box.y1 <= tile.y + margin) ||
    (tile.x + tile.width < frameWidth && box.x2 >= tile.x + tile.width - margin) ||
    (tile.y + tile.height < frameHeight && box.y2 >= tile.y + tile.height - margin);
}

const intersection = (a: Box, b: Box): number =>
  Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1)) * Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));

/** Whether a box reaches more than `margin` pixels outside a tile (an object the tile could only see a piece of). */
const beyond = (box: Box, tile: Tile | undefined, margin = 4): boolean => tile !== undefined &&
  (box.x1 < tile.x - margin || box.y1 < tile.y - margin || box.x2 > tile.x + tile.width + margin || box.y2 > tile.y + tile.height + margin);

/**
 * Merges the detections of all passes (tiles and the whole frame), best score first, per class: a box overlapping a
 * kept one by more than `iouThreshold` IoU is a duplicate (NMS across tiles); so is a box from another pass that lies
 * mostly (`containThreshold` of the smaller's area) inside the other when it is a piece — cut by its tile's edge, or
 * found in a tile that the other box reaches beyond (a person larger than the tile, whose face or legs the tile
 * took for a person) — and then the kept box grows to cover both.
 */
export function mergeTileDetections(detections: readonly TileDetection[], iouThreshold: number, maxDetections: number, containThreshold = 0.6): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: TileDetection[] = [];
  for (const d of sorted) {
    const same = kept.find((k) => {
      if (k.classId !== d.classId) return false;
      if (iou(k.box, d.box) > iouThreshold) return true;
      if (k.pass === d.pass || !(k.cut || d.cut || beyond(k.box, d.tile) || beyond(d.box, k.tile))) return false;
      return intersection(k.box, d.box) >= containThreshold * Math.min(boxArea(k.box), boxArea(d.box));
    });
    if (!same) {
      if (kept.length < maxDetections) kept.push({ ...d, box: { ...d.box } });
      continue;
    }
    if (same.pass !== d.pass && (same.cut || d.cut || beyond(same.box, d.tile) || beyond(d.box, same.tile))) {
      same.box = { x1: Math.min(same.box.x1, d.box.x1), y1: Math.min(same.box.y1, d.box.y1), x2: Math.max(same.box.x2, d.box.x2), y2: Math.max(same.box.y2, d.box.y2) };
      same.cut = same.cut && d.cut;
      // Grown to a whole-frame box, it is now the whole frame's: later pieces of other tiles join it too.
      if (!d.tile) {
        same.pass = d.pass;
        delete same.tile;
      }
    }
  }
  return kept.map(({ cut: _cut, pass: _pass, tile: _tile, ...d }) => d);
}
