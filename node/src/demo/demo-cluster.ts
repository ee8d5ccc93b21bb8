/**
 * Starts the four demo agencies in one process, on one embedded ledger or on the Fabric network (each node
 * through its own agency's peer). Used by `npm start`, by the end-to-end tests and by the benchmarks, so all
 * three run exactly the same assembly. (`npm start -- --ledger fabric` runs them as four processes instead.)
 */
import { ThreatExchangeContract } from '@popart/chaincode';
import { join } from 'node:path';
import { AgencyNode } from '../agency-node.js';
import { FileKeystore } from '../keys/file-keystore.js';
import type { KeyService } from '../keys/key-service.js';
import { provisionVaultForFabric } from '../keys/fabric-identity.js';
import { provisionVault } from '../keys/vault-provision.js';
import { VaultKeyService } from '../keys/vault-key-service.js';
import type { LedgerHandle } from '../ledger/embedded-gateway.js';
import { EmbeddedLedger } from '../ledger/embedded/index.js';
import { createLogger, type LogLevel } from '../log.js';
import { opaBinary, openPolicy, policiesBundleDir } from '../policy/open-policy.js';
import { OpaServerProcess } from '../policy/opa-server-policy.js';
import type { PolicyGate } from '../policy/policy.js';
import { demoAgencies, demoConfig, type DemoAgency } from './demo-agencies.js';

export interface DemoOptions {
  dataDir: string;
  /** Keystore passphrase for every demo agency. */
  passphrase: string;
  /** Use any free ports instead of 4001–4004 (tests). */
  randomPorts?: boolean;
  /** Agencies listen on portBase + 1 … + 4 instead of 4001–4004. */
  portBase?: number;
  /** Read model on a PostgreSQL server: one database URL per agency key. */
  pgUrls?: Partial<Record<DemoAgency['key'], string>>;
  logLevel?: LogLevel;
  /** fsync each block (default true). */
  fsync?: boolean;
  /** Policy runtime: Rego as wasm in process (default), or one OPA server for the four agencies. */
  policy?: 'wasm' | 'opa-server';
  /**
   * Where the agencies' keys live: encrypted file keystores in the data dir (default), or an OpenBao/Vault server
   * that the demo provisions with an admin token (transit keys, KV v2, one AppRole per agency, which each node then
   * logs in with). Token TTL short values are for tests of renewal.
   */
  keys?: { kind: 'file' } | { kind: 'vault'; address: string; adminToken: string; tokenTtlSeconds?: number };
  /** Detection sources per agency (the node config's detection.sources, validated with it). */
  detection?: Partial<Record<DemoAgency['key'], unknown[]>>;
  /** Partner API keys per agency (the node config's apiKeys, validated with it). */
  apiKeys?: Partial<Record<DemoAgency['key'], unknown[]>>;
  /** Webhooks per agency (the node config's webhooks, validated with it). */
  webhooks?: Partial<Record<DemoAgency['key'], unknown[]>>;
  /** The correlation section of every node's config (e.g. `{ enabled: false }` for a baseline). */
  correlation?: unknown;
  /** The correlation section per agency, instead of `correlation` (e.g. a benchmark that correlates at one agency). */
  correlationOf?: Partial<Record<DemoAgency['key'], unknown>>;
  /** Partner feeds pulled per agency (the node config's imports, validated with it). */
  imports?: Partial<Record<DemoAgency['key'], unknown[]>>;
  /** Users besides the demo's own, per agency (benchmarks: many analysts; password "demo"). */
  extraUsers?: Partial<Record<DemoAgency['key'], DemoAgency['users']>>;
  /** The ledger: the embedded one in dataDir/ledger (default), or the Fabric network of this connection file. */
  ledger?: { kind: 'embedded' } | { kind: 'fabric'; connection: string };
  /** Query workers of each node (config queryWorkers; default: POPART_QUERY_WORKERS, else the node's default). */
  queryWorkers?: number;
}

async function openDemoKeys(opts: DemoOptions, configs: { dataDir: string; agency: { key: string } }[], log: (name: string) => ReturnType<typeof createLogger>): Promise<KeyService[]> {
  const k = opts.keys ?? { kind: 'file' };
  if (k.kind === 'file') return Promise.all(configs.map((c) => FileKeystore.open(join(c.dataDir, 'keys'), opts.passphrase)));
  const agencies = configs.map((c) => c.agency.key);
  const ttl = k.tokenTtlSeconds ? { tokenTtlSeconds: k.tokenTtlSeconds } : {};
  // On Fabric each agency's CA in the vault also becomes its organisation's CA (fabric-enroll), so the MSP trusts the
  // certificates it issues for the transit keys.
  const creds = opts.ledger?.kind === 'fabric'
    ? await provisionVaultForFabric(k.address, k.adminToken, opts.ledger.connection, agencies, ttl)
    : await provisionVault(k.address, k.adminToken, agencies, ttl);
  const out: KeyService[] = [];
  try {
    for (const c of creds) {
      out.push(await VaultKeyService.open({
        address: k.address, appRole: { roleId: c.roleId, secretId: c.secretId }, signingKey: c.signingKey, secretsPath: c.secretsPath, log: log(`${c.agency}.keys`),
      }));
    }
  } catch (err) {
    for (const keys of out) await keys.close();
    throw err;
  }
  return out;
}

export interface DemoCluster {
  nodes: Record<DemoAgency['key'], AgencyNode>;
  handle: LedgerHandle;
  /** Closes the ledger (nodes stay up and queue publishes in their outboxes). */
  closeLedger(): Promise<void>;
  /** Reopens the ledger from disk (verifying the whole chain). */
  reopenLedger(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemo(opts: DemoOptions): Promise<DemoCluster> {
  const log = (name: string) => createLogger(name, opts.logLevel ?? 'info');
  const opa = opts.policy === 'opa-server'
    ? await OpaServerProcess.start({ opaBinary: opaBinary(), bundle: policiesBundleDir(), log: log('opa') })
    : null;
  const fromEnv = process.env.POPART_QUERY_WORKERS;
  const queryWorkers = opts.queryWorkers ?? (fromEnv ? Number(fromEnv) : undefined);
  const niceFromEnv = process.env.POPART_QUERY_WORKER_NICE;
  const queryWorkerNice = niceFromEnv ? Number(niceFromEnv) : undefined;
  const configs = await Promise.all(demoAgencies.map((a) =>
    demoConfig(a, opts.dataDir, {
      ...(opts.randomPorts ? { port: 0 } : opts.portBase !== undefined ? { port: opts.portBase + a.port - 4000 } : {}),
      ...(opts.pgUrls?.[a.key] ? { pgUrl: opts.pgUrls[a.key] } : {}),
      ...(opa ? { opaUrl: opa.url } : {}),
      ...(opts.detection?.[a.key] ? { detectionSources: opts.detection[a.key] } : {}),
      ...(opts.webhooks?.[a.key] ? { webhooks: opts.webhooks[a.key] } : {}),
      ...(opts.apiKeys?.[a.key] ? { apiKeys: opts.apiKeys[a.key] } : {}),
      ...(opts.imports?.[a.key] ? { imports: opts.imports[a.key] } : {}),
      ...(opts.extraUsers?.[a.key] ? { extraUsers: opts.extraUsers[a.key] } : {}),
      ...(opts.correlationOf?.[a.key] ?? opts.correlation ? { correlation: opts.correlationOf?.[a.key] ?? opts.correlation } : {}),
      ...(opts.ledger?.kind === 'fabric' ? { fabricConnection: opts.ledger.connection } : {}),
      ...(queryWorkers === undefined ? {} : { queryWorkers }),
      ...(queryWorkerNice === undefined ? {} : { queryWorkerNice }),
    })));
  let sharedPolicy: PolicyGate | null = null;
  let keys: KeyService[] = [];
  /** Closes what the nodes share (their keys, the wasm policy, the OPA server) once they are stopped or never started. */
  const closeShared = async (): Promise<void> => {
    for (const k of keys) await k.close();
    await sharedPolicy?.close();
    await opa?.stop();
  };
  try {
    // The wasm policies are the same for every agency: one instance (and one pool of worker threads) serves the
    // four nodes of the process instead of one each.
    sharedPolicy = opa ? null : await openPolicy(configs[0]!.policy, log('policy'));
    keys = await openDemoKeys(opts, configs, log);
  } catch (err) {
    await closeShared();
    throw err;
  }
  const ledgerDir = join(opts.dataDir, 'ledger');
  const openLedger = () => EmbeddedLedger.open({
    dir: ledgerDir,
    orgs: configs.map((c, i) => ({ mspId: c.agency.mspId, publicKeyPem: (keys[i] as KeyService).publicKeyPems()[0] as string })),
    contract: new ThreatExchangeContract(),
    ...(opts.fsync === undefined ? {} : { fsync: opts.fsync }),
  });
  let first: EmbeddedLedger | null = null;
  try {
    if (opts.ledger?.kind !== 'fabric') {
      const t0 = performance.now();
      first = await openLedger();
      log('ledger').info('embedded ledger open, chain verified', { dir: ledgerDir, blocks: first.height(), ms: Math.round(performance.now() - t0) });
    }
  } catch (err) {
    await closeShared();
    throw err;
  }
  // On Fabric every node talks to its own peer; the handle stays empty.
  const handle: LedgerHandle = { current: first };
  const nodes = {} as Record<DemoAgency['key'], AgencyNode>;
  // The four nodes start together (each mostly waits on its read model and starts its query workers' threads);
  // when one fails, the others that started are stopped again.
  const started = await Promise.allSettled(configs.map((config, i) => AgencyNode.start(config, {
    ledgerHandle: handle, keys: keys[i] as KeyService, log: log(config.agency.key), ...(sharedPolicy ? { policy: sharedPolicy } : {}),
  })));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const r of started) if (r.status === 'fulfilled') await r.value.stop().catch(() => undefined);
    await handle.current?.close();
    await closeShared();
    throw failed.reason;
  }
  for (const [i, config] of configs.entries()) nodes[config.agency.key as DemoAgency['key']] = (started[i] as PromiseFulfilledResult<AgencyNode>).value;
  return {
    nodes,
    handle,
    async closeLedger() {
      const ledger = handle.current;
      handle.current = null;
      await ledger?.close();
    },
    async reopenLedger() {
      if (opts.ledger?.kind === 'fabric') return;
      handle.current ??= await openLedger();
    },
    async stop() {
      for (const node of Object.values(nodes)) await node.stop();
      await handle.current?.close();
      handle.current = null;
      await closeShared();
    },
  };
}
