/**
 * The demo on PostgreSQL: `npm start -- --read-model postgres` starts a server of its own (cluster in the data dir),
 * runs the four read models on it, stops it on Ctrl-C and finds everything again on the next start; `--pg-url` uses
 * a server of the operator's, one database per agency.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { demoServerSettings, openDemoReadModel } from '../src/demo/demo-read-model.js';
import { SCENARIO_IDS } from '../src/demo/scenario.js';
import { freePortBase } from '../src/net.js';
import { CODE_POINT_ORDER, gql, login, startPostgres, tempDir } from './support.js';

const DEMO = fileURLToPath(new URL('../src/cli/demo.js', import.meta.url));

/** Starts the demo CLI; resolves once it prints that it runs, with what it printed on stderr so far. */
function startCli(args: string[]): Promise<{ child: ChildProcess; stdout: string; stderr: () => string }> {
  const child = spawn(process.execPath, [DEMO, ...args], { env: { ...process.env, POPART_KEYSTORE_PASSPHRASE: 'test-passphrase' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Ctrl-C stops the demo')) resolve({ child, stdout, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`demo exited (${code}) before it ran: ${stderr}`)));
  });
}

function stopCli(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

test('--read-model postgres: a server of the demo\'s own, stopped with it, everything there on the next start', async () => {
  const dir = tempDir('popart-demo-pg-');
  chmodSync(dir.path, 0o755); // as root, the server runs as "postgres", who must reach its folder
  const portBase = await freePortBase();
  const args = ['--read-model', 'postgres', '--data-dir', dir.path, '--port-base', String(portBase)];
  try {
    const url = `http://127.0.0.1:${portBase + 1}`;
    const search = async (): Promise<string[]> => {
      const token = await login(`${url}/graphql`, 'pn-analyst');
      const r = await gql<{ threats: { edges: { node: { id: string } }[] } }>(`${url}/graphql`,
        'query { threats(filter: { text: "bernab" }, purpose: "demo test") { edges { node { id } } } }', {}, token);
      return r.data?.threats.edges.map((e) => e.node.id) ?? [];
    };
    const first = await startCli(args);
    try {
      assert.match(first.stdout, /read models on a PostgreSQL server started by the demo on 127\.0\.0\.1:\d+ \(cluster in .*postgres\), databases popart_pn, popart_pj, popart_mad, popart_crm/);
      // The server's shared buffers are sized for this machine (an eighth of its memory, 128 MB to 2 GB).
      const serverPort = /started by the demo on 127\.0\.0\.1:(\d+)/.exec(first.stdout)![1];
      const server = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${serverPort}/popart_pn` });
      await server.connect();
      // (pg_settings gives shared_buffers in pages of 8 kB)
      const buffers = (await server.query("SELECT setting::int / 128 AS mb FROM pg_settings WHERE name = 'shared_buffers'")).rows[0] as { mb: number };
      await server.end();
      assert.deepEqual([`shared_buffers=${buffers.mb}MB`], demoServerSettings());
      const health = await (await fetch(`${url}/healthz`)).json() as { readModel: string };
      assert.equal(health.readModel, 'postgres');
      assert.ok((await search()).includes(SCENARIO_IDS.alert), 'the scenario is searchable on PostgreSQL');
    } catch (err) {
      await stopCli(first.child); // a failed check stops the demo (and its server) before the folder is removed
      throw err;
    }
    assert.equal(await stopCli(first.child), 0);
    assert.ok(!existsSync(join(dir.path, 'postgres', 'data', 'postmaster.pid')), 'the server stopped with the demo');

    const second = await startCli(args);
    try {
      assert.match(second.stderr(), /scenario: already seeded/);
      assert.ok((await search()).includes(SCENARIO_IDS.alert), 'still there after a restart');
    } finally {
      assert.equal(await stopCli(second.child), 0);
    }
  } finally {
    dir.remove();
  }
});

test('the demo\'s own server gets shared buffers of an eighth of the machine\'s memory, from 128 MB to 2 GB', () => {
  const GiB = 2 ** 30;
  assert.deepEqual(demoServerSettings(24 * GiB), ['shared_buffers=2048MB']);
  assert.deepEqual(demoServerSettings(8 * GiB), ['shared_buffers=1024MB']);
  assert.deepEqual(demoServerSettings(3 * GiB), ['shared_buffers=384MB']);
  assert.deepEqual(demoServerSettings(512 * 2 ** 20), ['shared_buffers=128MB']);
});

test('--pg-url: one database per agency on the operator\'s server, created when missing, dropped by --reset', async () => {
  // The operator's server orders text by its locale (as most do); the node's databases order it by code point.
  const server = await startPostgres({ collation: 'C.UTF-8' });
  try {
    const base = server.createDatabase('ops');
    const rm = await openDemoReadModel({ kind: 'postgres', pgUrl: base, dataDir: '/nonexistent' });
    assert.deepEqual(Object.keys(rm.pgUrls!), ['pn', 'pj', 'mad', 'crm']);
    assert.match(rm.pgUrls!.mad, /\/ops_mad$/);
    const client = new pg.Client({ connectionString: rm.pgUrls!.mad });
    await client.connect();
    const collations = await client.query("SELECT datname, datcollate FROM pg_database WHERE datname IN ('ops', 'ops_mad') ORDER BY datname");
    assert.deepEqual(collations.rows, [{ datname: 'ops', datcollate: 'C.UTF-8' }, { datname: 'ops_mad', datcollate: 'C' }]);
    const sorted = await client.query(CODE_POINT_ORDER.sql);
    assert.deepEqual(sorted.rows.map((r: { x: string }) => r.x), CODE_POINT_ORDER.sorted);
    await client.query('CREATE TABLE left_over (x int)');
    await client.end();
    const again = await openDemoReadModel({ kind: 'postgres', pgUrl: base, dataDir: '/nonexistent' });
    const count = async (): Promise<number> => {
      const c = new pg.Client({ connectionString: again.pgUrls!.mad });
      await c.connect();
      const r = await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'left_over'");
      await c.end();
      return (r.rows[0] as { n: number }).n;
    };
    assert.equal(await count(), 1, 'an existing database is used as it is');
    await openDemoReadModel({ kind: 'postgres', pgUrl: base, dataDir: '/nonexistent', reset: true });
    assert.equal(await count(), 0, '--reset starts from empty databases');
    await assert.rejects(openDemoReadModel({ kind: 'pglite', pgUrl: base, dataDir: '/nonexistent' }), /--pg-url is for --read-model postgres/);
    await assert.rejects(openDemoReadModel({ kind: 'postgres', pgUrl: 'postgres://postgres@127.0.0.1:1/x', dataDir: '/nonexistent' }), /cannot reach the PostgreSQL server of postgres:\/\/postgres@127\.0\.0\.1:1\/x/);
  } finally {
    server.stop();
  }
});
