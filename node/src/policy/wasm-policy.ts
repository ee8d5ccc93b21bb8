/**
 * The Rego policies compiled to WebAssembly (policies/build), evaluated in process: the embedded
 * default. Same entrypoints and decisions as the OPA server.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { NodeError } from '../errors.js';
import { agencySubject, ENTRYPOINTS, objectInput, pageEntrypoint, subjectOf, toDecision, toRedactable, toRouting } from './opa-input.js';
import type { AgencySubject, DecideOptions, Decision, ObjectFacts, OperatorFacts, PolicyGate, Routing, Viewer } from './policy.js';

/** Folder of the compiled policies in the policies workspace. */
export function policiesBuildDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@popart/policies/package.json')), 'build');
}

/** Objects per wasm evaluation (a few tens of MB of wasm heap at most). */
export const WASM_BATCH = 250;

export class WasmPolicy implements PolicyGate {
  readonly runtime = 'wasm';
  /** The property paths a redaction rule names (the policy says which, once). */
  private readonly redactable: ReadonlySet<string> | undefined;

  private constructor(private readonly policy: LoadedPolicy, readonly revision: string) {
    // A build without this entrypoint just gets every path (slower, same decisions).
    this.redactable = ENTRYPOINTS.redactionPaths in policy.entrypoints ? toRedactable(this.evaluate(ENTRYPOINTS.redactionPaths, {})) : undefined;
  }

  static async load(dir = policiesBuildDir()): Promise<WasmPolicy> {
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
    return new WasmPolicy(policy, revision);
  }

  private evaluate(entrypoint: string, input: unknown): unknown {
    const results = this.policy.evaluate(input, entrypoint) as { result?: unknown }[];
    return results[0]?.result;
  }

  async release(agency: AgencySubject, obj: ObjectFacts, now: Date): Promise<Decision> {
    return toDecision(this.evaluate(ENTRYPOINTS.release, { now: now.toISOString(), subject: agencySubject(agency.key), object: objectInput(obj, this.redactable) }));
  }

  async decide(viewer: Viewer, objects: readonly ObjectFacts[], now: Date, options?: DecideOptions): Promise<Decision[]> {
    const entrypoint = pageEntrypoint(options);
    const decisions: Decision[] = [];
    // The wasm heap grows with the batch within one evaluation: keep each evaluation bounded.
    for (let i = 0; i < objects.length; i += WASM_BATCH) {
      const chunk = objects.slice(i, i + WASM_BATCH);
      const out = this.evaluate(entrypoint, { now: now.toISOString(), subject: subjectOf(viewer), objects: chunk.map((o) => objectInput(o, this.redactable)) });
      const list = Array.isArray(out) ? out : [];
      decisions.push(...chunk.map((_, j) => toDecision(list[j], options)));
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

  async close(): Promise<void> {}
}
