/** Evidence snapshots: the frame that triggered an event, boxes outlined, written as JPEG on the node with its SHA-256. */
import { join } from 'node:path';
import type { Evidence } from '../events.js';
import { writeJpeg } from '../ingest/jpeg.js';
import type { Box, Frame } from './types.js';

/** A copy of the frame with each box outlined (`thickness` px, red). */
export function outlineBoxes(frame: Frame, boxes: readonly Box[], thickness = 2, colour: [number, number, number] = [255, 32, 32]): Frame {
  const data = Uint8Array.from(frame.data);
  const { width, height } = frame;
  const paint = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 3;
    data[o] = colour[0];
    data[o + 1] = colour[1];
    data[o + 2] = colour[2];
  };
  for (const b of boxes) {
    const x1 = Math.round(b.x1);
    const y1 = Math.round(b.y1);
    const x2 = Math.round(b.x2);
    const y2 = Math.round(b.y2);
    for (let t = 0; t < thickness; t++) {
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
  return { data, width, height };
}

export async function writeSnapshot(dir: string, cameraId: string, eventId: string, frameIndex: number, frame: Frame, boxes: readonly Box[] | undefined, quality: number): Promise<Evidence> {
  const image = boxes?.length ? outlineBoxes(frame, boxes) : frame;
  const path = join(dir, cameraId, `${eventId}-f${frameIndex}.jpg`);
  const written = await writeJpeg(path, image, quality);
  return { kind: 'image', uri: written.path, sha256: written.sha256, mediaType: 'image/jpeg' };
}
