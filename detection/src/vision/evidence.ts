/** Evidence snapshots: the frame that triggered an event, boxes outlined, written as JPEG on the node with its SHA-256. */
import { join } from 'node:path';
import type { Evidence } from '../events.js';
import { writeJpeg } from '../video-ingest/jpeg.js';
import { rgbToYuv, yuv420pPlanes } from '../video-ingest/pixels.js';
import type { Box, Frame } from './types.js';

/** A copy of the frame with each box outlined (`thickness` px, red), in the frame's own pixel format. */
export function outlineBoxes(frame: Frame, boxes: readonly Box[], thickness = 2, colour: [number, number, number] = [255, 32, 32]): Frame {
  const data = Uint8Array.from(frame.data);
  const { width, height } = frame;
  const yuv = frame.format === 'yuv420p';
  let paint: (x: number, y: number) => void;
  if (yuv) {
    const [yc, uc, vc] = rgbToYuv(colour);
    const { u, v, chromaWidth } = yuv420pPlanes(width, height);
    paint = (x, y) => {
      if (x < 0 || y < 0 || x >= width || y >= height) return;
      const c = (y >> 1) * chromaWidth + (x >> 1);
      data[y * width + x] = yc;
      data[u + c] = uc;
      data[v + c] = vc;
    };
  } else {
    paint = (x, y) => {
      if (x < 0 || y < 0 || x >= width || y >= height) return;
      const o = (y * width + x) * 3;
      data[o] = colour[0];
      data[o + 1] = colour[1];
      data[o + 2] = colour[2];
    };
  }
  // In yuv420p the outline is snapped outwards to whole 2 × 2 chroma blocks (even start, odd end, even thickness), so
  // its red chroma never bleeds onto the pixels inside the box.
  const lines = yuv ? 2 * Math.ceil(thickness / 2) : thickness;
  for (const b of boxes) {
    let x1 = Math.round(b.x1);
    let y1 = Math.round(b.y1);
    let x2 = Math.round(b.x2);
    let y2 = Math.round(b.y2);
    if (yuv) {
      x1 = 2 * Math.floor(x1 / 2);
      y1 = 2 * Math.floor(y1 / 2);
      x2 = 2 * Math.floor(x2 / 2) + 1;
      y2 = 2 * Math.floor(y2 / 2) + 1;
    }
    for (let t = 0; t < lines; t++) {
      for (let x = x1; x <= x2; x++) {
        paint(x, y1 + t);
        paint(x, y2 - t);
      }
      for (let y = y1; y <= y2; y++) {
        paint(x1 + t, y);
        paint(x2 - t, y);
      }
    }
  }
  return { data, width, height, ...(frame.format ? { format: frame.format } : {}) };
}

export async function writeSnapshot(dir: string, cameraId: string, eventId: string, frameIndex: number, frame: Frame, boxes: readonly Box[] | undefined, quality: number): Promise<Evidence> {
  const image = boxes?.length ? outlineBoxes(frame, boxes) : frame;
  const path = join(dir, cameraId, `${eventId}-f${frameIndex}.jpg`);
  const written = await writeJpeg(path, image, quality);
  return { kind: 'image', uri: written.path, sha256: written.sha256, mediaType: 'image/jpeg' };
}
