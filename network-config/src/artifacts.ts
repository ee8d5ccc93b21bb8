/**
 * Everything `up` generates once into the state folder: crypto material (cryptogen, plus a TLS certificate
 * for each chaincode server from its organisation's TLS CA), configtx.yaml and the channel's first block
 * (configtxgen), the peers' core.yaml, the private data collections and the chaincode-as-a-service package.
 * The YAML files are written as JSON, which is YAML.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  HOST, ORDERER_ORG, ORGS, chaincodeLabel, ordererCount, ordererName, ordererPorts, paths, peerPorts, privateCollectionName,
  type NetworkOptions, type OrgSpec,
} from './options.js';
import { run } from './processes.js';

const SANS = ['localhost', HOST];

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** The only file in a folder (cryptogen names keys priv_sk and certificates <name>-cert.pem). */
export function onlyFile(dir: string): string {
  const names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  if (names.length !== 1) throw new Error(`expected one file in ${dir}, found ${names.length}`);
  return join(dir, names[0] as string);
}

export async function generateCrypto(o: NetworkOptions): Promise<void> {
  const p = paths(o);
  const spec = {
    OrdererOrgs: [{
      Name: ORDERER_ORG.name, Domain: ORDERER_ORG.domain, EnableNodeOUs: true,
      Specs: Array.from({ length: ordererCount(o) }, (_, i) => ({ Hostname: ordererName(i), SANS })),
    }],
    PeerOrgs: ORGS.map((org) => ({
      Name: org.mspId, Domain: org.domain, EnableNodeOUs: true,
      Specs: [{ Hostname: 'peer0', SANS }],
      Users: { Count: 1 },
    })),
  };
  const specFile = join(p.config, 'crypto-config.yaml');
  writeJson(specFile, spec);
  rmSync(p.crypto, { recursive: true, force: true });
  await run(p.bin('cryptogen'), ['generate', `--config=${specFile}`, `--output=${p.crypto}`]);
  for (const org of ORGS) await chaincodeServerTls(o, org);
}

/** A TLS server certificate for the organisation's chaincode server, signed by the organisation's TLS CA (openssl). */
async function chaincodeServerTls(o: NetworkOptions, org: OrgSpec): Promise<void> {
  const p = paths(o);
  const dir = p.ccaasTls(org);
  mkdirSync(dir, { recursive: true });
  const caDir = join(p.peerOrg(org), 'tlsca');
  const caCert = p.peerTlsCa(org);
  const caKey = join(caDir, 'priv_sk');
  const ext = join(dir, 'ext.cnf');
  writeFileSync(ext, [
    'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth', `subjectAltName=DNS:ccaas.${org.domain},DNS:localhost,IP:${HOST}`, '',
  ].join('\n'));
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'server.key.sec1')]);
  await run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', join(dir, 'server.key.sec1'), '-out', join(dir, 'server.key')]);
  rmSync(join(dir, 'server.key.sec1'));
  await run('openssl', ['req', '-new', '-key', join(dir, 'server.key'), '-subj', `/O=${org.mspId}/CN=ccaas.${org.domain}`, '-out', join(dir, 'server.csr')]);
  await run('openssl', ['x509', '-req', '-in', join(dir, 'server.csr'), '-CA', caCert, '-CAkey', caKey, '-CAcreateserial',
    '-days', '3650', '-sha256', '-extfile', ext, '-out', join(dir, 'server.crt')]);
  copyFileSync(caCert, join(dir, 'ca.crt'));
}

function signature(rule: string) { return { Type: 'Signature', Rule: rule }; }
function implicit(rule: string) { return { Type: 'ImplicitMeta', Rule: rule }; }

function peerOrgDef(o: NetworkOptions, org: OrgSpec, j: number) {
  const id = org.mspId;
  return {
    Name: id, ID: id, MSPDir: join(paths(o).peerOrg(org), 'msp'),
    Policies: {
      Readers: signature(`OR('${id}.admin', '${id}.peer', '${id}.client')`),
      Writers: signature(`OR('${id}.admin', '${id}.client')`),
      Admins: signature(`OR('${id}.admin')`),
      Endorsement: signature(`OR('${id}.peer')`),
    },
    AnchorPeers: [{ Host: HOST, Port: peerPorts(o, j).listen }],
  };
}

/** SmartBFT settings: block cutting from the options; timeouts lowered from the defaults (20 s complain, 1 min heartbeat) for a faster leader failover. */
/**
 * The largest block, and the largest transaction. A bundle at the node's limit (4 MiB) makes a transaction of about
 * four times its size (the argument, each object's record written twice, index entries, the event); 32 MiB leaves room.
 */
const BLOCK_MAX_BYTES = 32 * 1024 * 1024;

function smartBft(o: NetworkOptions) {
  return {
    RequestBatchMaxCount: o.maxMessageCount,
    RequestBatchMaxBytes: BLOCK_MAX_BYTES,
    // one transaction may be as large as a block: the largest bundle the node accepts (CONTENT_LIMITS.maxBundleBytes)
    // is in the transaction as its argument, and again as written records, announcements and index entries
    RequestMaxBytes: BLOCK_MAX_BYTES,
    RequestBatchMaxInterval: o.batchTimeout,
    IncomingMessageBufferSize: 200,
    RequestPoolSize: 100_000,
    RequestForwardTimeout: '2s',
    RequestComplainTimeout: '8s',
    RequestAutoRemoveTimeout: '3m0s',
    ViewChangeResendInterval: '5s',
    ViewChangeTimeout: '20s',
    LeaderHeartbeatTimeout: '10s',
    LeaderHeartbeatCount: 10,
    CollectTimeout: '1s',
    SyncOnStart: true,
    SpeedUpViewChange: false,
  };
}

export async function generateChannelBlock(o: NetworkOptions): Promise<void> {
  const p = paths(o);
  const n = ordererCount(o);
  const tlsCert = (i: number) => join(p.orderer(i), 'tls', 'server.crt');
  const ordererOrg = {
    Name: ORDERER_ORG.mspId, ID: ORDERER_ORG.mspId, MSPDir: join(p.ordererOrg, 'msp'),
    Policies: {
      Readers: signature(`OR('${ORDERER_ORG.mspId}.member')`),
      Writers: signature(`OR('${ORDERER_ORG.mspId}.member')`),
      Admins: signature(`OR('${ORDERER_ORG.mspId}.admin')`),
    },
    OrdererEndpoints: Array.from({ length: n }, (_, i) => `${HOST}:${ordererPorts(o, i).listen}`),
  };
  const orderer: Record<string, unknown> = {
    OrdererType: o.consensus === 'bft' ? 'BFT' : 'etcdraft',
    BatchTimeout: o.batchTimeout,
    BatchSize: { MaxMessageCount: o.maxMessageCount, AbsoluteMaxBytes: `${BLOCK_MAX_BYTES / 1024 / 1024} MB`, PreferredMaxBytes: '2 MB' },
    Organizations: [ordererOrg],
    Policies: {
      Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins'),
      BlockValidation: implicit('ANY Writers'),
    },
    Capabilities: { V2_0: true },
  };
  if (o.consensus === 'bft') {
    orderer.ConsenterMapping = Array.from({ length: n }, (_, i) => ({
      ID: i + 1, Host: HOST, Port: ordererPorts(o, i).listen, MSPID: ORDERER_ORG.mspId,
      Identity: onlyFile(join(p.orderer(i), 'msp', 'signcerts')), ClientTLSCert: tlsCert(i), ServerTLSCert: tlsCert(i),
    }));
    orderer.SmartBFT = smartBft(o);
  } else {
    orderer.EtcdRaft = {
      Consenters: Array.from({ length: n }, (_, i) => ({
        Host: HOST, Port: ordererPorts(o, i).listen, ClientTLSCert: tlsCert(i), ServerTLSCert: tlsCert(i),
      })),
    };
  }
  const application = {
    Organizations: ORGS.map((org, j) => peerOrgDef(o, org, j)),
    Policies: {
      Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins'),
      LifecycleEndorsement: implicit('MAJORITY Endorsement'),
      Endorsement: implicit('MAJORITY Endorsement'),
    },
    Capabilities: { V2_5: true },
  };
  const configtx = {
    Profiles: {
      PopartChannel: {
        Policies: { Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins') },
        Capabilities: { V3_0: true },
        Orderer: orderer,
        Application: application,
      },
    },
  };
  writeJson(join(p.config, 'configtx.yaml'), configtx);
  mkdirSync(dirname(p.channelBlock), { recursive: true });
  await run(p.bin('configtxgen'), ['-configPath', p.config, '-profile', 'PopartChannel', '-channelID', o.channel, '-outputBlock', p.channelBlock],
    { ...process.env, FABRIC_LOGGING_SPEC: 'warning' });
}

/**
 * Fabric's core.yaml with the two settings an environment variable cannot set: no Docker (vm.endpoint
 * empty) and the ccaas builder's folder. Everything else is set per peer by CORE_* variables.
 */
export function writeCoreYaml(o: NetworkOptions): void {
  const p = paths(o);
  const source = join(o.fabricHome, 'config', 'core.yaml');
  let text = readFileSync(source, 'utf8');
  const replace = (from: RegExp, to: string) => {
    if (!from.test(text)) throw new Error(`${source}: ${String(from)} not found (not Fabric ${'3.1.5'}'s core.yaml?)`);
    text = text.replace(from, to);
  };
  replace(/^(\s+)endpoint: unix:\/\/\/var\/run\/docker\.sock$/m, '$1endpoint: ""');
  replace(/^(\s+)path: \/opt\/hyperledger\/ccaas_builder$/m, `$1path: ${JSON.stringify(join(o.fabricHome, 'ccaas'))}`);
  mkdirSync(p.config, { recursive: true });
  writeFileSync(join(p.config, 'core.yaml'), text);
  copyFileSync(join(o.fabricHome, 'config', 'orderer.yaml'), join(p.config, 'orderer.yaml'));
}

export interface CollectionConfig {
  name: string;
  policy: string;
  requiredPeerCount: number;
  maxPeerCount: number;
  blockToLive: number;
  memberOnlyRead: boolean;
  memberOnlyWrite: boolean;
  endorsementPolicy: { signaturePolicy: string };
}

/** One collection per organisation, its only member: see network-config/README.md, "Private data". */
export function collections(o: NetworkOptions): CollectionConfig[] {
  return ORGS.map((org) => ({
    name: privateCollectionName(org.mspId),
    policy: `OR('${org.mspId}.member')`,
    requiredPeerCount: 0,
    maxPeerCount: 0,
    blockToLive: o.blockToLive,
    memberOnlyRead: true,
    memberOnlyWrite: false,
    endorsementPolicy: { signaturePolicy: `OR('${org.mspId}.peer')` },
  }));
}

export function writeCollections(o: NetworkOptions): void {
  writeJson(paths(o).collections, collections(o));
}

/**
 * The chaincode-as-a-service package: metadata.json (type ccaas) and code.tar.gz holding a connection.json whose
 * fields are templates filled from each peer's CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG, so one package (one
 * package id) serves every organisation. Made reproducibly: sorted names, mtime 0, numeric owner 0, gzip -n.
 * Returns the package id (label:sha256 of the package).
 */
export async function packageChaincode(o: NetworkOptions): Promise<string> {
  const p = paths(o);
  const src = join(p.chaincodeDir, 'src');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(join(src, 'code'), { recursive: true });
  writeFileSync(join(src, 'code', 'connection.json'), JSON.stringify({
    address: '{{.address}}', dial_timeout: '10s', tls_required: true, client_auth_required: true,
    root_cert: '{{.root_cert}}', client_cert: '{{.client_cert}}', client_key: '{{.client_key}}',
  }, null, 2) + '\n');
  writeFileSync(join(src, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: chaincodeLabel(o) }) + '\n');
  const tar = 'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu';
  await run('bash', ['-c', `set -euo pipefail; ${tar} -C "$1/code" -cf - connection.json | gzip -n -9 > "$1/code.tar.gz"; `
    + `${tar} -C "$1" -cf - code.tar.gz metadata.json | gzip -n -9 > "$2"`, 'package', src, p.chaincodePackage]);
  return `${chaincodeLabel(o)}:${createHash('sha256').update(readFileSync(p.chaincodePackage)).digest('hex')}`;
}

/** The peer's CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG: where its organisation's chaincode server is, and the TLS material to reach it. */
export function builderConfig(o: NetworkOptions, org: OrgSpec, j: number): string {
  const p = paths(o);
  return JSON.stringify({
    address: `${HOST}:${peerPorts(o, j).ccaas}`,
    root_cert: readFileSync(join(p.ccaasTls(org), 'ca.crt'), 'utf8'),
    client_cert: readFileSync(join(p.peer(org), 'tls', 'server.crt'), 'utf8'),
    client_key: readFileSync(join(p.peer(org), 'tls', 'server.key'), 'utf8'),
  });
}

export function cryptoExists(o: NetworkOptions): boolean {
  const p = paths(o);
  return existsSync(p.channelBlock) && existsSync(p.chaincodePackage) && existsSync(join(p.config, 'core.yaml'));
}
