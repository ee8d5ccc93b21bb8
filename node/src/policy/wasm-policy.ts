/**
 * The Rego policies compiled to WebAssembly (policies/build), evaluated in process: the embedded
 * default. Same entrypoints and decisions as the OPA server.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { NodeError } from '../errors.js';
import { agencySubject, ENTRYPOINTS, objectInput, pageEntrypoint, subjectOf, toDecision, toFieldList, toRedactable, toRouting, type Subject } from './opa-input.js';
import { DecisionCache, subjectKey, type DecisionCacheStats } from './decision-cache.js';
import { PolicyWorkers } from './wasm-pool.js';
import type { AgencySubject, Viewer } from '../identity.js';
import type { DecideOptions, Decision, ObjectFacts, OperatorFacts, PolicyGate, Routing } from './policy.js';

/** Folder of the compiled policies in the policies workspace. */
export function policiesBuildDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@popart/policies/package.json')), 'build');
}

/** Objects per wasm evaluation (a few tens of MB of wasm heap at most). */
export const WASM_BATCH = 250;

/** Chunks prepared for the workers before the event loop gets a turn. */
const YIELD_EVERY = 16;

export interface WasmPolicyOptions {
  /**
   * Worker threads for batches larger than WASM_BATCH (0: everything in process). Each holds its own
   * instance of the policies; batches are split across them in chunks of WASM_BATCH.
   */
  workers?: number;
  /** Page decisions kept for reuse (default DECISION_CACHE_SIZE; 0 keeps none). */
  decisionCache?: number;
}

export class WasmPolicy implements PolicyGate {
  readonly runtime = 'wasm';
  /** The property paths a redaction rule names (the policy says which, once). */
  private readonly redactable: ReadonlySet<string> | undefined;
  /** The fields of the subject that decisions read (the policy says which, once); undefined: all of them. */
  private readonly subjectFields: readonly string[] | undefined;
  /** Decisions of pages made in process, reused for the same question (decision-cache.ts). */
  private readonly decisions: DecisionCache;

  private constructor(private readonly policy: LoadedPolicy, readonly revision: string, private readonly workers: PolicyWorkers | null, cacheSize?: number) {
    // A build without these entrypoints just gets every path (slower, same decisions) and keys on the whole subject.
    this.redactable = ENTRYPOINTS.redactionPaths in policy.entrypoints ? toRedactable(this.evaluate(ENTRYPOINTS.redactionPaths, {})) : undefined;
    this.subjectFields = ENTRYPOINTS.subjectFields in policy.entrypoints ? toFieldList(this.evaluate(ENTRYPOINTS.subjectFields, {})) : undefined;
    this.decisions = new DecisionCache(cacheSize);
  }

  static async load(dir = policiesBuildDir(), options: WasmPolicyOptions = {}): Promise<WasmPolicy> {
    let wasm: Buffer;
    let data: unknown;
    let revision = 'unknown';
    try {
      wasm = await readFile(join(dir, 'policy.wasm'));
      data = JSON.parse(await readFile(join(dir, 'data.json'), 'utf8'));
      revision = (await readFile(join(dir, 'revision'), 'utf8').catch(() => revision)).trim();
    } catch (cause) {
      throw new NodeError('CONFIG_INVALID', `cannot load the compiled policies from ${dir}: ${(cause as Error).message} (build them with policies/scripts/build-wasm.sh)`, { cause });
    }
    const policy = await loadPolicy(wasm);
    policy.setData(data as object);
    const workers = options.workers ? await PolicyWorkers.start(dir, options.workers) : null;
    return new WasmPolicy(policy, revision, workers, options.decisionCache);
  }

  private evaluate(entrypoint: string, input: unknown): unknown {
    const results = this.policy.evaluate(input, entrypoint) as { result?: unknown }[];
    return results[0]?.result;
  }

  async release(agency: AgencySubject, obj: ObjectFacts, now: Date): Promise<Decision> {
    return toDecision(this.evaluate(ENTRYPOINTS.release, { now: now.toISOString(), subject: agencySubject(agency.key), object: objectInput(obj, this.redactable) }));
  }

  async releaseMany(agency: AgencySubject, objects: readonly ObjectFacts[], now: Date): Promise<Decision[]> {
    return this.evaluateEach(ENTRYPOINTS.releaseMany, { now: now.toISOString(), subject: agencySubject(agency.key) }, objects);
  }

  /**
   * One decision per object, in order, from an entrypoint over `{ ...head, objects }`. The wasm heap grows with the
   * batch within one evaluation: each evaluation gets at most WASM_BATCH objects.
   */
  private evaluateEach(entrypoint: string, head: Record<string, unknown>, objects: readonly ObjectFacts[], options?: DecideOptions): Decision[] {
    const decisions: Decision[] = [];
    for (let i = 0; i < objects.length; i += WASM_BATCH) {
      const chunk = objects.slice(i, i + WASM_BATCH);
      const out = this.evaluate(entrypoint, { ...head, objects: chunk.map((o) => objectInput(o, this.redactable)) });
      const list = Array.isArray(out) ? out : [];
      decisions.push(...chunk.map((_, j) => toDecision(list[j], options)));
    }
    return decisions;
  }

  /** Worker threads in use (0: everything is evaluated in process). */
  get workerCount(): number {
    return this.workers?.size ?? 0;
  }

  /** The worker pool, for tests of its failure handling. */
  get pool(): PolicyWorkers | null {
    return this.workers;
  }

  async decide(viewer: Viewer, objects: readonly ObjectFacts[], now: Date, options?: DecideOptions): Promise<Decision[]> {
    const entrypoint = pageEntrypoint(options);
    if (this.workers && objects.length > WASM_BATCH) return this.decideOnWorkers(this.workers, entrypoint, viewer, objects, now, options);
    const head = { now: now.toISOString(), subject: subjectOf(viewer) };
    // A page (what analysts ask for again and again) goes through the kept decisions; a larger batch (an export) is
    // decided without them, so that it does not push every analyst's out.
    if (objects.length > WASM_BATCH || this.decisions.capacity <= 0) return this.evaluateEach(entrypoint, head, objects, options);
    return this.decidePage(entrypoint, head, objects, options);
  }

  /** A page's decisions: the kept ones reused, the others evaluated together in one evaluation and kept. */
  private decidePage(entrypoint: string, head: { now: string; subject: Subject }, objects: readonly ObjectFacts[], options?: DecideOptions): Decision[] {
    const prefix = `${entrypoint}\u0000${subjectKey(head.subject as unknown as Record<string, unknown>, this.subjectFields)}\u0000`;
    const raws: unknown[] = new Array(objects.length);
    const missing: { index: number; key: string; input: Record<string, unknown> }[] = [];
    for (const [index, o] of objects.entries()) {
      const input = objectInput(o, this.redactable);
      const key = prefix + JSON.stringify(input);
      const kept = this.decisions.get(key);
      if (kept === undefined) missing.push({ index, key, input });
      else raws[index] = kept;
    }
    if (missing.length) {
      const out = this.evaluate(entrypoint, { ...head, objects: missing.map((m) => m.input) });
      const list = Array.isArray(out) ? out : [];
      for (const [j, m] of missing.entries()) {
        raws[m.index] = list[j];
        this.decisions.set(m.key, list[j]);
      }
    }
    return raws.map((raw) => toDecision(raw, options));
  }

  /** How the kept decisions are used (for tests and the bench). */
  get decisionCacheStats(): DecisionCacheStats {
    return this.decisions.stats;
  }

  /**
   * A large batch on the worker threads: the main thread only turns each chunk into JSON bytes (handed
   * over, not copied) while the workers evaluate the chunks already sent.
   */
  private async decideOnWorkers(workers: PolicyWorkers, entrypoint: string, viewer: Viewer, objects: readonly ObjectFacts[], now: Date, options?: DecideOptions): Promise<Decision[]> {
    const encoder = new TextEncoder();
    const head = { now: now.toISOString(), subject: subjectOf(viewer) };
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < objects.length; i += WASM_BATCH) {
      const chunk = objects.slice(i, i + WASM_BATCH).map((o) => objectInput(o, this.redactable));
      pending.push(workers.evaluate(entrypoint, encoder.encode(JSON.stringify({ ...head, objects: chunk }))));
      // Let other work (alerts to push, other requests) run between every few chunks.
      if (pending.length % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const decisions: Decision[] = [];
    for (const [k, result] of (await Promise.all(pending)).entries()) {
      const list = Array.isArray(result) ? result : [];
      const size = Math.min(WASM_BATCH, objects.length - k * WASM_BATCH);
      for (let j = 0; j < size; j++) decisions.push(toDecision(list[j], options));
    }
    return decisions;
  }

  async route(alert: ObjectFacts, operators: readonly OperatorFacts[], now: Date): Promise<Routing> {
    return toRouting(this.evaluate(ENTRYPOINTS.routing, { now: now.toISOString(), alert: objectInput(alert, this.redactable), operators }));
  }

  /** Raw evaluation of any entrypoint (for the cross-runtime tests). */
  async raw(entrypoint: string, input: unknown): Promise<unknown> {
    return this.evaluate(entrypoint, input);
  }

  async close(): Promise<void> {
    await this.workers?.close();
  }
}
