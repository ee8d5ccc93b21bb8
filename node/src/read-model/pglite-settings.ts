/**
 * How PGlite runs here: PostgreSQL's settings for every read model database (pglite-worker.ts) and for the process that
 * creates one (pglite-initdb.ts). Measured with bench/read-model-memory (docs/benchmarks.md, "Read model memory").
 */
import { PGlite } from '@electric-sql/pglite';

/**
 * Added to PGlite's own start parameters (single-user backend, no parallel workers).
 *
 * shared_buffers: PGlite's default comes from the postgresql.conf initdb writes, 128MB, and the WASM build zeroes
 * PostgreSQL's shared memory when it allocates it, so all of it is resident from the start, in every database, data or
 * not (the WASM memory of an empty database: 151 MiB resident at 128MB, 29 MiB at 16MB). PGlite's pages on disk are
 * read through the OS page cache, so a smaller pool costs a copy per page missed, not a disk read: at 20,000 objects
 * (78 MiB on disk) the query kinds of bench/read-model-memory stayed within the run-to-run noise at 32MB.
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers=32MB'];

/** PGlite's start parameters with PGLITE_SETTINGS. */
export function pgliteStartParams(): string[] {
  return [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])];
}
