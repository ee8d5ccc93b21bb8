/**
 * bench/fabric-publish — on the native Fabric network (network-config): ThreatExchange publishes through the node's
 * publish path (pn's PublishService → outbox → FabricLedger submit of PublishBundle, realistic 3-object bundles: an
 * alert, an indicator and their relationship), objects/s and commit latency p50/p99 at C in flight; against, in the
 * same run, a minimal baseline chaincode (chaincode/src/baseline: one putState per transaction) deployed as a second
 * chaincode service on the same network and driven through fabric-gateway as pn's client at the same concurrency.
 * Then an alert published by pn (GraphQL) until it reaches a mad operator's `alerts` subscription, p50/p99.
 *
 * By default it brings up its own network (temporary state, ports from --port-base) to measure network:up and
 * leaves nothing behind; --connection FILE uses a running network instead (e.g. npm run network:up's).
 *
 * Targets: ≥ 0.7× the baseline's throughput; commit p99 ≤ 1.5 s; alert to operator p99 ≤ 2 s. Throughput is compared
 * in objects shared per second (a baseline transaction stores one object, a ThreatExchange transaction a 3-object
 * bundle); the ratio of transactions per second is printed beside it.
 */
import '@popart/node/quiet-contract-logs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Contract } from '@hyperledger/fabric-gateway';
import { ORGS, down, memoryKb, paths, peerPorts, readConnectionFile, resolveOptions, run, startProcess, up, type NetworkOptions } from '@popart/network-config';
import { startDemo, type DemoCluster } from '@popart/node/demo';
import { ALERT_EXTENSION_ID } from '@popart/schemas';
import { createClient } from 'graphql-ws';
import { createHash, createPrivateKey, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import WebSocket from 'ws';
import { benchArgs, percentile, pool, type PoolResult, progress, reportHeader } from './bench-kit.js';
import { demoIdentityId } from './demo-ids.js';

const HELP = `Usage: npm run bench:fabric-publish -- [options]

  --count N          transactions per phase (baseline, ThreatExchange) [500]
  --concurrency C    transactions in flight [10]
  --alerts N         alerts pn → mad operator's subscription [100]
  --alert-interval MS  one alert every MS milliseconds [200]
  --connection FILE  use this running network (network-config's connection file) instead of a fresh one
  --port-base N      ports of the fresh network [37000]
  --batch-timeout D  block cutting of the fresh network [200ms]
  --max-message-count N  transactions per block at most, fresh network [100]
  --keep             leave the fresh network running (its state folder is printed)
  -h, --help
`;

const { values, number } = benchArgs(HELP, {
  count: { type: 'string', default: '500' },
  concurrency: { type: 'string', default: '10' },
  alerts: { type: 'string', default: '100' },
  'alert-interval': { type: 'string', default: '200' },
  connection: { type: 'string' },
  'port-base': { type: 'string', default: '37000' },
  'batch-timeout': { type: 'string', default: '200ms' },
  'max-message-count': { type: 'string', default: '100' },
  keep: { type: 'boolean', default: false },
});
const count = number('count');
const concurrency = number('concurrency');
const alertCount = number('alerts');
const alertInterval = number('alert-interval');

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const PN_IDENTITY = demoIdentityId('pn');
const BASELINE = { name: 'baseline', version: '1.0', label: 'baseline_1.0' };

const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`); };

/** Runs `n` jobs with `concurrency` in flight; the latency of each, and the elapsed seconds. */
const runPool = (n: number, label: string, job: (i: number) => Promise<void>): Promise<PoolResult> => pool(n, concurrency, job, label);

/** A realistic ThreatExchange bundle: a drone alert with the public-space extension, an indicator, their relationship. */
function threatBundle(run: string, n: number, name = `bench ${run} drone ${n}`): { bundle: Record<string, unknown>; alertId: string } {
  const t = new Date().toISOString();
  const alertId = `incident--${randomUUID()}`;
  const indicatorId = `indicator--${randomUUID()}`;
  const mac = `02:00:${[(n >> 16) & 255, (n >> 8) & 255, n & 255, 9].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  return {
    alertId,
    bundle: {
      type: 'bundle', id: `bundle--${randomUUID()}`,
      objects: [
        {
          type: 'incident', spec_version: '2.1', id: alertId, created: t, modified: t, created_by_ref: PN_IDENTITY, name,
          description: 'Quadcopter hovering over the fan zone; Remote ID broadcast received, pilot not located.',
          object_marking_refs: [GREEN],
          extensions: {
            [ALERT_EXTENSION_ID]: {
              extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 85,
              area: { shape: 'circle', latitude: 40.4168, longitude: -3.7038, radius_m: 300 }, sensor_kind: 'remote-id',
              venue: 'Puerta del Sol fan zone', expires: new Date(Date.now() + 3_600_000).toISOString(),
              guidance: 'Keep the crowd away from the landing point; report the pilot position.',
            },
          },
        },
        {
          type: 'indicator', spec_version: '2.1', id: indicatorId, created: t, modified: t, created_by_ref: PN_IDENTITY,
          name: `Remote ID broadcast ${mac}`, indicator_types: ['anomalous-activity'], pattern: `[mac-addr:value = '${mac}']`,
          pattern_type: 'stix', valid_from: t, object_marking_refs: [GREEN],
        },
        {
          type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: t, modified: t, created_by_ref: PN_IDENTITY,
          relationship_type: 'indicates', source_ref: indicatorId, target_ref: alertId, object_marking_refs: [GREEN],
        },
      ],
    },
  };
}

/** The network's options from its connection file (state folder = the file's folder; ports from its network.json). */
function optionsOf(connectionFile: string): NetworkOptions {
  const home = dirname(connectionFile);
  const settings = JSON.parse(readFileSync(join(home, 'network.json'), 'utf8')) as Partial<NetworkOptions>;
  return { ...resolveOptions({ home }), ...settings, home };
}

/** The peer CLI as an organisation's admin, against its own peer. */
function adminEnv(o: NetworkOptions, j: number): NodeJS.ProcessEnv {
  const org = ORGS[j]!;
  const p = paths(o);
  return {
    PATH: process.env.PATH, HOME: process.env.HOME, FABRIC_CFG_PATH: p.config, FABRIC_LOGGING_SPEC: 'warning',
    CORE_PEER_LOCALMSPID: org.mspId, CORE_PEER_MSPCONFIGPATH: join(p.admin(org), 'msp'),
    CORE_PEER_ADDRESS: `127.0.0.1:${peerPorts(o, j).listen}`, CORE_PEER_TLS_ENABLED: 'true', CORE_PEER_TLS_ROOTCERT_FILE: p.peerTlsCa(org),
  };
}

/** Port of organisation j's baseline chaincode server (next to its ThreatExchange server's). */
const baselinePort = (o: NetworkOptions, j: number): number => peerPorts(o, j).ccaas + 1;

/**
 * Deploys the baseline chaincode as a second chaincode service (idempotent): one package per organisation (its
 * server's address; TLS material from the peer's builder config, as for ThreatExchange), installed, approved by each
 * agency, committed with the same endorsement policy (the channel default, MAJORITY); one server per organisation,
 * started with network-config's process management (so network:down stops them and its memory figures count them).
 */
async function deployBaseline(o: NetworkOptions): Promise<void> {
  const p = paths(o);
  const peer = p.bin('peer');
  const dir = join(p.chaincodeDir, BASELINE.name);
  const server = join(o.repoRoot, 'chaincode', 'dist', 'src', 'baseline', 'server.js');
  if (!existsSync(server)) throw new Error(`${server} missing: build first (npx tsc --build chaincode)`);
  const packageIds: string[] = [];
  for (const [j, org] of ORGS.entries()) {
    const src = join(dir, org.key);
    mkdirSync(join(src, 'code'), { recursive: true });
    writeFileSync(join(src, 'code', 'connection.json'), JSON.stringify({
      address: `127.0.0.1:${baselinePort(o, j)}`, dial_timeout: '10s', tls_required: true, client_auth_required: true,
      root_cert: '{{.root_cert}}', client_cert: '{{.client_cert}}', client_key: '{{.client_key}}',
    }, null, 2) + '\n');
    writeFileSync(join(src, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: BASELINE.label }) + '\n');
    const pkg = join(dir, `${org.key}.tar.gz`);
    const tar = 'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu';
    await run('bash', ['-c', `set -euo pipefail; ${tar} -C "$1/code" -cf - connection.json | gzip -n -9 > "$1/code.tar.gz"; `
      + `${tar} -C "$1" -cf - code.tar.gz metadata.json | gzip -n -9 > "$2"`, 'package', src, pkg]);
    const packageId = `${BASELINE.label}:${createHash('sha256').update(readFileSync(pkg)).digest('hex')}`;
    packageIds.push(packageId);
    const tls = p.ccaasTls(org);
    startProcess({
      name: `chaincode-${BASELINE.name}-${org.key}`, command: process.execPath, args: [server], cwd: o.repoRoot,
      env: {
        PATH: process.env.PATH, CHAINCODE_ID: packageId, CHAINCODE_SERVER_ADDRESS: `127.0.0.1:${baselinePort(o, j)}`,
        CHAINCODE_TLS_KEY_FILE: join(tls, 'server.key'), CHAINCODE_TLS_CERT_FILE: join(tls, 'server.crt'),
        CHAINCODE_TLS_CLIENT_CACERT_FILE: p.peerTlsCa(org), CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING',
      },
    }, p.pids, p.logs);
    const { stdout } = await run(peer, ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'], adminEnv(o, j));
    const installed = (JSON.parse(stdout || '{}') as { installed_chaincodes?: { package_id: string }[] }).installed_chaincodes ?? [];
    if (!installed.some((c) => c.package_id === packageId)) await run(peer, ['lifecycle', 'chaincode', 'install', pkg], adminEnv(o, j));
  }
  const committed = await run(peer, ['lifecycle', 'chaincode', 'querycommitted', '-C', o.channel, '-n', BASELINE.name], adminEnv(o, 0)).then(() => true, () => false);
  if (committed) return;
  const orderer = ['-o', `127.0.0.1:${o.portBase}`, '--tls', '--cafile', p.ordererTlsCa];
  const definition = ['--channelID', o.channel, '--name', BASELINE.name, '--version', BASELINE.version, '--sequence', '1'];
  await Promise.all(ORGS.map((_, j) => run(peer, ['lifecycle', 'chaincode', 'approveformyorg', ...orderer, ...definition, '--package-id', packageIds[j]!], adminEnv(o, j))));
  const peers = ORGS.flatMap((org, j) => ['--peerAddresses', `127.0.0.1:${peerPorts(o, j).listen}`, '--tlsRootCertFiles', p.peerTlsCa(org)]);
  await run(peer, ['lifecycle', 'chaincode', 'commit', ...orderer, ...definition, ...peers], adminEnv(o, 0));
  log(`baseline chaincode "${BASELINE.name}" deployed: ${ORGS.length} servers, committed on "${o.channel}"`);
}

/** pn's client identity through pn's peer, on a contract of the channel. */
function pnContract(connectionFile: string, chaincode: string): { contract: Contract; close(): void } {
  const c = readConnectionFile(connectionFile);
  const a = c.agencies.pn!;
  const client = new grpc.Client(a.peer.endpoint, grpc.credentials.createSsl(readFileSync(a.peer.tlsCACertPath)), { 'grpc.ssl_target_name_override': a.peer.hostnameOverride });
  const gateway = connect({
    client, identity: { mspId: a.mspId, credentials: readFileSync(a.user.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(a.user.keyPath))), hash: hash.sha256,
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }), submitOptions: () => ({ deadline: Date.now() + 30_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  return { contract: gateway.getNetwork(c.channel).getContract(chaincode), close: () => { gateway.close(); client.close(); } };
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data ?? {};
}

const login = async (url: string, user: string): Promise<string> =>
  ((await gql(url, 'mutation($u: String!) { login(username: $u, password: "demo") { token } }', { u: user })).login as { token: string }).token;

const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const fresh = !values.connection;
  let options: NetworkOptions;
  let upSeconds: number | undefined;
  let connectionFile: string;
  if (fresh) {
    options = resolveOptions({
      home: mkdtempSync(join(tmpdir(), 'popart-bench-fabric-')), portBase: number('port-base'), consensus: 'bft',
      batchTimeout: values['batch-timeout'], maxMessageCount: number('max-message-count'),
    });
    log(`network:up in ${options.home} (ports from ${options.portBase})…`);
    const result = await up(options, (line) => log(line));
    upSeconds = result.seconds;
    connectionFile = result.connectionFile;
  } else {
    connectionFile = resolve(values.connection!);
    if (!existsSync(connectionFile)) throw new Error(`${connectionFile} missing: run npm run network:up first`);
    options = optionsOf(connectionFile);
  }
  const idleMemory = memoryKb(options);
  const dataDir = mkdtempSync(join(tmpdir(), 'popart-bench-nodes-'));
  let cluster: DemoCluster | null = null;
  let baseline: ReturnType<typeof pnContract> | null = null;
  try {
    await deployBaseline(options);
    baseline = pnContract(connectionFile, BASELINE.name);
    // the baseline's first call waits for the peers to connect to its servers
    for (let i = 0; ; i++) {
      try {
        await baseline.contract.submitTransaction('put', `warmup-${i}`, 'x');
        break;
      } catch (err) {
        if (i > 30) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }

    cluster = await startDemo({ dataDir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'warn', ledger: { kind: 'fabric', connection: connectionFile } });
    const pn = cluster.nodes.pn;
    const viewer = pn.services.sessions.verify(await login(pn.url, 'pn-analyst'));
    if (!viewer) throw new Error('pn-analyst could not sign in');
    // warm-up: a few publishes (connections, policy, first blocks)
    for (let i = 0; i < 5; i++) await pn.services.publisher.publish(viewer, threatBundle('warmup', i).bundle);

    const value = JSON.stringify(threatBundle('baseline', 0).bundle);
    const base = await runPool(count, 'baseline putState     ', async (i) => {
      await baseline!.contract.submitTransaction('put', `k-${randomUUID()}-${i}`, value);
    });
    const run = randomUUID().slice(0, 8);
    const statuses: Record<string, number> = {};
    let lastBlock = 0;
    const tx = await runPool(count, 'ThreatExchange publish', async (i) => {
      // commit latency: until the transaction is committed (not until pn's own read model has applied its block)
      const r = await pn.services.publisher.publish(viewer, threatBundle(run, i).bundle, { waitVisible: false });
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      lastBlock = Math.max(lastBlock, r.blockNumber ?? 0);
      if (r.status !== 'COMMITTED') throw new Error(`status ${r.status}`);
    });
    const baseTps = base.latencies.length / base.seconds;
    const txTps = tx.latencies.length / tx.seconds;

    // alerts: pn publishes through GraphQL, mad's operator receives them on the alerts subscription; first every
    // node catches up with the blocks of the publish phase, so the alerts do not queue behind them
    const catchUp = performance.now();
    for (const node of Object.values(cluster.nodes)) await node.listener.waitForBlock(lastBlock, 300_000);
    log(`read models caught up with block ${lastBlock} ${((performance.now() - catchUp) / 1000).toFixed(1)} s after the last commit`);
    const mad = cluster.nodes.mad;
    const madToken = await login(mad.url, 'mad-operator');
    const pnToken = await login(pn.url, 'pn-analyst');
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let received = 0;
    let allReceived: () => void = () => {};
    const done = new Promise<void>((r) => { allReceived = r; });
    const ws = createClient({ url: mad.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${madToken}` }, retryAttempts: 0 });
    const stop = ws.subscribe<{ alerts: { id: string } }>({ query: 'subscription { alerts { id } }' }, {
      next: (v) => {
        const id = v.data?.alerts.id;
        const t0 = id ? sentAt.get(id) : undefined;
        if (t0 === undefined) return;
        latencies.push(performance.now() - t0);
        progress('alerts pn → mad operator', ++received, alertCount);
        if (received === alertCount) allReceived();
      },
      error: (err) => log(`subscription error: ${JSON.stringify(err)}`),
      complete: () => {},
    });
    await new Promise((r) => setTimeout(r, 500));
    const arun = randomUUID().slice(0, 8);
    const publishes: Promise<unknown>[] = [];
    for (let i = 0; i < alertCount; i++) {
      const { bundle, alertId } = threatBundle(arun, i, `bench alert ${arun} ${i}`);
      sentAt.set(alertId, performance.now());
      publishes.push(gql(pn.url, 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }', { b: bundle }, pnToken).catch((err: unknown) => log(`alert ${i}: ${(err as Error).message}`)));
      await new Promise((r) => setTimeout(r, alertInterval));
    }
    await Promise.all(publishes);
    await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))]);
    stop();
    await ws.dispose();
    latencies.sort((a, b) => a - b);

    const memory = memoryKb(options);
    const total = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);
    const groups = (m: Record<string, number>): string => ['orderer', 'peer-', 'chaincode-baseline', 'chaincode-']
      .map((prefix) => {
        const names = Object.keys(m).filter((n) => n.startsWith(prefix) && (prefix !== 'chaincode-' || !n.startsWith('chaincode-baseline')));
        return `${prefix.replace(/-$/, '')} ×${names.length} ${mib(names.reduce((a, n) => a + (m[n] ?? 0), 0))}`;
      }).join(', ');
    const settings = JSON.parse(readFileSync(paths(options).settings, 'utf8')) as { batchTimeout: string; maxMessageCount: number; consensus: string };
    // a baseline transaction stores one object: its throughput in objects/s is its tx/s
    const ratio = (txTps * 3) / baseTps;
    const txRatio = txTps / baseTps;
    const p99 = percentile(tx.latencies, 99);
    const a99 = percentile(latencies, 99);
    const lines = [
      reportHeader('fabric-publish', `Fabric 3.1.5 ${settings.consensus.toUpperCase()}, 4 orderers, 4 peers; ${count} transactions per phase, ${concurrency} in flight`),
      `  block cutting: batch timeout ${settings.batchTimeout}, at most ${settings.maxMessageCount} transactions per block (SmartBFT RequestBatchMaxInterval / MaxMessageCount)`,
      `  network:up: ${upSeconds !== undefined ? `${upSeconds.toFixed(1)} s from nothing to chaincode ready on every peer (gossip complete)` : 'not measured (--connection: a running network)'}`,
      `  baseline (one putState per tx, fabric-gateway as pn): ${baseTps.toFixed(1)} tx/s; commit p50 ${percentile(base.latencies, 50).toFixed(0)} ms, p99 ${percentile(base.latencies, 99).toFixed(0)} ms; failed ${base.failures.length}`,
      `  ThreatExchange through pn's publish path: ${txTps.toFixed(1)} tx/s = ${(txTps * 3).toFixed(0)} objects/s (3-object bundles); commit p50 ${percentile(tx.latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms; `
        + `statuses ${JSON.stringify(statuses)}; failed ${tx.failures.length}`,
      `  ratio to baseline, objects/s: ${ratio.toFixed(2)}   target ≥ 0.7: ${ratio >= 0.7 ? 'met' : 'NOT met'};   commit p99 ≤ 1.5 s: ${p99 <= 1500 ? 'met' : 'NOT met'}`,
      `  ratio to baseline, transactions/s: ${txRatio.toFixed(2)} (a ThreatExchange transaction makes ~17 state calls for 3 objects: 5 reads, 12 writes; the baseline 1)`,
      `  alert pn → mad operator's subscription: ${latencies.length}/${alertCount} received, one every ${alertInterval} ms; p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${a99.toFixed(0)} ms   target p99 ≤ 2 s: ${a99 <= 2000 && latencies.length === alertCount ? 'met' : 'NOT met'}`,
      `  memory (RSS) of the Fabric processes: ${mib(total(idleMemory))} idle after up${fresh ? '' : ' (before the baseline servers)'}, ${mib(total(memory))} at the end (${groups(memory)})`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (base.failures.length) process.stdout.write(`first baseline failure: ${base.failures[0]}\n`);
    if (tx.failures.length) process.stdout.write(`first publish failure: ${tx.failures[0]}\n`);
  } finally {
    baseline?.close();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (fresh && !values.keep) await down(options, { clean: true });
    else if (fresh) log(`network left running: ${options.home} (network-config's down with POPART_FABRIC_HOME=${options.home})`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
