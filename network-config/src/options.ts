/**
 * What the network is made of: the four demo agencies, their ports, the state folder's layout and the
 * settings of ordering, chaincode and private data. Everything is derived from one `NetworkOptions`.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FABRIC_VERSION = '3.1.5';

/** One agency = one Fabric organisation with one peer and one chaincode server. */
export interface OrgSpec {
  key: 'pn' | 'pj' | 'mad' | 'crm';
  mspId: string;
  name: string;
  /** cryptogen domain: peer0.<domain>, Admin@<domain>, User1@<domain>. */
  domain: string;
}

/** The demo agencies, as node/src/demo/demo-agencies.ts names them. */
export const ORGS: readonly OrgSpec[] = [
  { key: 'pn', mspId: 'PnMSP', name: 'Policía Nacional', domain: 'pn.popart.local' },
  { key: 'pj', mspId: 'PjMSP', name: 'Polícia Judiciária', domain: 'pj.popart.local' },
  { key: 'mad', mspId: 'MadMSP', name: 'Policía Municipal de Madrid', domain: 'mad.popart.local' },
  { key: 'crm', mspId: 'CrmMSP', name: 'Comunidad de Madrid – ASEM112', domain: 'crm.popart.local' },
];

export const ORDERER_ORG = { name: 'Orderer', mspId: 'OrdererMSP', domain: 'orderer.popart.local' } as const;

export type Consensus = 'bft' | 'raft';

export interface NetworkOptions {
  /** State folder: crypto material, configuration, ledgers, logs, pid files, connection.json. */
  home: string;
  /** 4 orderers with SmartBFT, or 3 with Raft. */
  consensus: Consensus;
  /** First port; see `ports()`. */
  portBase: number;
  channel: string;
  chaincodeName: string;
  chaincodeVersion: string;
  /** Blocks after which private data is purged; 0 = kept forever. */
  blockToLive: number;
  /** Block cutting: the longest a transaction waits for its block (BFT RequestBatchMaxInterval, Raft BatchTimeout). */
  batchTimeout: string;
  /** Block cutting: at most this many transactions per block. */
  maxMessageCount: number;
  /** Fabric install: bin/ (peer, orderer, …), ccaas/ (bin/detect, build, release), config/ (core.yaml, orderer.yaml). */
  fabricHome: string;
  /** The repository (chaincode/dist/src/server.js is started from it). */
  repoRoot: string;
  /**
   * Settings asked for explicitly (flag, environment or override). On an existing network only these must match
   * what it was made with; the others are taken from it.
   */
  explicit: readonly string[];
}

/** The repository root, from this file's place in network-config/dist/src. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function defaultFabricHome(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.POPART_CACHE ?? join(homedir(), '.cache', 'popart');
  return join(cache, `fabric-${FABRIC_VERSION}`);
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: an integer ≥ ${min} is expected`);
  return value;
}

/** Options from the environment (POPART_FABRIC_*), then `overrides`. */
export function resolveOptions(overrides: Partial<NetworkOptions> = {}, env: NodeJS.ProcessEnv = process.env): NetworkOptions {
  const consensus = (env.POPART_FABRIC_CONSENSUS ?? 'bft').toLowerCase();
  if (consensus !== 'bft' && consensus !== 'raft') throw new Error(`POPART_FABRIC_CONSENSUS=${consensus}: bft or raft`);
  const batchTimeout = env.POPART_FABRIC_BATCH_TIMEOUT ?? '200ms';
  if (!/^\d+(ms|s)$/.test(batchTimeout)) throw new Error(`POPART_FABRIC_BATCH_TIMEOUT=${batchTimeout}: a duration such as 200ms or 1s`);
  const options: NetworkOptions = {
    home: env.POPART_FABRIC_HOME ?? join(REPO_ROOT, '.popart', 'fabric'),
    consensus,
    portBase: intFromEnv(env, 'POPART_FABRIC_PORT_BASE', 17000, 1024),
    channel: 'popart',
    chaincodeName: 'threatex',
    chaincodeVersion: '1.0',
    blockToLive: intFromEnv(env, 'POPART_PDC_BLOCK_TO_LIVE', 0, 0),
    batchTimeout,
    maxMessageCount: intFromEnv(env, 'POPART_FABRIC_MAX_MESSAGE_COUNT', 100, 1),
    fabricHome: env.POPART_FABRIC_INSTALL ?? defaultFabricHome(env),
    repoRoot: REPO_ROOT,
    explicit: [],
    ...overrides,
  };
  if (!overrides.explicit) {
    const fromEnv: Record<string, string> = {
      consensus: 'POPART_FABRIC_CONSENSUS', portBase: 'POPART_FABRIC_PORT_BASE', blockToLive: 'POPART_PDC_BLOCK_TO_LIVE',
      batchTimeout: 'POPART_FABRIC_BATCH_TIMEOUT', maxMessageCount: 'POPART_FABRIC_MAX_MESSAGE_COUNT',
    };
    options.explicit = [...Object.keys(overrides), ...Object.keys(fromEnv).filter((k) => env[fromEnv[k] as string] !== undefined)];
  }
  if (options.portBase + 200 > 65535) throw new Error(`port base ${options.portBase} is too high`);
  options.home = resolve(options.home);
  return options;
}

export const HOST = '127.0.0.1';

/** Ports: orderer i (0-based) at base + 10i (+1 admin, +2 operations); peer j at base + 100 + 10j (+1 chaincode, +2 operations, +3 its chaincode server). */
export function ordererPorts(o: NetworkOptions, i: number): { listen: number; admin: number; operations: number } {
  const p = o.portBase + 10 * i;
  return { listen: p, admin: p + 1, operations: p + 2 };
}

export function peerPorts(o: NetworkOptions, j: number): { listen: number; chaincode: number; operations: number; ccaas: number } {
  const p = o.portBase + 100 + 10 * j;
  return { listen: p, chaincode: p + 1, operations: p + 2, ccaas: p + 3 };
}

export function ordererCount(o: NetworkOptions): number { return o.consensus === 'bft' ? 4 : 3; }

export function ordererName(i: number): string { return `orderer${i + 1}`; }

/** Where things are in the state folder. */
export function paths(o: NetworkOptions) {
  const h = o.home;
  const crypto = join(h, 'crypto');
  const peerOrg = (org: OrgSpec) => join(crypto, 'peerOrganizations', org.domain);
  const ordererOrg = join(crypto, 'ordererOrganizations', ORDERER_ORG.domain);
  return {
    home: h,
    crypto,
    config: join(h, 'config'),
    channelBlock: join(h, 'channel', `${o.channel}.block`),
    chaincodeDir: join(h, 'chaincode'),
    chaincodePackage: join(h, 'chaincode', `${o.chaincodeName}.tar.gz`),
    collections: join(h, 'config', 'collections.json'),
    logs: join(h, 'logs'),
    pids: join(h, 'pids'),
    settings: join(h, 'network.json'),
    connection: join(h, 'connection.json'),
    bin: (tool: string) => join(o.fabricHome, 'bin', tool),
    peerOrg,
    ordererOrg,
    peer: (org: OrgSpec) => join(peerOrg(org), 'peers', `peer0.${org.domain}`),
    admin: (org: OrgSpec) => join(peerOrg(org), 'users', `Admin@${org.domain}`),
    user: (org: OrgSpec) => join(peerOrg(org), 'users', `User1@${org.domain}`),
    peerTlsCa: (org: OrgSpec) => join(peerOrg(org), 'tlsca', `tlsca.${org.domain}-cert.pem`),
    ccaasTls: (org: OrgSpec) => join(peerOrg(org), 'ccaas-tls'),
    peerData: (org: OrgSpec) => join(h, 'peers', org.key),
    orderer: (i: number) => join(ordererOrg, 'orderers', `${ordererName(i)}.${ORDERER_ORG.domain}`),
    ordererAdmin: join(ordererOrg, 'users', `Admin@${ORDERER_ORG.domain}`),
    ordererTlsCa: join(ordererOrg, 'tlsca', `tlsca.${ORDERER_ORG.domain}-cert.pem`),
    ordererData: (i: number) => join(h, 'orderers', ordererName(i)),
  };
}

/** Collection holding an organisation's private content (TLP:RED, TLP:AMBER+STRICT; AMBER copies for its audience). */
export function privateCollectionName(mspId: string): string { return `private-${mspId}`; }

export function chaincodeLabel(o: NetworkOptions): string { return `${o.chaincodeName}_${o.chaincodeVersion}`; }
