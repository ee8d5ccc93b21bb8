/**
 * What audio and video ingest share about ffmpeg: the one place that finds the binary (`FFMPEG_PATH` when set, else
 * the static build shipped in the `@ffmpeg-installer/ffmpeg` registry package; callers wrap the failure in their own
 * error type) and the input duration from its banner. The child process, its queue and its reconnections: live-input.ts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

let installed: string | undefined;

/** The path of ffmpeg, or an Error whose message says what to do. */
export function locateFfmpeg(env: NodeJS.ProcessEnv = process.env): string | Error {
  const override = env.FFMPEG_PATH;
  if (override) return existsSync(override) ? override : new Error(`FFMPEG_PATH points to "${override}", which does not exist`);
  if (installed) return installed;
  try {
    const require = createRequire(import.meta.url);
    installed = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    return installed;
  } catch (cause) {
    return new Error('no ffmpeg binary: install @ffmpeg-installer/ffmpeg or set FFMPEG_PATH', { cause });
  }
}

/** Parses ffmpeg's "Duration: 00:01:02.50" line, in seconds; undefined for "N/A" (live streams). */
export function parseDuration(line: string): number | undefined {
  const m = /Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}
