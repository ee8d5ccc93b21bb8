/**
 * network:up, network:down, network:status. Idempotent: `up` generates what is missing, starts what is not
 * running, joins what has not joined, installs/approves/commits what is not done, then waits until the
 * network can really endorse (gossip complete, the chaincode answering on every peer).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateChannelBlock, generateCrypto, packageChaincode, writeCollections, writeCoreYaml,
} from './artifacts.js';
import { connectionFile } from './connection.js';
import {
  HOST, ORGS, ordererCount, ordererName, ordererPorts, paths, peerPorts,
  type NetworkOptions, type OrgSpec,
} from './options.js';
import {
  httpsGet, run, runningPid, startProcess, stopProcess, waitFor, type ManagedProcess,
} from './processes.js';
import { adminEnv, baseEnv, chaincodeProcess, ordererArgs, ordererProcess, osnadminArgs, peerProcess } from './fabric-processes.js';

export type Log = (line: string) => void;

/** What was generated, and with which settings (a different request on existing state is refused). */
type Settings = Pick<NetworkOptions, 'consensus' | 'portBase' | 'channel' | 'chaincodeName' | 'chaincodeVersion' | 'blockToLive' |
  'batchTimeout' | 'maxMessageCount'> & { packageId: string };

const SETTING_KEYS = ['consensus', 'portBase', 'channel', 'chaincodeName', 'chaincodeVersion', 'blockToLive', 'batchTimeout', 'maxMessageCount'] as const;

async function healthy(port: number, ca: string, serverName: string): Promise<boolean> {
  try {
    const { status } = await httpsGet(port, '/healthz', ca, serverName);
    return status === 200;
  } catch {
    return false;
  }
}

function ordererHealth(o: NetworkOptions, i: number): Promise<boolean> {
  return healthy(ordererPorts(o, i).operations, paths(o).ordererTlsCa, 'localhost');
}

function peerHealth(o: NetworkOptions, org: OrgSpec, j: number): Promise<boolean> {
  return healthy(peerPorts(o, j).operations, paths(o).peerTlsCa(org), 'localhost');
}

/** gossip_membership_total_peers_known{channel} of one peer, from its /metrics. */
export async function gossipPeersKnown(o: NetworkOptions, org: OrgSpec, j: number): Promise<number> {
  const admin = join(paths(o).admin(org), 'tls');
  const client = { certFile: join(admin, 'client.crt'), keyFile: join(admin, 'client.key') };
  const { body } = await httpsGet(peerPorts(o, j).operations, '/metrics', paths(o).peerTlsCa(org), 'localhost', client);
  const line = body.split('\n').find((l) => l.startsWith('gossip_membership_total_peers_known') && l.includes(`channel="${o.channel}"`));
  return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}

async function peerChannels(o: NetworkOptions, org: OrgSpec, j: number): Promise<string[]> {
  const { stdout } = await run(paths(o).bin('peer'), ['channel', 'list'], adminEnv(o, org, j));
  return stdout.split('\n').slice(1).map((s) => s.trim()).filter(Boolean);
}

async function peerHeight(o: NetworkOptions, org: OrgSpec, j: number): Promise<number> {
  const { stdout } = await run(paths(o).bin('peer'), ['channel', 'getinfo', '-c', o.channel], adminEnv(o, org, j), 15_000);
  const match = /Blockchain info: (\{.*\})/.exec(stdout);
  if (!match) throw new Error(`peer channel getinfo: unexpected output ${stdout}`);
  return (JSON.parse(match[1] as string) as { height: number }).height;
}

async function ordererChannel(o: NetworkOptions, i: number): Promise<{ status: string; height: number } | undefined> {
  const { stdout } = await run(paths(o).bin('osnadmin'), ['channel', 'list', '--channelID', o.channel, ...osnadminArgs(o, i)], baseEnv(), 15_000);
  // osnadmin prints "Status: <http status>" then the JSON body
  const status = Number(/Status: (\d+)/.exec(stdout)?.[1] ?? 0);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`osnadmin channel list on ${ordererName(i)}: ${stdout.trim()}`);
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as { status: string; height: number };
}

/** Evaluates ListAgencies on one peer (as its org's admin): the chaincode server answers through that peer. */
async function chaincodeAnswers(o: NetworkOptions, org: OrgSpec, j: number): Promise<boolean> {
  try {
    await run(paths(o).bin('peer'), ['chaincode', 'query', '-C', o.channel, '-n', o.chaincodeName, '-c', '{"Args":["ThreatExchange:ListAgencies"]}'],
      adminEnv(o, org, j), 15_000);
    return true;
  } catch {
    return false;
  }
}

function readSettings(o: NetworkOptions): Settings | undefined {
  const file = paths(o).settings;
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Settings : undefined;
}

/** Crypto, channel block, config, collections and package: generated once per state folder. */
async function ensureArtifacts(o: NetworkOptions, log: Log): Promise<Settings> {
  const p = paths(o);
  const existing = readSettings(o);
  if (existing) {
    const differing = SETTING_KEYS.filter((k) => o.explicit.includes(k) && existing[k] !== o[k]);
    if (differing.length > 0) {
      throw new Error(`the network in ${o.home} was made with ${differing.map((k) => `${k}=${String(existing[k])}`).join(', ')}; `
        + `asked for ${differing.map((k) => `${k}=${String(o[k])}`).join(', ')}. Run network:down --clean first to start over.`);
    }
    return existing;
  }
  rmSync(o.home, { recursive: true, force: true });
  mkdirSync(o.home, { recursive: true });
  log(`generating the network in ${o.home} (${o.consensus === 'bft' ? '4 BFT' : '3 Raft'} orderers, 4 peers)`);
  writeCoreYaml(o);
  await generateCrypto(o);
  log('crypto material generated (cryptogen; chaincode server TLS certificates from each TLS CA)');
  await generateChannelBlock(o);
  log(`channel block for "${o.channel}" generated (configtxgen; anchor peers in it)`);
  writeCollections(o);
  const packageId = await packageChaincode(o);
  log(`chaincode package ${packageId}`);
  const settings: Settings = {
    consensus: o.consensus, portBase: o.portBase, channel: o.channel, chaincodeName: o.chaincodeName,
    chaincodeVersion: o.chaincodeVersion, blockToLive: o.blockToLive, batchTimeout: o.batchTimeout,
    maxMessageCount: o.maxMessageCount, packageId,
  };
  writeFileSync(p.settings, JSON.stringify(settings, null, 2) + '\n');
  return settings;
}

function checkInstalled(o: NetworkOptions): void {
  for (const tool of ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin']) {
    if (!existsSync(paths(o).bin(tool))) {
      throw new Error(`Fabric is not installed in ${o.fabricHome} (${tool} missing): run bash network-config/scripts/install-fabric.sh`);
    }
  }
  for (const f of ['ccaas/bin/detect', 'ccaas/bin/build', 'ccaas/bin/release', 'config/core.yaml', 'config/orderer.yaml']) {
    if (!existsSync(join(o.fabricHome, f))) throw new Error(`${join(o.fabricHome, f)} missing: run bash network-config/scripts/install-fabric.sh`);
  }
  if (!existsSync(join(o.repoRoot, 'chaincode', 'dist', 'src', 'server.js'))) {
    throw new Error('chaincode/dist/src/server.js missing: build first (npx tsc --build chaincode network-config)');
  }
}

function start(o: NetworkOptions, p: ManagedProcess, log: Log): void {
  const { pid, reused } = startProcess(p, paths(o).pids, paths(o).logs);
  log(`${p.name}: ${reused ? 'already running' : 'started'} (pid ${pid})`);
}

export interface UpResult { seconds: number; connectionFile: string; packageId: string }

export async function up(requested: NetworkOptions, log: Log = () => {}): Promise<UpResult> {
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const step = (line: string) => log(`[${elapsed()}] ${line}`);
  checkInstalled(requested);
  const p = paths(requested);
  const settings = await ensureArtifacts(requested, step);
  // an existing network keeps the settings it was made with
  const o: NetworkOptions = { ...requested, ...settings };
  const n = ordererCount(o);

  for (let i = 0; i < n; i++) start(o, ordererProcess(o, i), step);
  ORGS.forEach((org, j) => start(o, peerProcess(o, org, j), step));
  ORGS.forEach((org, j) => start(o, chaincodeProcess(o, org, j, settings.packageId), step));

  await Promise.all([
    ...Array.from({ length: n }, (_, i) => waitFor(`${ordererName(i)} /healthz`, async () => (await ordererHealth(o, i)) || undefined, 60_000)),
    ...ORGS.map((org, j) => waitFor(`peer-${org.key} /healthz`, async () => (await peerHealth(o, org, j)) || undefined, 60_000)),
  ]);
  step('orderers and peers healthy (/healthz)');

  await Promise.all(Array.from({ length: n }, async (_, i) => {
    // the admin listener may open a moment after /healthz answers (a restarted orderer recovers its ledger first)
    const joined = await waitFor(`${ordererName(i)} admin endpoint`, async () => ({ info: await ordererChannel(o, i) }), 30_000, 500);
    if (joined.info) return;
    await run(p.bin('osnadmin'), ['channel', 'join', '--channelID', o.channel, '--config-block', p.channelBlock, ...osnadminArgs(o, i)], baseEnv());
    step(`${ordererName(i)} joined "${o.channel}" (osnadmin channel join)`);
  }));

  await Promise.all(ORGS.map(async (org, j) => {
    if ((await peerChannels(o, org, j)).includes(o.channel)) return;
    // the orderers may not have the block yet just after joining: retry for a while
    await waitFor(`peer-${org.key} to join "${o.channel}"`, async () => {
      await run(p.bin('peer'), ['channel', 'join', '-b', p.channelBlock], adminEnv(o, org, j));
      return true;
    }, 30_000, 1000);
    step(`peer-${org.key} joined "${o.channel}"`);
  }));

  await deployChaincode(o, settings.packageId, step);

  await Promise.all(ORGS.map((org, j) => waitFor(`gossip on peer-${org.key} (peers known on "${o.channel}")`,
    async () => ((await gossipPeersKnown(o, org, j)) >= ORGS.length - 1 ? true : undefined), 90_000, 500)));
  step(`gossip complete: every peer knows the ${ORGS.length - 1} others`);

  await Promise.all(ORGS.map((org, j) => waitFor(`the chaincode through peer-${org.key}`,
    async () => ((await chaincodeAnswers(o, org, j)) ? true : undefined), 60_000, 1000)));
  step('the chaincode answers on every peer');

  writeFileSync(p.connection, JSON.stringify(connectionFile(o), null, 2) + '\n');
  const seconds = (Date.now() - t0) / 1000;
  step(`network up in ${seconds.toFixed(1)} s; connection file ${p.connection}`);
  return { seconds, connectionFile: p.connection, packageId: settings.packageId };
}

async function deployChaincode(o: NetworkOptions, packageId: string, step: Log): Promise<void> {
  const p = paths(o);
  const peer = p.bin('peer');
  await Promise.all(ORGS.map(async (org, j) => {
    const env = adminEnv(o, org, j);
    const { stdout } = await run(peer, ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'], env);
    const installed = (JSON.parse(stdout || '{}') as { installed_chaincodes?: { package_id: string }[] }).installed_chaincodes ?? [];
    if (installed.some((c) => c.package_id === packageId)) return;
    await run(peer, ['lifecycle', 'chaincode', 'install', p.chaincodePackage], env);
    step(`chaincode installed on peer-${org.key}`);
  }));

  const pn = ORGS[0] as OrgSpec;
  const committed = await run(peer, ['lifecycle', 'chaincode', 'querycommitted', '-C', o.channel, '-n', o.chaincodeName, '--output', 'json'], adminEnv(o, pn, 0))
    .then(() => true, () => false);
  if (committed) {
    step(`chaincode "${o.chaincodeName}" already committed`);
    return;
  }
  const definition = ['--channelID', o.channel, '--name', o.chaincodeName, '--version', o.chaincodeVersion, '--sequence', '1',
    '--collections-config', p.collections];
  const readiness = await run(peer, ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definition, '--output', 'json'], adminEnv(o, pn, 0));
  const approvals = (JSON.parse(readiness.stdout) as { approvals: Record<string, boolean> }).approvals;
  await Promise.all(ORGS.map(async (org, j) => {
    if (approvals[org.mspId]) return;
    await run(peer, ['lifecycle', 'chaincode', 'approveformyorg', ...ordererArgs(o), ...definition, '--package-id', packageId], adminEnv(o, org, j));
    step(`chaincode definition approved by ${org.mspId}`);
  }));
  const peerArgs = ORGS.flatMap((org, j) => ['--peerAddresses', `${HOST}:${peerPorts(o, j).listen}`, '--tlsRootCertFiles', p.peerTlsCa(org)]);
  await run(peer, ['lifecycle', 'chaincode', 'commit', ...ordererArgs(o), ...definition, ...peerArgs], adminEnv(o, pn, 0));
  step(`chaincode "${o.chaincodeName}" committed on "${o.channel}" (endorsement: MAJORITY Endorsement; collections ${p.collections})`);
}

/** Every process name `down` and `status` know, in stop order. */
function processNames(): string[] {
  return [
    ...ORGS.map((org) => `chaincode-${org.key}`),
    ...ORGS.map((org) => `peer-${org.key}`),
    ...Array.from({ length: 4 }, (_, i) => ordererName(i)),
  ];
}

export async function down(o: NetworkOptions, options: { clean?: boolean } = {}, log: Log = () => {}): Promise<void> {
  const p = paths(o);
  const names = new Set(processNames());
  if (existsSync(p.pids)) for (const f of readdirSync(p.pids)) if (f.endsWith('.pid')) names.add(f.slice(0, -4));
  const ordered = [...names];
  // chaincode servers first, then peers, then orderers; each group in parallel
  for (const prefix of ['chaincode-', 'peer-', 'orderer']) {
    await Promise.all(ordered.filter((n) => n.startsWith(prefix)).map(async (name) => {
      const result = await stopProcess(p.pids, name);
      if (result === 'stopped') log(`${name}: stopped`);
    }));
  }
  const rest = ordered.filter((n) => !['chaincode-', 'peer-', 'orderer'].some((x) => n.startsWith(x)));
  for (const name of rest) if ((await stopProcess(p.pids, name)) === 'stopped') log(`${name}: stopped`);
  if (options.clean) {
    rmSync(o.home, { recursive: true, force: true });
    log(`removed ${o.home}`);
  }
}

export interface ProcessStatus { name: string; pid?: number; running: boolean; healthy?: boolean; height?: number; gossipPeersKnown?: number; chaincode?: boolean }
export interface NetworkStatus { home: string; generated: boolean; processes: ProcessStatus[]; ok: boolean }

export async function status(o: NetworkOptions): Promise<NetworkStatus> {
  const p = paths(o);
  const settings = readSettings(o);
  if (!settings) return { home: o.home, generated: false, processes: [], ok: false };
  const effective: NetworkOptions = { ...o, ...settings };
  const n = ordererCount(effective);
  const orderers = await Promise.all(Array.from({ length: n }, async (_, i): Promise<ProcessStatus> => {
    const name = ordererName(i);
    const pid = runningPid(p.pids, name);
    const s: ProcessStatus = { name, running: pid !== undefined, ...(pid !== undefined ? { pid } : {}) };
    if (pid === undefined) return s;
    s.healthy = await ordererHealth(effective, i);
    const info = await ordererChannel(effective, i).catch(() => undefined);
    if (info) s.height = info.height;
    return s;
  }));
  const peers = await Promise.all(ORGS.map(async (org, j): Promise<ProcessStatus[]> => {
    const name = `peer-${org.key}`;
    const pid = runningPid(p.pids, name);
    const s: ProcessStatus = { name, running: pid !== undefined, ...(pid !== undefined ? { pid } : {}) };
    const ccName = `chaincode-${org.key}`;
    const ccPid = runningPid(p.pids, ccName);
    const cc: ProcessStatus = { name: ccName, running: ccPid !== undefined, ...(ccPid !== undefined ? { pid: ccPid } : {}) };
    if (pid !== undefined) {
      s.healthy = await peerHealth(effective, org, j);
      if (s.healthy) {
        s.height = await peerHeight(effective, org, j).catch(() => undefined as unknown as number);
        if (s.height === undefined) delete s.height;
        s.gossipPeersKnown = await gossipPeersKnown(effective, org, j).catch(() => 0);
        s.chaincode = await chaincodeAnswers(effective, org, j);
        cc.healthy = cc.running && s.chaincode;
      }
    }
    return [s, cc];
  }));
  const processes = [...orderers, ...peers.flat()];
  const ok = processes.every((s) => s.running && s.healthy !== false)
    && processes.filter((s) => s.name.startsWith('peer-')).every((s) => s.chaincode && (s.gossipPeersKnown ?? 0) >= ORGS.length - 1);
  return { home: o.home, generated: true, processes, ok };
}

/** Resident memory (kB) of the network's running processes, from /proc. */
export function memoryKb(o: NetworkOptions): Record<string, number> {
  const p = paths(o);
  const out: Record<string, number> = {};
  if (!existsSync(p.pids)) return out;
  for (const f of readdirSync(p.pids)) {
    if (!f.endsWith('.pid')) continue;
    const name = f.slice(0, -4);
    const pid = runningPid(p.pids, name);
    if (pid === undefined) continue;
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) out[name] = Number(m[1]);
    } catch { /* gone */ }
  }
  return out;
}
