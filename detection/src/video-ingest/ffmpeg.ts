/**
 * Where the ffmpeg binary is: `FFMPEG_PATH` when set, else the static build shipped in the `@ffmpeg-installer/ffmpeg`
 * registry package, as an IngestError when there is none.
 */
import { locateFfmpeg } from '../ffmpeg-binary.js';

export { parseDuration } from '../ffmpeg-binary.js';
export { StderrTail } from '../live-input.js';
import { IngestError } from './ingest-error.js';

export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = locateFfmpeg(env);
  if (found instanceof Error) throw new IngestError('FFMPEG_MISSING', found.message, { cause: found });
  return found;
}
