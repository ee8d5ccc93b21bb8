/**
 * How each process of the network is started (orderers, peers, chaincode servers) and how the Fabric CLIs are called
 * as an organisation's admin: command, arguments, environment, ports and logs, from the network's options.
 */
import { join } from 'node:path';
import { HOST, ORDERER_ORG, ordererName, ordererPorts, paths, peerPorts, type NetworkOptions, type OrgSpec } from './options.js';
import { builderConfig } from './artifacts.js';
import type { ManagedProcess } from './processes.js';

/** The environment of every Fabric process: this one's, without Fabric settings that could leak in. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(CORE_|ORDERER_|FABRIC_|CHAINCODE_|CONFIGTX_)/.test(k)) env[k] = v;
  }
  return env;
}

const LOGGING = 'info:grpc=error';

export function ordererProcess(o: NetworkOptions, i: number): ManagedProcess {
  const p = paths(o);
  const dir = p.orderer(i);
  const ports = ordererPorts(o, i);
  const data = p.ordererData(i);
  const tls = (f: string) => join(dir, 'tls', f);
  return {
    name: ordererName(i),
    command: p.bin('orderer'),
    args: ['start'],
    env: {
      ...baseEnv(),
      FABRIC_CFG_PATH: p.config,
      FABRIC_LOGGING_SPEC: LOGGING,
      ORDERER_GENERAL_LISTENADDRESS: HOST,
      ORDERER_GENERAL_LISTENPORT: String(ports.listen),
      ORDERER_GENERAL_LOCALMSPID: ORDERER_ORG.mspId,
      ORDERER_GENERAL_LOCALMSPDIR: join(dir, 'msp'),
      ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
      ORDERER_GENERAL_TLS_ENABLED: 'true',
      ORDERER_GENERAL_TLS_PRIVATEKEY: tls('server.key'),
      ORDERER_GENERAL_TLS_CERTIFICATE: tls('server.crt'),
      ORDERER_GENERAL_TLS_ROOTCAS: `[${tls('ca.crt')}]`,
      ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls('server.crt'),
      ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls('server.key'),
      ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${tls('ca.crt')}]`,
      ORDERER_FILELEDGER_LOCATION: join(data, 'ledger'),
      ORDERER_CONSENSUS_WALDIR: join(data, 'wal'),
      ORDERER_CONSENSUS_SNAPDIR: join(data, 'snapshot'),
      ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
      ORDERER_ADMIN_LISTENADDRESS: `${HOST}:${ports.admin}`,
      ORDERER_ADMIN_TLS_ENABLED: 'true',
      ORDERER_ADMIN_TLS_PRIVATEKEY: tls('server.key'),
      ORDERER_ADMIN_TLS_CERTIFICATE: tls('server.crt'),
      ORDERER_ADMIN_TLS_ROOTCAS: `[${tls('ca.crt')}]`,
      ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
      ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${tls('ca.crt')}]`,
      ORDERER_OPERATIONS_LISTENADDRESS: `${HOST}:${ports.operations}`,
      ORDERER_OPERATIONS_TLS_ENABLED: 'true',
      ORDERER_OPERATIONS_TLS_PRIVATEKEY: tls('server.key'),
      ORDERER_OPERATIONS_TLS_CERTIFICATE: tls('server.crt'),
      ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED: 'false',
      ORDERER_OPERATIONS_TLS_CLIENTROOTCAS: `[${tls('ca.crt')}]`,
      ORDERER_METRICS_PROVIDER: 'prometheus',
    },
  };
}

export function peerProcess(o: NetworkOptions, org: OrgSpec, j: number): ManagedProcess {
  const p = paths(o);
  const dir = p.peer(org);
  const ports = peerPorts(o, j);
  const address = `${HOST}:${ports.listen}`;
  const tls = (f: string) => join(dir, 'tls', f);
  return {
    name: `peer-${org.key}`,
    command: p.bin('peer'),
    args: ['node', 'start'],
    env: {
      ...baseEnv(),
      FABRIC_CFG_PATH: p.config,
      FABRIC_LOGGING_SPEC: LOGGING,
      CORE_PEER_ID: `peer0.${org.domain}`,
      CORE_PEER_LISTENADDRESS: address,
      CORE_PEER_ADDRESS: address,
      CORE_PEER_CHAINCODELISTENADDRESS: `${HOST}:${ports.chaincode}`,
      CORE_PEER_CHAINCODEADDRESS: `${HOST}:${ports.chaincode}`,
      CORE_PEER_GOSSIP_BOOTSTRAP: address,
      CORE_PEER_GOSSIP_EXTERNALENDPOINT: address,
      CORE_PEER_GOSSIP_RECONNECTINTERVAL: '5s',
      CORE_PEER_LOCALMSPID: org.mspId,
      CORE_PEER_MSPCONFIGPATH: join(dir, 'msp'),
      CORE_PEER_TLS_ENABLED: 'true',
      CORE_PEER_TLS_CERT_FILE: tls('server.crt'),
      CORE_PEER_TLS_KEY_FILE: tls('server.key'),
      CORE_PEER_TLS_ROOTCERT_FILE: tls('ca.crt'),
      CORE_PEER_TLS_CLIENTCERT_FILE: tls('server.crt'),
      CORE_PEER_TLS_CLIENTKEY_FILE: tls('server.key'),
      CORE_PEER_FILESYSTEMPATH: join(p.peerData(org), 'data'),
      CORE_LEDGER_SNAPSHOTS_ROOTDIR: join(p.peerData(org), 'snapshots'),
      CORE_OPERATIONS_LISTENADDRESS: `${HOST}:${ports.operations}`,
      CORE_OPERATIONS_TLS_ENABLED: 'true',
      CORE_OPERATIONS_TLS_CERT_FILE: tls('server.crt'),
      CORE_OPERATIONS_TLS_KEY_FILE: tls('server.key'),
      CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED: 'false',
      // /metrics needs a client certificate from the organisation's TLS CA (its admin's)
      CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES: tls('ca.crt'),
      CORE_METRICS_PROVIDER: 'prometheus',
      CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG: builderConfig(o, org, j),
    },
  };
}

export function chaincodeProcess(o: NetworkOptions, org: OrgSpec, j: number, packageId: string): ManagedProcess {
  const p = paths(o);
  const tls = p.ccaasTls(org);
  return {
    name: `chaincode-${org.key}`,
    command: process.execPath,
    args: [join(o.repoRoot, 'chaincode', 'dist', 'src', 'server.js')],
    cwd: o.repoRoot,
    env: {
      ...baseEnv(),
      CHAINCODE_ID: packageId,
      CHAINCODE_SERVER_ADDRESS: `${HOST}:${peerPorts(o, j).ccaas}`,
      CHAINCODE_TLS_KEY_FILE: join(tls, 'server.key'),
      CHAINCODE_TLS_CERT_FILE: join(tls, 'server.crt'),
      // the peer presents its own TLS certificate, from the organisation's TLS CA
      CHAINCODE_TLS_CLIENT_CACERT_FILE: p.peerTlsCa(org),
      CORE_CHAINCODE_LOGGING_LEVEL: process.env.CORE_CHAINCODE_LOGGING_LEVEL ?? 'INFO',
    },
  };
}

/** The environment of the peer CLI acting as the organisation's admin against its peer. */
export function adminEnv(o: NetworkOptions, org: OrgSpec, j: number): NodeJS.ProcessEnv {
  const p = paths(o);
  return {
    ...baseEnv(),
    FABRIC_CFG_PATH: p.config,
    FABRIC_LOGGING_SPEC: 'warning',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: join(p.admin(org), 'msp'),
    CORE_PEER_ADDRESS: `${HOST}:${peerPorts(o, j).listen}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: p.peerTlsCa(org),
  };
}

export function osnadminArgs(o: NetworkOptions, i: number): string[] {
  const p = paths(o);
  return ['-o', `${HOST}:${ordererPorts(o, i).admin}`, '--ca-file', p.ordererTlsCa,
    '--client-cert', join(p.ordererAdmin, 'tls', 'client.crt'), '--client-key', join(p.ordererAdmin, 'tls', 'client.key')];
}

export function ordererArgs(o: NetworkOptions): string[] {
  return ['-o', `${HOST}:${ordererPorts(o, 0).listen}`, '--tls', '--cafile', paths(o).ordererTlsCa];
}
