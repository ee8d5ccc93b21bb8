/**
 * The same Rego policies on an OPA server, loaded as a bundle with decision logs on, queried with
 * the OPA TypeScript SDK. The node can start the server itself (OpaServerProcess) or use one that
 * runs elsewhere (url).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { OPAClient } from '@open-policy-agent/opa';
import { NodeError } from '../errors.js';
import { freePort } from '../net.js';
import type { Logger } from '../log.js';
import { agencySubject, ENTRYPOINTS, objectInput, pageEntrypoint, subjectOf, toDecision, toRedactable, toRouting } from './opa-input.js';
import type { AgencySubject, Viewer } from '../identity.js';
import type { DecideOptions, Decision, ObjectFacts, OperatorFacts, PolicyGate, Routing } from './policy.js';

/** An OPA server process on 127.0.0.1 serving a policy bundle (directory or .tar.gz), decision logs to its console. */
export class OpaServerProcess {
  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async start(opts: { opaBinary: string; bundle: string; log: Logger; port?: number }): Promise<OpaServerProcess> {
    const port = opts.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(opts.opaBinary, [
      'run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error',
      '--set', 'decision_logs.console=true', '--bundle', opts.bundle,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-4000); });
    child.stderr?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-4000); });
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code) => reject(new NodeError('CONFIG_INVALID', `OPA exited with code ${code}: ${output}`)));
      child.once('error', (err) => reject(new NodeError('CONFIG_INVALID', `cannot start OPA (${opts.opaBinary}): ${err.message}; set POPART_OPA or run scripts/tools.sh`, { cause: err })));
    });
    exited.catch(() => undefined);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await Promise.race([fetch(`${url}/health?bundles`), exited]);
        if (res.ok) break;
      } catch (err) {
        if (err instanceof NodeError) throw err;
      }
      if (Date.now() > deadline) {
        child.kill();
        throw new NodeError('CONFIG_INVALID', `OPA did not become healthy at ${url} within 15 s: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    opts.log.info('OPA server ready', { url, bundle: opts.bundle });
    return new OpaServerProcess(child, url);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

export class OpaServerPolicy implements PolicyGate {
  readonly runtime = 'opa-server';
  private readonly client: OPAClient;
  /** The property paths a redaction rule names, asked of the server once. */
  private redactablePaths: Promise<ReadonlySet<string> | undefined> | undefined;

  constructor(readonly url: string, readonly revision: string, private readonly process: OpaServerProcess | null = null) {
    this.client = new OPAClient(url);
  }

  private async evaluate(entrypoint: string, input: unknown): Promise<unknown> {
    try {
      return await this.client.evaluate(entrypoint, input as Record<string, unknown>);
    } catch (cause) {
      throw new NodeError('INTERNAL', `policy decision ${entrypoint} failed at ${this.url}: ${(cause as Error).message}`, { cause });
    }
  }

  private redactable(): Promise<ReadonlySet<string> | undefined> {
    this.redactablePaths ??= this.evaluate(ENTRYPOINTS.redactionPaths, {}).then(toRedactable, (err: unknown) => {
      this.redactablePaths = undefined; // ask again next time
      throw err;
    });
    return this.redactablePaths;
  }

  async release(agency: AgencySubject, obj: ObjectFacts, now: Date): Promise<Decision> {
    const redactable = await this.redactable();
    return toDecision(await this.evaluate(ENTRYPOINTS.release, { now: now.toISOString(), subject: agencySubject(agency.key), object: objectInput(obj, redactable) }));
  }

  async releaseMany(agency: AgencySubject, objects: readonly ObjectFacts[], now: Date): Promise<Decision[]> {
    return this.evaluateEach(ENTRYPOINTS.releaseMany, { now: now.toISOString(), subject: agencySubject(agency.key) }, objects);
  }

  async decide(viewer: Viewer, objects: readonly ObjectFacts[], now: Date, options?: DecideOptions): Promise<Decision[]> {
    return this.evaluateEach(pageEntrypoint(options), { now: now.toISOString(), subject: subjectOf(viewer) }, objects, options);
  }

  /** One decision per object, in order, from an entrypoint over `{ ...head, objects }` (one request; none for no objects). */
  private async evaluateEach(entrypoint: string, head: Record<string, unknown>, objects: readonly ObjectFacts[], options?: DecideOptions): Promise<Decision[]> {
    if (objects.length === 0) return [];
    const redactable = await this.redactable();
    const out = await this.evaluate(entrypoint, { ...head, objects: objects.map((o) => objectInput(o, redactable)) });
    const list = Array.isArray(out) ? out : [];
    return objects.map((_, i) => toDecision(list[i], options));
  }

  async route(alert: ObjectFacts, operators: readonly OperatorFacts[], now: Date): Promise<Routing> {
    const redactable = await this.redactable();
    return toRouting(await this.evaluate(ENTRYPOINTS.routing, { now: now.toISOString(), alert: objectInput(alert, redactable), operators }));
  }

  async raw(entrypoint: string, input: unknown): Promise<unknown> {
    return this.evaluate(entrypoint, input);
  }

  async close(): Promise<void> {
    await this.process?.stop();
  }
}
