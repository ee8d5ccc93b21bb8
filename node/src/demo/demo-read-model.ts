/**
 * Where the demo's four read models live: PGlite in each agency's data dir (default), or one database per agency on a
 * PostgreSQL server: the operator's (`--pg-url`), or one the demo starts on 127.0.0.1 with its cluster in the data dir.
 */
import { totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { NodeError } from '../errors.js';
import { ensureDatabases, startLocalPostgres, type LocalPostgres } from '../read-model/local-postgres.js';
import { demoAgencies, type DemoAgency } from './demo-agencies.js';

export type ReadModelKind = 'pglite' | 'postgres';

export interface DemoReadModel {
  kind: ReadModelKind;
  /** One database URL per agency (postgres), or none (PGlite). */
  pgUrls?: Record<DemoAgency['key'], string>;
  /** What the banner says about it. */
  description: string;
  /** Stops the server the demo started (none otherwise). */
  stop(): void;
}

export interface DemoReadModelOptions {
  kind: ReadModelKind;
  /** A server of the operator's (any database of it): the agencies' databases are `<its database>_<key>`. */
  pgUrl?: string;
  dataDir: string;
  /** Start from empty read models: drops the agencies' databases on the operator's server (the demo's own go with the data dir). */
  reset?: boolean;
  /** More settings of the server the demo starts (`name=value`, after demoServerSettings; none for an operator's server). */
  serverSettings?: readonly string[];
}

/** The databases the demo uses on a server of the operator's: `<database of the URL, else popart>_<agency key>`. */
export function demoDatabaseNames(pgUrl: string): Record<DemoAgency['key'], string> {
  let base: string;
  try {
    base = decodeURIComponent(new URL(pgUrl).pathname.replace(/^\//, '')) || 'popart';
  } catch {
    throw new NodeError('CONFIG_INVALID', '--pg-url: not a URL (postgres://user[:password]@host[:port]/database)');
  }
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(base)) throw new NodeError('CONFIG_INVALID', `--pg-url: database "${base}": lower-case letters, digits and _ only`);
  return Object.fromEntries(demoAgencies.map((a) => [a.key, `${base}_${a.key}`])) as Record<DemoAgency['key'], string>;
}

async function dropDatabases(serverUrl: string, names: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}"`);
  } finally {
    await client.end();
  }
}

/**
 * Settings of the server the demo starts, for the machine it runs on: shared buffers of an eighth of its memory,
 * between PostgreSQL's default (128 MB) and 2 GB. With the default, the four read models of a million-object demo
 * (several GB each) went through 128 MB of buffers: re-correlating blocks of that demo's read model took 16.5–18.0 ms a
 * block with 2 GB against 19.8–19.9 ms with the default, warmed (docs/benchmarks.md). The memory is the server's,
 * not the node's; settings given by the caller come after these and win.
 */
export function demoServerSettings(memoryBytes = totalmem()): string[] {
  const mb = Math.floor(Math.min(2048, Math.max(128, memoryBytes / 8 / 2 ** 20)));
  return [`shared_buffers=${mb}MB`];
}

export async function openDemoReadModel(o: DemoReadModelOptions): Promise<DemoReadModel> {
  if (o.kind === 'pglite') {
    if (o.pgUrl) throw new NodeError('CONFIG_INVALID', '--pg-url is for --read-model postgres (it is implied when --read-model is not given)');
    return { kind: 'pglite', description: 'PGlite read models', stop: () => undefined };
  }
  let server: LocalPostgres | null = null;
  let serverUrl = o.pgUrl;
  if (!serverUrl) {
    server = await startLocalPostgres({ dir: join(o.dataDir, 'postgres'), settings: [...demoServerSettings(), ...(o.serverSettings ?? [])] });
    serverUrl = server.url('postgres');
  }
  try {
    const names = server ? Object.fromEntries(demoAgencies.map((a) => [a.key, `popart_${a.key}`])) as Record<DemoAgency['key'], string> : demoDatabaseNames(serverUrl);
    if (o.reset && !server) await dropDatabases(serverUrl, Object.values(names));
    const urls = await ensureDatabases(serverUrl, Object.values(names));
    const pgUrls = Object.fromEntries(demoAgencies.map((a) => [a.key, urls[names[a.key]] as string])) as Record<DemoAgency['key'], string>;
    const where = server ? `a PostgreSQL server started by the demo on 127.0.0.1:${server.port} (cluster in ${server.dir})` : `PostgreSQL at ${new URL(serverUrl).host}`;
    return {
      kind: 'postgres', pgUrls, description: `read models on ${where}, databases ${Object.values(names).join(', ')}`,
      stop: () => server?.stop(),
    };
  } catch (err) {
    server?.stop();
    throw err;
  }
}
