/**
 * Starts the four demo agencies in one process on one embedded ledger. Used by `npm start`, by the
 * end-to-end tests and by the benchmarks, so all three run exactly the same assembly.
 */
import { ThreatExchangeContract } from '@popart/chaincode';
import { join } from 'node:path';
import { AgencyNode } from '../agency-node.js';
import { FileKeystore } from '../keys/file-keystore.js';
import type { LedgerHandle } from '../ledger/embedded-gateway.js';
import { EmbeddedLedger } from '../ledger/embedded/index.js';
import { createLogger, type LogLevel } from '../log.js';
import { opaBinary, policiesBundleDir } from '../policy/open-policy.js';
import { OpaServerProcess } from '../policy/opa-server-policy.js';
import { demoAgencies, demoConfig, type DemoAgency } from './demo-agencies.js';

export interface DemoOptions {
  dataDir: string;
  /** Keystore passphrase for every demo agency. */
  passphrase: string;
  /** Use any free ports instead of 4001–4004 (tests). */
  randomPorts?: boolean;
  /** Read model on a PostgreSQL server: one database URL per agency key. */
  pgUrls?: Partial<Record<DemoAgency['key'], string>>;
  logLevel?: LogLevel;
  /** fsync each block (default true). */
  fsync?: boolean;
  /** Policy runtime: Rego as wasm in process (default), or one OPA server for the four agencies. */
  policy?: 'wasm' | 'opa-server';
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
  const configs = await Promise.all(demoAgencies.map((a) =>
    demoConfig(a, opts.dataDir, {
      ...(opts.randomPorts ? { port: 0 } : {}),
      ...(opts.pgUrls?.[a.key] ? { pgUrl: opts.pgUrls[a.key] } : {}),
      ...(opa ? { opaUrl: opa.url } : {}),
    })));
  const keys = await Promise.all(configs.map((c) => FileKeystore.open(join(c.dataDir, 'keys'), opts.passphrase)));
  const ledgerDir = join(opts.dataDir, 'ledger');
  const openLedger = () => EmbeddedLedger.open({
    dir: ledgerDir,
    orgs: configs.map((c, i) => ({ mspId: c.agency.mspId, publicKeyPem: (keys[i] as FileKeystore).publicKeyPem() })),
    contract: new ThreatExchangeContract(),
    ...(opts.fsync === undefined ? {} : { fsync: opts.fsync }),
  });
  const handle: LedgerHandle = { current: await openLedger() };
  const nodes = {} as Record<DemoAgency['key'], AgencyNode>;
  try {
    for (const [i, config] of configs.entries()) {
      nodes[config.agency.key as DemoAgency['key']] = await AgencyNode.start(config, { ledgerHandle: handle, keys: keys[i] as FileKeystore, log: log(config.agency.key) });
    }
  } catch (err) {
    for (const node of Object.values(nodes)) await node.stop();
    await handle.current?.close();
    await opa?.stop();
    throw err;
  }
  return {
    nodes,
    handle,
    async closeLedger() {
      const ledger = handle.current;
      handle.current = null;
      await ledger?.close();
    },
    async reopenLedger() {
      handle.current ??= await openLedger();
    },
    async stop() {
      for (const node of Object.values(nodes)) await node.stop();
      await handle.current?.close();
      handle.current = null;
      await opa?.stop();
    },
  };
}
