/**
 * What the bench programs share: the percentile of sorted samples, a progress bar on stderr, a pool that runs jobs
 * with a fixed number in flight and times each, and the first line of a report.
 */

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
