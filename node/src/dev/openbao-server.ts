/**
 * A real OpenBao server run by the node's tooling (tests, `npm run vault:dev`, the demo on the vault):
 * integrated (raft) storage in a folder, listening on 127.0.0.1 only, initialised with one unseal key
 * share and unsealed. It keeps its data across restart(), so "the vault went down and came back" and
 * "the vault was sealed" are tested for real. Not a production deployment: the unseal key and root token
 * are kept in `<dir>/init.json` (0600) for the tooling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../net.js';
import { vaultRequest } from '../keys/vault-provision.js';
import { NodeError } from '../errors.js';
import type { Logger } from '../log.js';

export interface OpenBaoServerOptions {
  /** The bao binary (POPART_BAO from scripts/tools.sh). */
  binary: string;
  /** Folder for storage, config, logs and init.json; reused across starts. */
  dir: string;
  /** API port on 127.0.0.1; a free one when omitted (kept across restart()). */
  port?: number;
  /** How long the server may take to answer after it is spawned (default 20 000 ms). */
  startTimeoutMs?: number;
  log?: Logger;
}

interface InitState { unsealKey: string; rootToken: string }

export class OpenBaoServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: OpenBaoServerOptions, private readonly port: number, private readonly clusterPort: number, private state: InitState | null) {}

  static async start(opts: OpenBaoServerOptions): Promise<OpenBaoServer> {
    if (!existsSync(opts.binary)) throw new NodeError('CONFIG_INVALID', `OpenBao binary not found at ${opts.binary} (run: eval "$(bash scripts/tools.sh)")`);
    await mkdir(join(opts.dir, 'raft'), { recursive: true, mode: 0o700 });
    const initFile = join(opts.dir, 'init.json');
    const state = existsSync(initFile) ? JSON.parse(await readFile(initFile, 'utf8')) as InitState : null;
    const server = new OpenBaoServer(opts, opts.port ?? (await freePort()), await freePort(), state);
    await server.launch();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get rootToken(): string {
    if (!this.state) throw new NodeError('INTERNAL', 'OpenBao is not initialised');
    return this.state.rootToken;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process, initialises on first start and unseals. */
  private async launch(): Promise<void> {
    const { dir, binary } = this.opts;
    const config = [
      // performance_multiplier 1 (the production setting; the default is 5): raft's timeouts are 1 s instead of 5 s, so a
      // single-node server elects itself in 1-2 s on init and unseal instead of 5-10 s.
      `storage "raft" {\n  path = "${join(dir, 'raft')}"\n  node_id = "popart-dev"\n  performance_multiplier = 1\n}`,
      `listener "tcp" {\n  address = "127.0.0.1:${this.port}"\n  cluster_address = "127.0.0.1:${this.clusterPort}"\n  tls_disable = true\n}`,
      `api_addr = "http://127.0.0.1:${this.port}"`,
      `cluster_addr = "http://127.0.0.1:${this.clusterPort}"`,
      'log_level = "warn"',
      '',
    ].join('\n');
    await writeFile(join(dir, 'config.hcl'), config, { mode: 0o600 });
    const child = spawn(binary, ['server', `-config=${join(dir, 'config.hcl')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    const keep = (b: Buffer) => { output = (output + b.toString()).slice(-4000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    try {
      await this.initAndUnseal(child, () => output);
    } catch (err) {
      // A server that did not come up is not left running: nobody holds a handle to stop it.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await this.exited;
      }
      this.child = null;
      throw err;
    }
    this.opts.log?.info('OpenBao is running', { url: this.url, pid: child.pid });
  }

  private async initAndUnseal(child: ChildProcess, output: () => string): Promise<void> {
    const timeoutMs = this.opts.startTimeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new NodeError('INTERNAL', `OpenBao exited with code ${child.exitCode}: ${output().trim()}`);
      const health = await this.health().catch(() => null);
      if (health) break;
      if (Date.now() > deadline) throw new NodeError('INTERNAL', `OpenBao did not answer on ${this.url} within ${timeoutMs / 1000} s: ${output().trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!this.state) {
      const init = await this.api('PUT', '/v1/sys/init', { secret_shares: 1, secret_threshold: 1 }) as { keys_base64: string[]; root_token: string };
      this.state = { unsealKey: init.keys_base64[0] as string, rootToken: init.root_token };
      await writeFile(join(this.opts.dir, 'init.json'), JSON.stringify(this.state), { mode: 0o600 });
    }
    await this.unseal();
  }

  async health(): Promise<{ initialized: boolean; sealed: boolean; standby: boolean }> {
    const res = await fetch(`${this.url}/v1/sys/health?standbyok=true&sealedcode=200&uninitcode=200`, { signal: AbortSignal.timeout(1000) });
    return await res.json() as { initialized: boolean; sealed: boolean; standby: boolean };
  }

  async seal(): Promise<void> {
    await this.api('PUT', '/v1/sys/seal', {}, this.rootToken);
  }

  /** Unseals and waits until the server is active (raft elects itself leader). */
  async unseal(): Promise<void> {
    if (!this.state) throw new NodeError('INTERNAL', 'OpenBao is not initialised');
    await this.api('PUT', '/v1/sys/unseal', { key: this.state.unsealKey });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const h = await this.health().catch(() => null);
      if (h && !h.sealed && !h.standby) {
        // Active: wait until it serves authenticated requests.
        const ok = await fetch(`${this.url}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': this.rootToken }, signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
        if (ok) return;
      }
      if (Date.now() > deadline) throw new NodeError('INTERNAL', `OpenBao at ${this.url} did not become active after unsealing`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s). Its data stays in `dir`. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
    this.child = null;
  }

  /** Starts the same server again on the same port, with its data, and unseals it. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** One API call with the root token (or none), for the tooling. Throws with the server's errors. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<unknown> {
    return vaultRequest(this.url, method, path, body, token, 'INTERNAL', 'OpenBao ');
  }
}

