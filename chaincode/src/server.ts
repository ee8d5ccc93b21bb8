/**
 * The ThreatExchange contract as a chaincode service (Fabric "chaincode as a service"): the peer connects to
 * this process, instead of launching the chaincode itself. Run one per organisation:
 *
 *   CHAINCODE_ID=<package id> CHAINCODE_SERVER_ADDRESS=127.0.0.1:17113 node chaincode/dist/src/server.js
 *
 * With CHAINCODE_TLS_KEY_FILE and CHAINCODE_TLS_CERT_FILE (PEM) the server speaks TLS; with
 * CHAINCODE_TLS_CLIENT_CACERT_FILE as well it requires the peer's client certificate from that CA.
 * This is what fabric-chaincode-node's `server` command does, minus its CommonJS module loading: the
 * contract is imported here, so the ESM build runs as is.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { contracts } from './index.js';

const require = createRequire(import.meta.url);

interface ChaincodeServer { start(): Promise<void> }
interface Shim { server(chaincode: unknown, opts: object): ChaincodeServer }
type ChaincodeFromContractClass = new (contracts: unknown[], serializers: unknown, metadata: object, title: string, version: string) => unknown;

const shim = require('fabric-shim') as Shim;
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContractClass;
const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`chaincode server: ${name} is not set (CHAINCODE_ID=<package id>, CHAINCODE_SERVER_ADDRESS=<host:port>)`);
    process.exit(2);
  }
  return value;
}

function tlsProps(): object | undefined {
  const keyFile = process.env.CHAINCODE_TLS_KEY_FILE;
  const certFile = process.env.CHAINCODE_TLS_CERT_FILE;
  if (!keyFile && !certFile) return undefined;
  if (!keyFile || !certFile) {
    console.error('chaincode server: CHAINCODE_TLS_KEY_FILE and CHAINCODE_TLS_CERT_FILE go together');
    process.exit(2);
  }
  const clientCa = process.env.CHAINCODE_TLS_CLIENT_CACERT_FILE;
  return {
    key: readFileSync(keyFile),
    cert: readFileSync(certFile),
    ...(clientCa ? { clientCACerts: readFileSync(clientCa) } : {}),
  };
}

/** Fabric peers' default gRPC message limit (core.yaml peer.maxRecvMsgSize / maxSendMsgSize). */
const PEER_MESSAGE_BYTES = 100 * 1024 * 1024;

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log('Usage: CHAINCODE_ID=<id> CHAINCODE_SERVER_ADDRESS=<host:port> [CHAINCODE_TLS_KEY_FILE=… CHAINCODE_TLS_CERT_FILE=… '
      + '[CHAINCODE_TLS_CLIENT_CACERT_FILE=…]] node chaincode/dist/src/server.js\nServes the ThreatExchange contract to Fabric peers (chaincode as a service).');
    return;
  }
  const ccid = required('CHAINCODE_ID');
  const address = required('CHAINCODE_SERVER_ADDRESS');
  const tls = tlsProps();
  const chaincode = new ChaincodeFromContract(
    contracts, { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } }, {}, 'popart-threat-exchange', '0.1.0',
  );
  // gRPC's default 4 MiB per message would cut the stream on a bundle the content limits accept (up to
  // CONTENT_LIMITS.maxRequestBytes as an argument) or on a long history: the peer's own limit (100 MiB) applies instead.
  const messageLimit = { 'grpc.max_receive_message_length': PEER_MESSAGE_BYTES, 'grpc.max_send_message_length': PEER_MESSAGE_BYTES };
  const server = shim.server(chaincode, { ccid, address, ...messageLimit, ...(tls ? { tlsProps: tls } : {}) });
  await server.start();
  console.log(`chaincode server: ${ccid} listening on ${address}${tls ? ' (TLS)' : ''}`);
}

main().catch((error: unknown) => {
  console.error('chaincode server failed:', error);
  process.exit(1);
});
