/** What every `popart` command does alike: reading its arguments, and a progress bar on stderr. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
export type ParsedCommandLine<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>;

/**
 * Parses a command's arguments. Answers `--help` (usage on stdout, exit code 0) and unknown or malformed options (the
 * reason and the usage on stderr, exit code 2) itself, returning the exit code; otherwise the parsed arguments.
 */
export function parseCommandLine<const O extends Options>(command: string, argv: string[], options: O, usage: string): ParsedCommandLine<O> | number {
  let parsed: ParsedCommandLine<O>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options }) as ParsedCommandLine<O>;
  } catch (err) {
    process.stderr.write(`popart ${command}: ${err instanceof Error ? err.message : String(err)}\n\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}

/**
 * A progress bar on stderr: redrawn in place on a terminal (at most every `intervalMs`, always at the end), and one
 * line per 10 % otherwise ("progress 40% …"), so logs stay readable.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastDecile = -1;
  private drawn = false;
  private readonly tty: boolean;
  private readonly intervalMs: number;

  constructor(private readonly enabled: boolean, opts: { tty?: boolean; intervalMs?: number } = {}) {
    this.tty = opts.tty ?? process.stderr.isTTY === true;
    this.intervalMs = opts.intervalMs ?? 200;
  }

  /** `fraction` in [0, 1], or undefined while the total is unknown; `detail` follows the percentage. */
  update(fraction: number | undefined, detail: string, force = false): void {
    if (!this.enabled) return;
    const f = fraction === undefined ? undefined : Math.max(0, Math.min(1, fraction));
    const percent = f === undefined ? '' : `${(f * 100).toFixed(0).padStart(3)}%`;
    if (this.tty) {
      const now = Date.now();
      if (!force && f !== 1 && now - this.lastDraw < this.intervalMs) return;
      this.lastDraw = now;
      const width = 30;
      const bar = f === undefined ? '' : `[${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${percent} `;
      process.stderr.write(`\r${bar}${detail}\x1b[K`);
      this.drawn = true;
    } else if (f !== undefined) {
      const decile = Math.floor(f * 10);
      if (decile <= this.lastDecile) return;
      this.lastDecile = decile;
      process.stderr.write(`progress ${percent.trim()} ${detail}\n`);
    }
  }

  /** Takes the bar off the terminal line, before other output on the same terminal. */
  clear(): void {
    if (this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Ends the bar's line on a terminal, leaving the last state visible. */
  done(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}
