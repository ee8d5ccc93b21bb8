/**
 * The one place that finds the ffmpeg binary for audio and video ingest: `FFMPEG_PATH` when set, else the static
 * build shipped in the `@ffmpeg-installer/ffmpeg` registry package. Callers wrap the failure in their own error type.
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
