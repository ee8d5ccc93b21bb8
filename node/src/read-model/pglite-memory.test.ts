/**
 * What a PGlite read model on disk costs: its database is a copy of a template made by initdb in a process of its own
 * (pglite-thread.ts, pglite-initdb.ts) and runs with the read model's settings (pglite-settings.ts), so that an open
 * database holds some 70 MiB instead of 300-500 (docs/benchmarks.md, "Read model memory").
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from './database.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'popart-pglite-memory-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a new database on disk is created whole, runs with the read model\'s settings and keeps its rows', async (t) => {
  const dir = await tempDir(t);
  const db = await openDatabase({ kind: 'pglite', dir: join(dir, 'read-model') });
  try {
    assert.deepEqual((await db.query('SHOW shared_buffers')).rows, [{ shared_buffers: '32MB' }]);
    await db.exec('CREATE TABLE t (n int); INSERT INTO t VALUES (7)');
  } finally {
    await db.close();
  }
  assert.deepEqual(await readdir(dir), ['read-model'], 'nothing left beside the database (the copy is renamed into place)');
  assert.ok((await readdir(join(dir, 'read-model'))).includes('PG_VERSION'));
  const again = await openDatabase({ kind: 'pglite', dir: join(dir, 'read-model') });
  try {
    assert.deepEqual((await again.query('SELECT n FROM t')).rows, [{ n: 7 }]);
  } finally {
    await again.close();
  }
});

test('a database on disk adds far less than the 300 MiB or more it did before to the process\'s resident memory', async (t) => {
  const dir = await tempDir(t);
  const settled = async (): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return process.memoryUsage().rss / 2 ** 20;
  };
  // The first database also loads what every later one shares (the compiled WASM, its optimised code).
  const first = await openDatabase({ kind: 'pglite', dir: join(dir, 'a') });
  let second: Awaited<ReturnType<typeof openDatabase>> | null = null;
  try {
    await first.query('SELECT 1');
    const before = await settled();
    second = await openDatabase({ kind: 'pglite', dir: join(dir, 'b') });
    await second.exec('CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 1000)');
    const cost = await settled() - before;
    // 60-75 MiB measured (bench/read-model-memory); 300-500 MiB with PGlite's defaults and initdb on the thread.
    assert.ok(cost < 200, `the second database added ${cost.toFixed(0)} MiB of resident memory; expected about 70 (bench/read-model-memory)`);
  } finally {
    await second?.close();
    await first.close();
  }
});

test('the template is removed when its process exits, and one a killed process left is removed by the next; a live process\'s is kept', async (t) => {
  const tmp = await tempDir(t);
  // A process that is gone (its pid no longer exists) and one that runs (this test's): their templates, as left behind.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const stale = join(tmp, `popart-pglite-template-${gone.stdout}-a1b2c3`);
  const alive = join(tmp, `popart-pglite-template-${process.pid}-d4e5f6`);
  for (const d of [stale, alive]) await mkdir(join(d, 'pgdata'), { recursive: true });
  // A new process (TMPDIR = tmp) opens a new database on disk, which makes its template, then exits.
  const thread = new URL('./pglite-thread.js', import.meta.url).href;
  const script = join(await tempDir(t), 'open.mjs');
  await writeFile(script, `const { openPgliteThread } = await import(${JSON.stringify(thread)});
const db = await openPgliteThread(${JSON.stringify(join(tmp, 'db'))});
const { readdirSync } = await import('node:fs');
process.stdout.write(JSON.stringify(readdirSync(${JSON.stringify(tmp)})));
await db.close();
`);
  const child = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp }, timeout: 120_000 });
  assert.equal(child.status, 0, child.stderr);
  const during = JSON.parse(child.stdout) as string[];
  assert.ok(!during.includes(basename(stale)), `the dead process's template was removed: ${during.join(', ')}`);
  assert.ok(during.some((n) => n.startsWith(`popart-pglite-template-${child.pid}-`)), `the child made its own: ${during.join(', ')}`);
  assert.deepEqual((await readdir(tmp)).sort(), [basename(alive), 'db'].sort(), 'the child removed its template at exit; the live process\'s is kept');
});
