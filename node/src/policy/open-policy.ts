/** Opens the policy runtime a node is configured for. */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { NodeConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import { OpaServerPolicy, OpaServerProcess } from './opa-server-policy.js';
import type { PolicyGate } from './policy.js';
import { policiesBuildDir, WasmPolicy } from './wasm-policy.js';

/** The Rego sources as an OPA bundle directory (policies/src). */
export function policiesBundleDir(): string {
  return join(policiesBuildDir(), '..', 'src');
}

export async function policyRevision(): Promise<string> {
  return (await readFile(join(policiesBuildDir(), 'revision'), 'utf8').catch(() => 'unknown')).trim();
}

export function opaBinary(configured?: string): string {
  return configured ?? process.env.POPART_OPA ?? 'opa';
}

/** Two policy workers when the machine has two cores or more, none on one core. */
export function defaultPolicyWorkers(): number {
  return availableParallelism() >= 2 ? 2 : 0;
}

export async function openPolicy(config: NodeConfig['policy'], log: Logger): Promise<PolicyGate> {
  if (config.runtime === 'wasm') return WasmPolicy.load(undefined, { workers: config.workers ?? defaultPolicyWorkers() });
  const revision = await policyRevision();
  if (config.url) return new OpaServerPolicy(config.url, revision);
  const server = await OpaServerProcess.start({ opaBinary: opaBinary(config.opaBinary), bundle: policiesBundleDir(), log });
  return new OpaServerPolicy(server.url, revision, server);
}
