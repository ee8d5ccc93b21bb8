/**
 * The connection file `up` writes to `<state>/connection.json`: everything a client (the node's FabricLedger
 * adapter, a test) needs to reach the network as any of the four agencies. Paths are absolute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FABRIC_VERSION, HOST, ORDERER_ORG, ORGS, ordererCount, ordererName, ordererPorts, paths, peerPorts, privateCollectionName,
  type NetworkOptions,
} from './options.js';
import { onlyFile } from './artifacts.js';

export interface IdentityFiles {
  /** PEM X.509 certificate (MSP signcert). */
  certPath: string;
  /** PEM PKCS#8 private key. */
  keyPath: string;
}

export interface AgencyConnection {
  key: string;
  mspId: string;
  name: string;
  peer: {
    /** host:port for gRPC (TLS). */
    endpoint: string;
    /** PEM CA certificate that signed the peer's TLS certificate. */
    tlsCACertPath: string;
    /** Name in the peer's TLS certificate (the endpoint's IP is in it too): grpc.ssl_target_name_override. */
    hostnameOverride: string;
    /** Operations endpoint (https, same TLS CA): /healthz, /metrics. */
    operationsUrl: string;
  };
  /** An admin of the organisation (can do everything the org can) and an ordinary client user. */
  admin: IdentityFiles;
  user: IdentityFiles;
  /** The organisation's private data collection (TLP:RED, TLP:AMBER+STRICT content; AMBER copies for it). */
  privateCollection: string;
}

export interface ConnectionFile {
  /** Format version of this file. */
  version: 1;
  fabricVersion: string;
  channel: string;
  chaincode: string;
  /** The contract's name inside the chaincode. */
  contract: string;
  consensus: 'bft' | 'raft';
  /** Endorsement policy of the chaincode, in words. */
  endorsementPolicy: string;
  orderers: { name: string; endpoint: string; tlsCACertPath: string; hostnameOverride: string; adminEndpoint: string }[];
  agencies: Record<string, AgencyConnection>;
}

export function connectionFile(o: NetworkOptions): ConnectionFile {
  const p = paths(o);
  const identity = (dir: string): IdentityFiles => ({
    certPath: onlyFile(join(dir, 'msp', 'signcerts')),
    keyPath: onlyFile(join(dir, 'msp', 'keystore')),
  });
  const agencies: Record<string, AgencyConnection> = {};
  ORGS.forEach((org, j) => {
    const ports = peerPorts(o, j);
    agencies[org.key] = {
      key: org.key,
      mspId: org.mspId,
      name: org.name,
      peer: {
        endpoint: `${HOST}:${ports.listen}`,
        tlsCACertPath: p.peerTlsCa(org),
        hostnameOverride: `peer0.${org.domain}`,
        operationsUrl: `https://${HOST}:${ports.operations}`,
      },
      admin: identity(p.admin(org)),
      user: identity(p.user(org)),
      privateCollection: privateCollectionName(org.mspId),
    };
  });
  return {
    version: 1,
    fabricVersion: FABRIC_VERSION,
    channel: o.channel,
    chaincode: o.chaincodeName,
    contract: 'ThreatExchange',
    consensus: o.consensus,
    endorsementPolicy: `MAJORITY Endorsement: ${Math.floor(ORGS.length / 2) + 1} of the ${ORGS.length} agencies' peers`,
    orderers: Array.from({ length: ordererCount(o) }, (_, i) => ({
      name: ordererName(i),
      endpoint: `${HOST}:${ordererPorts(o, i).listen}`,
      tlsCACertPath: p.ordererTlsCa,
      hostnameOverride: `${ordererName(i)}.${ORDERER_ORG.domain}`,
      adminEndpoint: `${HOST}:${ordererPorts(o, i).admin}`,
    })),
    agencies,
  };
}

/** Reads a connection file written by `network:up`. */
export function readConnectionFile(file: string): ConnectionFile {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ConnectionFile;
  if (parsed.version !== 1) throw new Error(`${file}: connection file version ${String(parsed.version)}, 1 expected`);
  return parsed;
}
