/**
 * The demo on Fabric as a federation: each agency a `popart-node run --config <file>` process of its own, with
 * its own data dir, read model and port, all four on the Fabric network of one connection file (each node
 * through its own agency's peer). The configuration files are generated from demo-agencies.ts into
 * <dataDir>/config/<key>.json; each child's output is passed on with the agency key in front of every line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { provisionVaultForFabric } from '../keys/fabric-identity.js';
import { createLogger } from '../log.js';
import { opaBinary, policiesBundleDir } from '../policy/open-policy.js';
import { OpaServerProcess } from '../policy/opa-server-policy.js';
import { demoAgencies, demoConfig, type DemoAgency } from './demo-agencies.js';

type Key = DemoAgency['key'];

export interface ProcessDemoOptions {
  dataDir: string;
  passphrase: string;
  /** network-config's connection file. */
  connection: string;
  /**
   * Every agency's key in OpenBao/Vault (transit signs its Fabric transactions, its organisation's CA in the vault's PKI
   * issues the certificate): provisioned with the admin token, each node then logs in with its own AppRole.
   */
  vault?: { address: string; adminToken: string };
  /** Agencies listen on portBase + 1 … + 4 (default 4000: 4001–4004). */
  portBase?: number;
  policy?: 'wasm' | 'opa-server';
  detection?: Partial<Record<Key, unknown[]>>;
  /** Read models on a PostgreSQL server: one database URL per agency key (default: PGlite in each data dir). */
  pgUrls?: Partial<Record<Key, string>>;
  /** Where the children's prefixed lines and the demo's own notes go (default stderr). */
  write?: (line: string) => void;
  /** How long a node may take to be ready (default 180 s). */
  readyTimeoutMs?: number;
  /** Aborting while the nodes start stops them (Ctrl-C during startup). */
  signal?: AbortSignal;
}

export interface ChildExit { key: Key; pid: number; code: number | null; signal: NodeJS.Signals | null; reason: string }

export interface ProcessDemo {
  urls: Record<Key, string>;
  pids: Record<Key, number>;
  configFiles: Record<Key, string>;
  /** Called when a child exits while the demo is not stopping: which, and why. */
  onUnexpectedExit(listener: (exit: ChildExit) => void): void;
  /** Sends `signal` to every child still running, waits for them (SIGKILL after 20 s), stops the OPA server. */
  stop(signal?: NodeJS.Signals): Promise<ChildExit[]>;
}

/** Variables the node's config loader would overlay on the generated files: the files say it all. */
const OVERLAYS = /^(POPART_(LISTEN_HOST|LISTEN_PORT|DATA_DIR|LEDGER|LEDGER_DIR|FABRIC_CONNECTION|PG_URL|POLICY|OPA_URL|POLICY_WORKERS|KEYS)|VAULT_(ADDR|TOKEN|ROLE_ID|SECRET_ID))$/;

const NODE_CLI = fileURLToPath(new URL('../cli/node.js', import.meta.url));

export class ConnectionFileMissing extends Error {
  constructor(file: string) {
    super(`no Fabric connection file at ${file}: run npm run network:up first (or point POPART_FABRIC_CONNECTION / --connection at one)`);
    this.name = 'ConnectionFileMissing';
  }
}

/** What identifies the network the data dir's read models were filled from: its channel's genesis block. */
function networkFingerprint(connection: string): string {
  const parsed = JSON.parse(readFileSync(connection, 'utf8')) as { channel?: string };
  const block = join(dirname(connection), 'channel', `${parsed.channel ?? 'popart'}.block`);
  return createHash('sha256').update(readFileSync(existsSync(block) ? block : connection)).digest('hex');
}

async function checkSameNetwork(dataDir: string, connection: string): Promise<void> {
  const file = join(dataDir, 'fabric-network.json');
  const fingerprint = networkFingerprint(connection);
  if (existsSync(file)) {
    const before = JSON.parse(await readFile(file, 'utf8')) as { fingerprint: string; connection: string };
    if (before.fingerprint !== fingerprint) {
      throw new Error(`the data in ${dataDir} was made on another Fabric network (${before.connection}, since brought down with --clean or regenerated): `
        + 'start with --reset, or use another --data-dir');
    }
    return;
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify({ connection, fingerprint }, null, 2) + '\n');
}

function describeExit(code: number | null, signal: NodeJS.Signals | null, lastLines: string[]): string {
  if (signal) return `killed by ${signal}`;
  const how = `exit code ${code}`;
  const last = lastLines.filter((l) => l.trim()).slice(-3);
  return last.length ? `${how}; last output: ${last.join(' | ')}` : how;
}

export async function startProcessDemo(opts: ProcessDemoOptions): Promise<ProcessDemo> {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  if (!existsSync(opts.connection)) throw new ConnectionFileMissing(opts.connection);
  await checkSameNetwork(opts.dataDir, opts.connection);
  const portBase = opts.portBase ?? 4000;
  const opa = opts.policy === 'opa-server'
    ? await OpaServerProcess.start({ opaBinary: opaBinary(), bundle: policiesBundleDir(), log: createLogger('opa', 'warn') })
    : null;

  const configDir = join(opts.dataDir, 'config');
  await mkdir(configDir, { recursive: true });
  const vaultCreds = opts.vault
    ? new Map((await provisionVaultForFabric(opts.vault.address, opts.vault.adminToken, opts.connection, demoAgencies.map((a) => a.key))).map((c) => [c.agency, c]))
    : null;
  const configFiles = {} as Record<Key, string>;
  const childEnv = {} as Record<Key, NodeJS.ProcessEnv>;
  for (const a of demoAgencies) {
    const creds = vaultCreds?.get(a.key);
    // The AppRole goes to the node as VAULT_ROLE_ID/VAULT_SECRET_ID, never into its config file.
    childEnv[a.key] = creds ? { POPART_KEYS: 'vault', VAULT_ADDR: opts.vault!.address, VAULT_ROLE_ID: creds.roleId, VAULT_SECRET_ID: creds.secretId } : {};
    const base = await demoConfig(a, opts.dataDir, {
      port: portBase + (a.port - 4000),
      fabricConnection: opts.connection,
      ...(opa ? { opaUrl: opa.url } : {}),
      ...(opts.detection?.[a.key] ? { detectionSources: opts.detection[a.key] } : {}),
      ...(opts.pgUrls?.[a.key] ? { pgUrl: opts.pgUrls[a.key] } : {}),
    });
    const config = creds
      ? { ...base, keystore: { ...base.keystore, kind: 'vault', address: opts.vault!.address, signingKey: creds.signingKey, secretsPath: creds.secretsPath, pkiMount: creds.pkiMount } }
      : base;
    const file = join(configDir, `${a.key}.json`);
    await writeFile(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    configFiles[a.key] = file;
  }

  const env: NodeJS.ProcessEnv = { POPART_KEYSTORE_PASSPHRASE: opts.passphrase };
  for (const [k, v] of Object.entries(process.env)) if (!OVERLAYS.test(k) && k !== 'POPART_KEYSTORE_PASSPHRASE') env[k] = v;

  let stopping = false;
  const listeners: ((exit: ChildExit) => void)[] = [];
  const children = new Map<Key, { child: ChildProcess; exited: Promise<ChildExit>; running: boolean }>();
  const urls = {} as Record<Key, string>;
  const pids = {} as Record<Key, number>;

  const ready = demoAgencies.map((a) => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [NODE_CLI, 'run', '--config', configFiles[a.key]], { env: { ...env, ...childEnv[a.key] }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lastLines: string[] = [];
    const prefix = `${a.key.padEnd(3)} | `;
    let isReady = false;
    const onLine = (line: string): void => {
      lastLines.push(line);
      if (lastLines.length > 20) lastLines.shift();
      write(prefix + line);
      const m = /node ready at (\S+)/.exec(line);
      if (m && !isReady) {
        isReady = true;
        urls[a.key] = m[1] as string;
        resolve();
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    const exited = new Promise<ChildExit>((done) => {
      child.on('error', (err) => {
        const exit: ChildExit = { key: a.key, pid: child.pid ?? 0, code: null, signal: null, reason: `could not start: ${err.message}` };
        entry.running = false;
        reject(new Error(`${a.key}: ${exit.reason}`));
        done(exit);
      });
      child.on('exit', (code, signal) => {
        entry.running = false;
        // let the last lines of output through before saying why
        setImmediate(() => {
          const exit: ChildExit = { key: a.key, pid: child.pid ?? 0, code, signal, reason: describeExit(code, signal, lastLines) };
          if (!isReady) reject(new Error(`${a.key} (${a.name}) stopped before it was ready: ${exit.reason}`));
          else if (!stopping) for (const l of listeners) l(exit);
          done(exit);
        });
      });
    });
    const entry = { child, exited, running: true };
    children.set(a.key, entry);
    if (child.pid !== undefined) pids[a.key] = child.pid;
  }));

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit[]> => {
    stopping = true;
    for (const { child, running } of children.values()) if (running) child.kill(signal);
    const killer = setTimeout(() => {
      for (const [key, { child, running }] of children) {
        if (!running) continue;
        write(`${key.padEnd(3)} | did not stop within 20 s: SIGKILL`);
        child.kill('SIGKILL');
      }
    }, 20_000);
    const exits = await Promise.all([...children.values()].map((c) => c.exited));
    clearTimeout(killer);
    await opa?.stop();
    return exits;
  };

  const timeoutMs = opts.readyTimeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(ready),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const late = demoAgencies.filter((a) => !urls[a.key]).map((a) => a.key);
          reject(new Error(`${late.join(', ')} not ready within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const abort = (): void => reject(new Error('stopped while the nodes were starting'));
        if (opts.signal?.aborted) abort();
        opts.signal?.addEventListener('abort', abort, { once: true });
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { urls, pids, configFiles, onUnexpectedExit: (l) => { listeners.push(l); }, stop };
}
