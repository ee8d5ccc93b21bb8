/** Shared fakes and fixtures for the vision tests: temp folders, camera configs, scripted and colour detectors, clips. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { validateCameraConfig, type CameraConfig } from '../src/vision/config/camera-config.js';
import type { PipelineFrame } from '../src/vision/pipeline.js';
import type { VideoFrame } from '../src/video-ingest/video-source.js';
import type { Box, Detection, Frame, ObjectDetector } from '../src/vision/types.js';

export const run = promisify(execFile);
export const FFMPEG: string = process.env.FFMPEG_PATH ?? (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;

export async function tempDir(t: { after(fn: () => Promise<void>): void }, prefix = 'popart-vision-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A validated config from a partial raw one (camera id and a 320×180 source by default). */
export function cameraConfig(raw: Record<string, unknown>, baseDir = process.cwd()): CameraConfig {
  return validateCameraConfig({ camera: { id: 'cam-test' }, source: { width: 320, height: 180, fps: 10 }, ...raw }, { baseDir });
}

export const det = (label: string, x1: number, y1: number, x2: number, y2: number, score = 0.9, classId = 0): Detection => ({
  box: { x1, y1, x2, y2 }, score, classId, label,
});

/** A detector that returns, for frame n, what `script(n)` says (frames are counted as they come). */
export class ScriptedDetector implements ObjectDetector {
  readonly name = 'scripted';
  readonly labels: readonly string[] = ['person', 'car', 'drone', 'bird'];
  private n = 0;

  constructor(private readonly script: (frame: number) => Detection[]) {}

  async detect(_frame: Frame): Promise<Detection[]> {
    return this.script(this.n++);
  }

  async close(): Promise<void> {}
}

/**
 * A detector that finds the pixels of one pure colour (±30 per channel) in a real decoded frame and reports their
 * bounding box as one object: stands in for a model on synthetic clips with a coloured moving shape.
 */
export class ColourBlobDetector implements ObjectDetector {
  readonly name = 'colour-blob';
  readonly labels: readonly string[];

  constructor(private readonly colour: [number, number, number], readonly label: string, private readonly minPixels = 20) {
    this.labels = [label];
  }

  async detect(frame: Frame): Promise<Detection[]> {
    const box: Box = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
    let count = 0;
    const [r, g, b] = this.colour;
    for (let y = 0; y < frame.height; y++) {
      for (let x = 0; x < frame.width; x++) {
        const o = (y * frame.width + x) * 3;
        if (Math.abs(frame.data[o]! - r) < 30 && Math.abs(frame.data[o + 1]! - g) < 30 && Math.abs(frame.data[o + 2]! - b) < 30) {
          count++;
          box.x1 = Math.min(box.x1, x);
          box.y1 = Math.min(box.y1, y);
          box.x2 = Math.max(box.x2, x + 1);
          box.y2 = Math.max(box.y2, y + 1);
        }
      }
    }
    return count >= this.minPixels ? [{ box, score: 0.9, classId: 0, label: this.label }] : [];
  }

  async close(): Promise<void> {}
}

/** Blank frames for pipelines driven by scripted detectors. */
export function* blankFrames(count: number, width: number, height: number, fps: number, start = new Date('2026-01-01T12:00:00Z')): Generator<PipelineFrame> {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < count; i++) {
    yield { data, width, height, index: i, timeS: i / fps, capturedAt: new Date(start.getTime() + (i * 1000) / fps) };
  }
}

/**
 * A clip synthesised by ffmpeg (lavfi): sky-blue background and a red box moving left to right along y = 40
 * at `speed` px/s, `seconds` long.
 */
export async function movingBoxClip(path: string, opts: { width?: number; height?: number; seconds?: number; fps?: number; speed?: number; y?: number } = {}): Promise<void> {
  const { width = 320, height = 180, seconds = 4, fps = 10, speed = 80, y = 40 } = opts;
  // overlay (not drawbox, whose expressions cannot use time in this ffmpeg) moves a 16×10 red box.
  await run(FFMPEG, [
    '-v', 'error', '-y', '-f', 'lavfi', '-i',
    `color=c=0x87CEEB:size=${width}x${height}:rate=${fps}:duration=${seconds}[bg];color=c=red:size=16x10:rate=${fps}[box];` +
    `[bg][box]overlay=x='10+t*${speed}':y=${y}:shortest=1`,
    '-c:v', 'mpeg4', '-q:v', '2', path,
  ]);
}

/** Up to `count` frames from a source's iterator (fewer if it ends). */
export async function take(it: AsyncIterator<VideoFrame>, count: number): Promise<VideoFrame[]> {
  const out: VideoFrame[] = [];
  while (out.length < count) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
