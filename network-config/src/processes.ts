/**
 * The network's processes: started detached with a pid file each, stopped by that pid only (after checking
 * that the pid still runs the program that was started), probed on their operations endpoint over TLS.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';

export interface ManagedProcess {
  /** Unique name: orderer1, peer-pn, chaincode-pn, … (pid file and log file are named after it). */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface PidRecord { pid: number; command: string; startedAt: string }

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(message: string, readonly stdout: string, readonly stderr: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Runs a program to completion; rejects with its stderr when it fails. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const tail = (stderr || stdout).trim().split('\n').slice(-8).join('\n');
        reject(new CommandError(`${command.split('/').pop()} ${args.slice(0, 4).join(' ')}… failed: ${tail || error.message}`, stdout, stderr, { cause: error }));
      } else resolveRun({ stdout, stderr });
    });
  });
}

function pidFile(pidDir: string, name: string): string { return join(pidDir, `${name}.pid`); }

export function readPid(pidDir: string, name: string): PidRecord | undefined {
  const file = pidFile(pidDir, name);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** True if `pid` is alive and still runs `command` (a recycled pid is not ours). */
export function isOurs(record: PidRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(record.command);
  } catch {
    return true; // no /proc: trust the signal check
  }
}

/** The running process of `name`, if its pid file names a live process of ours. */
export function runningPid(pidDir: string, name: string): number | undefined {
  const record = readPid(pidDir, name);
  return record && isOurs(record) ? record.pid : undefined;
}

/** Starts `p` detached (it survives this program), its output appended to `<logDir>/<name>.log`. Reuses a running one. */
export function startProcess(p: ManagedProcess, pidDir: string, logDir: string): { pid: number; reused: boolean } {
  const existing = runningPid(pidDir, p.name);
  if (existing !== undefined) return { pid: existing, reused: true };
  mkdirSync(pidDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `${p.name}.log`), 'a');
  try {
    const child = spawn(p.command, p.args, { env: p.env, cwd: p.cwd, detached: true, stdio: ['ignore', log, log] });
    if (child.pid === undefined) throw new Error(`could not start ${p.name} (${p.command})`);
    const record: PidRecord = { pid: child.pid, command: p.command, startedAt: new Date().toISOString() };
    writeFileSync(pidFile(pidDir, p.name), JSON.stringify(record) + '\n');
    child.unref();
    return { pid: child.pid, reused: false };
  } finally {
    closeSync(log);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the process named in the pid file (SIGTERM, then SIGKILL after `graceMs`) and removes the file. */
export async function stopProcess(pidDir: string, name: string, graceMs = 10_000): Promise<'stopped' | 'not running'> {
  const record = readPid(pidDir, name);
  rmSync(pidFile(pidDir, name), { force: true });
  if (!record || !isOurs(record)) return 'not running';
  try { process.kill(record.pid, 'SIGTERM'); } catch { return 'stopped'; }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(record)) return 'stopped';
    await sleep(100);
  }
  try { process.kill(record.pid, 'SIGKILL'); } catch { /* gone */ }
  while (isOurs(record)) await sleep(50);
  return 'stopped';
}

/**
 * GET over TLS on 127.0.0.1, checking the server's certificate against the CA in the PEM file `caFile` for `serverName`;
 * with `client`, a TLS client certificate (Fabric's operations endpoint wants one for /metrics, not for /healthz).
 */
export function httpsGet(port: number, path: string, caFile: string, serverName: string, client?: { certFile: string; keyFile: string }, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const ca = readFileSync(caFile, 'utf8');
    const auth = client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {};
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca, servername: serverName, ...auth, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await sleep(intervalMs);
  }
}
