/**
 * Where the ffmpeg binary is and how to start it. `FFMPEG_PATH` overrides the binary shipped in the
 * `@ffmpeg-installer/ffmpeg` registry package.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { locateFfmpeg } from '../ffmpeg-binary.js';

export { parseDuration } from '../ffmpeg-binary.js';
import { AudioIngestError } from './errors.js';

/** The ffmpeg binary to run: `FFMPEG_PATH` when set, else the one from `@ffmpeg-installer/ffmpeg`. */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = locateFfmpeg(env);
  if (found instanceof Error) throw new AudioIngestError('FFMPEG_MISSING', found.message, { cause: found });
  return found;
}

/** Starts ffmpeg with the given arguments; stdout carries the decoded PCM, stderr its log. */
export function spawnFfmpeg(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcessWithoutNullStreams {
  return spawn(ffmpegPath(env), args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
}

