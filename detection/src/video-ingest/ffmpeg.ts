/**
 * Where the ffmpeg binary is: `FFMPEG_PATH` when set, else the static build shipped in the `@ffmpeg-installer/ffmpeg`
 * registry package. Also the last-lines-of-stderr helper used to explain ffmpeg failures.
 */
import { locateFfmpeg } from '../ffmpeg-binary.js';

export { parseDuration } from '../ffmpeg-binary.js';
import { IngestError } from './ingest-error.js';

export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = locateFfmpeg(env);
  if (found instanceof Error) throw new IngestError('FFMPEG_MISSING', found.message, { cause: found });
  return found;
}

/** Keeps the last `max` lines ffmpeg wrote to stderr, to explain why it stopped. */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 20, private readonly onLine?: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
      this.onLine?.(line);
    }
  }

  all(): string[] {
    return this.partial.trim() ? [...this.lines, this.partial] : [...this.lines];
  }

  /** The most telling line: the last one that looks like an error, else the last line. */
  reason(): string {
    const lines = this.all();
    const telling = [...lines].reverse().find((l) => /error|refused|not found|no such|invalid|denied|timed? ?out|unreachable|failed/i.test(l));
    return (telling ?? lines.at(-1) ?? 'ffmpeg said nothing').trim();
  }
}

