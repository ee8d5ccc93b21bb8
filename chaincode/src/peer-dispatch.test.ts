/**
 * The contract behind fabric-shim's own dispatcher (ChaincodeFromContract), as a peer runs it:
 * function name "ThreatExchange:<Tx>", byte arguments checked against the transaction metadata,
 * a real fabric-contract-api Context with a ClientIdentity parsed from an X.509 creator certificate,
 * and the result or error message returned as a chaincode response.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { parseContractError } from './errors.js';
import { AGENCIES } from './testing.js';
import { contracts } from './index.js';
import { MemoryState, SimulatedStub, type TxInfo } from './tx-context.js';

const require = createRequire(import.meta.url);

interface ChaincodeResponse { status: number; message?: string; payload?: Uint8Array }
interface Dispatcher { Invoke(stub: unknown): Promise<ChaincodeResponse> }
type DispatcherClass = new (contracts: unknown[], serializers: unknown, metadata: object, title: string, version: string) => Dispatcher;

const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as DispatcherClass;
const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };

/** Self-signed test certificate: O=PnMSP, OU=client, CN=analyst1. */
const CREATOR_PEM = `-----BEGIN CERTIFICATE-----
MIIB1zCCAX2gAwIBAgIUYgzIClvIh6waQ350ugmoCBdR65QwCgYIKoZIzj0EAwIw
QTELMAkGA1UEBhMCRVMxDjAMBgNVBAoMBVBuTVNQMQ8wDQYDVQQLDAZjbGllbnQx
ETAPBgNVBAMMCGFuYWx5c3QxMB4XDTI2MTEyNDE1MDcwNloXDTM2MTEyMTE1MDcw
NlowQTELMAkGA1UEBhMCRVMxDjAMBgNVBAoMBVBuTVNQMQ8wDQYDVQQLDAZjbGll
bnQxETAPBgNVBAMMCGFuYWx5c3QxMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
gzmaPvGbqTjZSsay7YKG+yLVT/H+NN+rsKP4sqBUxt3SGZgYdQzVIWObY0GjORj5
6HKfK8KEqLXtti9s+qzbZqNTMFEwHQYDVR0OBBYEFKrIg5GFNdSxDSaWyo78v279
bdRwMB8GA1UdIwQYMBaAFKrIg5GFNdSxDSaWyo78v279bdRwMA8GA1UdEwEB/wQF
MAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAKwuHG0fXftLphIm136a9UZJ2NEl+QV6
AEcpKpcQ4xF9AiBxCJQi4LNBS1eN2lB0M2f1qqO/YTobd8U/og9GoZYFig==
-----END CERTIFICATE-----
`;

/** The simulated stub plus what fabric-shim's dispatcher reads from a peer's stub. */
class PeerLikeStub extends SimulatedStub {
  constructor(state: MemoryState, private readonly info: TxInfo, private readonly call: readonly string[]) {
    super(state, info);
  }
  getBufferArgs(): Buffer[] { return this.call.map((a) => Buffer.from(a, 'utf8')); }
  getChannelID(): string { return 'popart'; }
  getCreator(): { mspid: string; idBytes: Uint8Array } { return { mspid: this.info.mspId, idBytes: Buffer.from(CREATOR_PEM) }; }
  /** On a peer `seconds` is a Long, not a number. */
  override getTxTimestamp(): { seconds: number; nanos: number } {
    const { seconds, nanos } = super.getTxTimestamp();
    const long = { low: seconds, high: 0, unsigned: true, toString: () => String(seconds), toNumber: () => seconds };
    return { seconds: long as unknown as number, nanos };
  }
}

const dispatcher = new ChaincodeFromContract(contracts, { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } }, {}, 'popart', '0.1.0');

async function invoke(state: MemoryState, mspId: string, fn: string, args: string[]): Promise<{ response: ChaincodeResponse; stub: PeerLikeStub }> {
  const info: TxInfo = { txId: 'peer-tx-1', timestamp: new Date('2025-01-01T00:00:00.000Z'), mspId, clientId: '' };
  const stub = new PeerLikeStub(state, info, [`ThreatExchange:${fn}`, ...args]);
  return { response: await dispatcher.Invoke(stub), stub };
}

describe('the contract under fabric-shim\'s dispatcher', () => {
  it('runs a submit transaction and returns its JSON result as the payload', async () => {
    const state = new MemoryState();
    const { response, stub } = await invoke(state, 'PnMSP', 'RegisterAgency', [JSON.stringify(AGENCIES.pn.identity)]);
    assert.equal(response.status, 200, response.message);
    const receipt = JSON.parse(Buffer.from(response.payload ?? []).toString('utf8')) as { txId: string; agency: { registered_at: string } };
    assert.equal(receipt.txId, 'peer-tx-1');
    assert.equal(receipt.agency.registered_at, '2025-01-01T00:00:00.000Z');
    state.apply(stub.rwSet().writes, '1:0');

    const list = await invoke(state, 'PjMSP', 'ListAgencies', []);
    assert.equal(list.response.status, 200, list.response.message);
    assert.equal((JSON.parse(Buffer.from(list.response.payload ?? []).toString('utf8')) as unknown[]).length, 1);
  });

  it('returns a contract error as a parseable message, with nothing written', async () => {
    const { response, stub } = await invoke(new MemoryState(), 'PnMSP', 'PublishBundle', ['{"type":"bundle"']);
    assert.equal(response.status, 500);
    assert.equal(parseContractError(response.message ?? '')?.code, 'UNKNOWN_AGENCY');
    assert.deepEqual(stub.rwSet().writes, []);
  });

  it('takes ReadObject with both arguments, as a peer requires', async () => {
    const state = new MemoryState();
    const missing = await invoke(state, 'PnMSP', 'ReadObject', ['indicator--00000000-0000-4000-8000-000000000000', '']);
    assert.equal(parseContractError(missing.response.message ?? '')?.code, 'NOT_FOUND');
    const oneArg = await invoke(state, 'PnMSP', 'ReadObject', ['indicator--00000000-0000-4000-8000-000000000000']);
    assert.equal(oneArg.response.status, 500);
    assert.match(oneArg.response.message ?? '', /Expected 2 parameters/);
  });
});
