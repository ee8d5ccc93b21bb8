/** Raw RGB frames to JPEG (evidence snapshots) and still images to raw RGB, both through ffmpeg. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ffmpegPath, StderrTail } from './ffmpeg.js';
import { IngestError } from './ingest-error.js';
import { pictureBytes, type PixelFormat } from './pixels.js';

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A raw picture in rgb24 (the default) or yuv420p. */
export interface RawImage extends RgbImage {
  format?: PixelFormat;
}

function runFfmpeg(args: string[], input: Uint8Array | undefined, what: string, code: 'ENCODE_FAILED' | 'INPUT_UNREADABLE'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(ffmpegPath(), args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    } catch (cause) {
      reject(cause);
      return;
    }
    const chunks: Buffer[] = [];
    const stderr = new StderrTail(10);
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', (cause) => reject(new IngestError('FFMPEG_MISSING', `cannot start ffmpeg (${cause.message})`, { cause })));
    child.on('close', (exit) => {
      if (exit === 0) resolve(Buffer.concat(chunks));
      else reject(new IngestError(code, `${what}: ${stderr.reason()}`));
    });
    if (input && child.stdin) {
      child.stdin.on('error', () => { /* ffmpeg exited early: reported by 'close' */ });
      child.stdin.end(input);
    }
  });
}

/** Encodes one raw frame (rgb24 or yuv420p) as JPEG (quality 2 best … 31 worst, default 4). */
export function encodeJpeg(image: RawImage, quality = 4): Promise<Buffer> {
  const format = image.format ?? 'rgb24';
  const bytes = pictureBytes(image.width, image.height, format);
  if (image.data.length !== bytes) {
    return Promise.reject(new RangeError(`frame has ${image.data.length} bytes, ${image.width}x${image.height} ${format} needs ${bytes}`));
  }
  return runFfmpeg([
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', format, '-s', `${image.width}x${image.height}`,
    '-i', 'pipe:0', '-frames:v', '1', '-pix_fmt', 'yuvj420p', '-q:v', String(quality), '-f', 'mjpeg', 'pipe:1',
  ], image.data, 'JPEG encoding failed', 'ENCODE_FAILED');
}

/** Writes a JPEG snapshot of a frame; returns its SHA-256 (hex). */
export async function writeJpeg(path: string, image: RawImage, quality = 4): Promise<{ path: string; sha256: string; bytes: number }> {
  const jpeg = await encodeJpeg(image, quality);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, jpeg);
  return { path, sha256: createHash('sha256').update(jpeg).digest('hex'), bytes: jpeg.length };
}

/** Decodes a still image (JPEG, PNG, …) to rgb24, scaled to width × height. */
export async function decodeImage(path: string, width: number, height: number): Promise<RgbImage> {
  if (!existsSync(path)) throw new IngestError('INPUT_NOT_FOUND', `image not found: ${path}`, { input: path });
  const data = await runFfmpeg([
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-frames:v', '1', '-vf', `scale=${width}:${height}`,
    '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
  ], undefined, `cannot decode ${path}`, 'INPUT_UNREADABLE');
  if (data.length !== width * height * 3) throw new IngestError('INPUT_UNREADABLE', `cannot decode ${path}: got ${data.length} bytes`);
  return { data, width, height };
}
