/**
 * A detector run on overlapping tiles of each frame (and on the whole frame, `fullFrame`), the boxes of every pass
 * mapped back to the frame and merged (`mergeTileDetections`). A detector with `detectRegion` (the bundled ones)
 * resamples each tile straight from the frame's pixels into its input; for others each tile is cut out of the frame
 * (converted to rgb24 once when the frame is yuv420p) and resized like any frame. The whole-frame pass uses the copy
 * ffmpeg scaled for the detector when there is one.
 */
import { yuv420pToRgb } from '../../video-ingest/pixels.js';
import type { Detection, Frame, ObjectDetector } from '../types.js';
import { cutByTile, mergeTileDetections, tileGrid, type Tile, type TileDetection } from './tiles.js';

export interface TiledDetectorOptions {
  grid: [number, number];
  overlap: number;
  fullFrame: boolean;
  iouThreshold: number;
  maxDetections: number;
}

export class TiledDetector implements ObjectDetector {
  readonly name: string;
  readonly labels: readonly string[];
  private layout: { width: number; height: number; tiles: Tile[] } | undefined;

  constructor(private readonly inner: ObjectDetector, private readonly options: TiledDetectorOptions) {
    this.name = `${inner.name} on ${options.grid.join('×')} tiles${options.fullFrame ? ' + whole frame' : ''}`;
    this.labels = inner.labels;
  }

  /** The whole-frame pass can use ffmpeg's scaled copy; tiles cannot. */
  get input(): ObjectDetector['input'] {
    return this.options.fullFrame ? this.inner.input : undefined;
  }

  /** Model runs per frame: one per tile, plus the whole frame. */
  get passes(): number {
    return this.options.grid[0] * this.options.grid[1] + (this.options.fullFrame ? 1 : 0);
  }

  tilesFor(width: number, height: number): Tile[] {
    if (this.layout?.width !== width || this.layout.height !== height) {
      const [columns, rows] = this.options.grid;
      const tiles = columns * rows === 1 ? [] : tileGrid(width, height, this.options.grid, this.options.overlap);
      this.layout = { width, height, tiles };
    }
    return this.layout.tiles;
  }

  async detect(frame: Frame): Promise<Detection[]> {
    const tiles = this.tilesFor(frame.width, frame.height);
    const found: TileDetection[] = [];
    if (this.options.fullFrame || tiles.length === 0) {
      for (const d of await this.inner.detect(frame)) found.push({ ...d, cut: false, pass: 0 });
    }
    // Detectors that read a region of the frame resample each tile straight into their input; for others the tile is
    // cut out (from the frame converted to rgb24 once when it is yuv420p).
    let rgb: Uint8Array | undefined;
    for (let i = 0; i < tiles.length; i++) {
      const tile = tiles[i]!;
      let detections: Detection[];
      if (this.inner.detectRegion) detections = await this.inner.detectRegion(frame, tile);
      else {
        rgb ??= frame.format === 'yuv420p' ? yuv420pToRgb(frame.data, frame.width, frame.height) : frame.data;
        detections = await this.inner.detect(crop(rgb, frame.width, tile));
      }
      for (const d of detections) {
        const box = { x1: d.box.x1 + tile.x, y1: d.box.y1 + tile.y, x2: d.box.x2 + tile.x, y2: d.box.y2 + tile.y };
        const keypoints = d.keypoints?.map((k) => ({ ...k, x: k.x + tile.x, y: k.y + tile.y }));
        found.push({ ...d, box, ...(keypoints ? { keypoints } : {}), cut: cutByTile(box, tile, frame.width, frame.height), pass: i + 1, tile });
      }
    }
    return mergeTileDetections(found, this.options.iouThreshold, this.options.maxDetections);
  }

  /** The bare inferences of one frame: the inner detector's, once per pass. */
  async runBare(): Promise<void> {
    if (!this.inner.runBare) throw new Error(`${this.inner.name} has no bare inference to compare with`);
    for (let i = 0; i < this.passes; i++) await this.inner.runBare();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The rgb24 pixels of one tile of a frame, as a frame of its own. */
function crop(rgb: Uint8Array, frameWidth: number, tile: Tile): Frame {
  const data = new Uint8Array(tile.width * tile.height * 3);
  const row = tile.width * 3;
  for (let y = 0; y < tile.height; y++) {
    const from = ((tile.y + y) * frameWidth + tile.x) * 3;
    data.set(rgb.subarray(from, from + row), y * row);
  }
  return { data, width: tile.width, height: tile.height };
}
