/**
 * A PostgreSQL server of the node's own, on 127.0.0.1: its cluster in a folder (initdb the first time, kept after), started
 * with pg_ctl on a free port and stopped with it. For the demo's `--read-model postgres` and the tests. And the
 * databases of several agencies on one server (created when missing), for a server of the operator's (`--pg-url`).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { NodeError } from '../errors.js';
import { freePort } from '../net.js';

export interface LocalPostgres {
  readonly port: number;
  /** The folder of the cluster (PGDATA is its `data`, the log its `server.log`). */
  readonly dir: string;
  /** The URL of a database on this server (which need not exist yet). */
  url(database: string): string;
  stop(): void;
}

export interface LocalPostgresOptions {
  /** A folder of its own: created if missing, the cluster initialised in it once and kept. */
  dir: string;
  /** Where initdb, pg_ctl and postgres are (default: POPART_PG_BIN, else `pg_config --bindir`). */
  binDir?: string;
  /** false: no fsync (tests, benchmarks: faster, not crash-safe). Default true. */
  fsync?: boolean;
  /** More server settings (`name=value`, each passed as `-c`), e.g. for a benchmark's statistics. */
  settings?: readonly string[];
  /**
   * The order of text of a new cluster (initdb --lc-collate; an existing cluster keeps its own). Default "C": code point
   * order, as PGlite, whatever the machine's locale. Tests give another to stand for an operator's server.
   */
  collation?: string;
}

/** The server binaries' folder, or an error that says how to get them. */
export function postgresBinDir(binDir?: string): string {
  const dir = binDir ?? process.env.POPART_PG_BIN ?? pgConfigBinDir();
  if (!dir || !existsSync(join(dir, 'pg_ctl'))) {
    throw new NodeError('CONFIG_INVALID', `PostgreSQL server binaries not found${dir ? ` in ${dir}` : ''}: install PostgreSQL (e.g. apt-get install postgresql) ` +
      'and set POPART_PG_BIN to the folder of pg_ctl (`eval "$(bash scripts/tools.sh)"` does), or give a server with --pg-url / POPART_PG_URL');
  }
  return dir;
}

function pgConfigBinDir(): string | undefined {
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (who then owns the folder). */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new NodeError('CONFIG_INVALID', 'running as root, the PostgreSQL server needs a "postgres" user to run as (the postgresql package creates it)');
    return Number(r.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  // Checked before anything is touched: each is passed to the server as `-c name=value`.
  const extra = [...(opts.fsync === false ? ['fsync=off', 'synchronous_commit=off'] : []), ...(opts.settings ?? [])];
  for (const s of extra) if (!/^[a-z_.]+=[A-Za-z0-9_.,]+$/.test(s)) throw new NodeError('CONFIG_INVALID', `PostgreSQL setting "${s}": name=value, letters, digits, _ . and , only`);
  const bin = postgresBinDir(opts.binDir);
  const user = serverUser();
  const data = join(opts.dir, 'data');
  mkdirSync(dirname(opts.dir), { recursive: true });
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  if (user) chownTree(opts.dir, user.uid, user.gid);
  else chmodSync(opts.dir, 0o700);
  // In a session of its own: Ctrl-C in the terminal reaches the process that started the server, which stops it after
  // what uses it, not the server first.
  const detach = spawnSync('setsid', ['--version']).status === 0 ? ['setsid', '--wait'] : [];
  const run = (cmd: string, args: string[]): { ok: boolean; output: string } => {
    const full = [...(args.at(-1) === 'start' ? detach : []), ...(user ? ['runuser', '-u', 'postgres', '--'] : []), join(bin, cmd), ...args];
    const r = spawnSync(full[0] as string, full.slice(1), { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stderr ?? ''}${r.stdout ?? ''}`.trim() || (r.error?.message ?? '') };
  };
  const must = (cmd: string, args: string[]): void => {
    const r = run(cmd, args);
    if (!r.ok) {
      const hint = user && /permission denied/i.test(r.output)
        ? ' (as root, the server runs as the "postgres" user, who must be able to reach this folder: every folder above it needs o+x)' : '';
      throw new NodeError('INTERNAL', `PostgreSQL ${cmd} in ${opts.dir} failed: ${r.output}${hint}`);
    }
  };
  // Text is ordered by code point ("C"), as PGlite orders it, whatever the machine's locale: the same ids in the same
  // order on both, and sorts of text use abbreviated keys (a sort of 862,000 pairs of ids took 0.95 s instead of 1.35 s
  // under C.UTF-8). The character classes (which letters trigrams split words at) stay the machine's.
  if (!existsSync(join(data, 'PG_VERSION'))) must('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', `--lc-collate=${opts.collation ?? 'C'}`, '--no-sync']);
  // A server left running by a process that died (ours: it is our folder) is stopped, then started on a new port.
  if (run('pg_ctl', ['-D', data, 'status']).ok) must('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  const port = await freePort();
  const settings = `-h 127.0.0.1 -p ${port} -k ${opts.dir}${extra.map((s) => ` -c ${s}`).join('')}`;
  must('pg_ctl', ['-D', data, '-l', join(opts.dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start']);
  let stopped = false;
  return {
    port,
    dir: opts.dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      if (stopped) return;
      stopped = true;
      must('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
}

/**
 * The URL of each database named, on the server of `serverUrl` (any database of it), creating those that are missing.
 * Names are lower-case letters, digits and underscores.
 */
export async function ensureDatabases(serverUrl: string, names: readonly string[]): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: serverUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `cannot reach the PostgreSQL server of ${redacted(serverUrl)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const out: Record<string, string> = {};
    for (const name of names) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new NodeError('CONFIG_INVALID', `database name "${name}": lower-case letters, digits and _ only`);
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      // Text in code point order, as in the clusters the node creates and on PGlite, whatever the server's default (a
      // template with another collation cannot be copied into "C": template0 is the one that may). Its character
      // classes (LC_CTYPE) stay the server's.
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 LC_COLLATE 'C'`);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      out[name] = url.toString();
    }
    return out;
  } finally {
    await client.end();
  }
}

/** A URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}
