/**
 * `node pglite-initdb.js DIR`: creates a PGlite database in DIR (PostgreSQL's initdb) and exits. pglite-thread.ts runs
 * it once per process, for the template it copies into every new database on disk: PGlite creates a database with a
 * second PGlite instance and initdb's own WASM instance, and what they left behind (their WASM memories until the
 * thread's next full collection, and some 50 MiB of freed memory the C allocator keeps) stayed in the database
 * thread's resident memory for as long as the database was open. In a process that then exits, all of it goes back to
 * the system.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams } from './pglite-settings.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: pglite-initdb.js DIR\n');
  process.exit(2);
}
const db = new PGlite(dir, { startParams: pgliteStartParams() });
await db.waitReady;
await db.close();
