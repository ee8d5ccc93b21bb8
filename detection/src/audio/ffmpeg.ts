/**
 * Where the ffmpeg binary is and how to start it. `FFMPEG_PATH` overrides the binary shipped in the
 * `@ffmpeg-installer/ffmpeg` registry package.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AudioIngestError } from './errors.js';

let cached: string | undefined;

/** The ffmpeg binary to run: `FFMPEG_PATH` when set, else the one from `@ffmpeg-installer/ffmpeg`. */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.FFMPEG_PATH;
  if (override) {
    if (!existsSync(override)) {
      throw new AudioIngestError('FFMPEG_MISSING', `FFMPEG_PATH points to "${override}", which does not exist`);
    }
    return override;
  }
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    cached = installer.path;
    return cached;
  } catch (cause) {
    throw new AudioIngestError('FFMPEG_MISSING', 'no ffmpeg binary: install @ffmpeg-installer/ffmpeg or set FFMPEG_PATH', { cause });
  }
}

/** Starts ffmpeg with the given arguments; stdout carries the decoded PCM, stderr its log. */
export function spawnFfmpeg(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcessWithoutNullStreams {
  return spawn(ffmpegPath(env), args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
}

/** Parses ffmpeg's "Duration: 00:01:02.50" line; undefined for "N/A" (live streams). */
export function parseDuration(line: string): number | undefined {
  const m = /Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}
