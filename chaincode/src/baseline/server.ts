/**
 * The baseline chaincode of bench/fabric-publish: the least a Fabric transaction can do, one putState per
 * transaction (`put KEY VALUE`), served like the ThreatExchange contract (chaincode as a service, TLS, one server
 * per organisation), so the benchmark compares the contract's cost against Fabric's own on the same network.
 *
 *   CHAINCODE_ID=<package id> CHAINCODE_SERVER_ADDRESS=127.0.0.1:17114 \
 *   CHAINCODE_TLS_KEY_FILE=… CHAINCODE_TLS_CERT_FILE=… CHAINCODE_TLS_CLIENT_CACERT_FILE=… node chaincode/dist/src/baseline/server.js
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Stub {
  getFunctionAndParameters(): { fcn: string; params: string[] };
  putState(key: string, value: Uint8Array): Promise<void>;
  getState(key: string): Promise<Uint8Array>;
}
interface Shim {
  server(chaincode: unknown, opts: object): { start(): Promise<void> };
  success(payload?: Uint8Array): unknown;
  error(message: string): unknown;
}
const shim = require('fabric-shim') as Shim;

const chaincode = {
  async Init(): Promise<unknown> {
    return shim.success();
  },
  async Invoke(stub: Stub): Promise<unknown> {
    const { fcn, params } = stub.getFunctionAndParameters();
    if (fcn === 'put' && params.length === 2) {
      await stub.putState(params[0] as string, Buffer.from(params[1] as string, 'utf8'));
      return shim.success();
    }
    if (fcn === 'get' && params.length === 1) return shim.success(await stub.getState(params[0] as string));
    return shim.error(`baseline: put KEY VALUE or get KEY, not ${fcn}/${params.length}`);
  },
};

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`baseline chaincode server: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const tls = process.env.CHAINCODE_TLS_KEY_FILE
  ? {
    key: readFileSync(env('CHAINCODE_TLS_KEY_FILE')),
    cert: readFileSync(env('CHAINCODE_TLS_CERT_FILE')),
    ...(process.env.CHAINCODE_TLS_CLIENT_CACERT_FILE ? { clientCACerts: readFileSync(process.env.CHAINCODE_TLS_CLIENT_CACERT_FILE) } : {}),
  }
  : undefined;
const address = env('CHAINCODE_SERVER_ADDRESS');
shim.server(chaincode, { ccid: env('CHAINCODE_ID'), address, ...(tls ? { tlsProps: tls } : {}) }).start().then(
  () => console.log(`baseline chaincode server listening on ${address}${tls ? ' (TLS)' : ''}`),
  (error: unknown) => {
    console.error('baseline chaincode server failed:', error);
    process.exit(1);
  },
);
