/**
 * What the bench programs share: the percentile of sorted samples, a progress bar on stderr, a pool that runs jobs
 * with a fixed number in flight and times each, the first line of a report, the command line, and the CPU of a process
 * tree or of one thread.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** The `p`-th percentile (0–100) of ascending `sorted` samples; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A progress bar on stderr: redrawn in place on a terminal, a line every tenth of the way otherwise. */
export function progress(label: string, done: number, of: number): void {
  if (!process.stderr.isTTY && done !== of && done % Math.max(1, Math.floor(of / 10)) !== 0) return;
  const width = 30;
  const filled = Math.round((done / of) * width);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${of}${done === of ? '\n' : process.stderr.isTTY ? '' : '\n'}`);
}

export interface PoolResult {
  /** Elapsed time of the whole pool. */
  seconds: number;
  /** Of each job that succeeded, ms, ascending. */
  latencies: number[];
  /** The message of each job that threw. */
  failures: string[];
}

/** Runs jobs 0…n-1 with `concurrency` in flight; a progress bar when `label` is given. */
export async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>, label?: string): Promise<PoolResult> {
  let next = 0;
  let done = 0;
  const latencies: number[] = [];
  const failures: string[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const s = performance.now();
      try {
        await job(i);
        latencies.push(performance.now() - s);
      } catch (err) {
        failures.push((err as Error).message);
      }
      if (label !== undefined) progress(label, ++done, n);
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b), failures };
}

/** The first line of a report: the bench's name, when and on which Node it ran, and what it ran. */
export function reportHeader(name: string, what: string): string {
  return `bench/${name}  (${new Date().toISOString()}, node ${process.version}, ${what})`;
}

/**
 * A bench program's command line: `options` as node:util's parseArgs takes them (values as strings or booleans), plus
 * `-h, --help`, which prints `usage` and exits. An unknown option or a missing value prints what is wrong and the usage,
 * and exits with status 2. `number(name)` reads an option as a number and refuses anything that is not one (`--objects
 * 1e5` is 100000; `--objects many` or a negative count stops the program with the option's name), so that a typo
 * never runs a benchmark of NaN objects.
 */
export function benchArgs<const O extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean; short?: string }>>(
  usage: string, options: O,
): { values: { [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean : O[K] extends { default: string } ? string : string | undefined }; number: (name: keyof O & string) => number } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage.trimEnd()}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(0);
  }
  const number = (name: string): number => {
    const text = values[name];
    const n = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
    if (!Number.isFinite(n) || n < 0) {
      process.stderr.write(`--${name}: expected a number ≥ 0, got ${JSON.stringify(text ?? null)}\n\n${usage.trimEnd()}\n`);
      process.exit(2);
    }
    return n;
  };
  return { values: values as never, number };
}

/** USER_HZ: the clock ticks per second of /proc's CPU times (100 on Linux). */
const TICKS = 100;

/**
 * The fields of a /proc stat line after the command name, from the state on (field 3): the command name (field 2) may
 * hold spaces and parentheses, so they start after the last ')'.
 */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A thread's (or process's) own CPU seconds, user + system (utime, stime), from its /proc stat file. */
function ownCpuSeconds(statPath: string): number {
  const fields = statFields(readFileSync(statPath, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/**
 * CPU seconds (user + system) used so far by the live process `root` and each process descended from it (a database
 * server's postmaster and its backends), by pid, read from /proc; none where there is no /proc. process.cpuUsage()
 * counts one process only. Each process's figure includes the children it has reaped (cutime, cstime): a process that
 * lives less than a reading's interval (a parallel worker, an autovacuum worker) is counted in its parent's.
 */
export function processTreeCpu(root: number): Map<number, number> {
  const tree = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return tree;
  }
  const parent = new Map<number, number>();
  const used = new Map<number, number>();
  for (const e of entries) {
    try {
      const fields = statFields(readFileSync(`/proc/${e}/stat`, 'utf8'));
      parent.set(Number(e), Number(fields[1]));
      // utime, stime, cutime, cstime
      used.set(Number(e), (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS);
    } catch {
      // The process ended meanwhile.
    }
  }
  const descends = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  for (const [pid, seconds] of used) if (descends(pid)) tree.set(pid, seconds);
  return tree;
}

/**
 * The CPU seconds (user + system) the calling thread has used, from /proc/thread-self/stat (Linux); null elsewhere.
 * A bench's load generator runs in a worker thread of the bench's process: its own CPU is taken out of the process's
 * to give the CPU of what is measured.
 */
export function threadCpuSeconds(): number | null {
  try {
    return ownCpuSeconds('/proc/thread-self/stat');
  } catch {
    return null;
  }
}

/**
 * The CPU seconds (user + system) of each thread of this process, by thread id, from /proc/self/task (Linux; empty
 * elsewhere). A thread that ends between two readings is not counted after it ends.
 */
export function threadsCpu(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      out.set(Number(tid), ownCpuSeconds(`/proc/self/task/${tid}/stat`));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/**
 * The CPU seconds a process tree used between two readings of processTreeCpu: each process's growth, all of a process
 * that started meanwhile. A process that ended meanwhile was counted whole in its parent's figure (reaped children):
 * what it had used before the first reading is taken off again.
 */
export function cpuSecondsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  for (const [pid, seconds] of before) if (!after.has(pid)) total -= seconds;
  return Math.max(0, total);
}
