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
import { AGENCIES, bundleJson, indicatorFixture } from './testing.js';
import { TLP } from '@popart/schemas';
import { contracts } from './index.js';
import { MemoryPrivateState, MemoryState, SimulatedStub, type TxInfo } from './tx-context.js';

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
  constructor(state: MemoryState, private readonly info: TxInfo, private readonly call: readonly string[], privateState?: MemoryPrivateState) {
    super(state, info, privateState);
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

async function invoke(
  state: MemoryState, mspId: string, fn: string, args: string[], extra: { transient?: Record<string, string>; privateState?: MemoryPrivateState } = {},
): Promise<{ response: ChaincodeResponse; stub: PeerLikeStub }> {
  const info: TxInfo = { txId: 'peer-tx-1', timestamp: new Date('2025-01-01T00:00:00.000Z'), mspId, clientId: '' };
  if (extra.transient) info.transient = new Map(Object.entries(extra.transient).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
  const stub = new PeerLikeStub(state, info, [`ThreatExchange:${fn}`, ...args], extra.privateState);
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

  it('runs the private data transactions: transient in, private writes out, content read back by the member only', async () => {
    const state = new MemoryState();
    const privateState = MemoryPrivateState.perOrganisation(['PnMSP', 'PjMSP']);
    for (const a of [AGENCIES.pn, AGENCIES.pj]) {
      const { response, stub } = await invoke(state, a.mspId, 'RegisterAgency', [JSON.stringify(a.identity)]);
      assert.equal(response.status, 200, response.message);
      state.apply(stub.rwSet().writes, `1:${a.mspId}`);
    }
    const red = { ...indicatorFixture({ uuid: '9b1e0a7b-9c6d-4e5f-8a1b-0c9d8e7f6a01', createdBy: AGENCIES.pn.identity.id, created: '2024-12-31T00:00:00.000Z' }), object_marking_refs: [TLP.red.id] };
    const store = await invoke(state, 'PnMSP', 'StorePrivateObjects', [], { transient: { bundle: bundleJson([red]) }, privateState });
    assert.equal(store.response.status, 200, store.response.message);
    state.apply(store.stub.rwSet().writes, '2:0');
    privateState.apply(store.stub.rwSet().privateWrites);
    const { entries } = JSON.parse(Buffer.from(store.response.payload ?? []).toString('utf8')) as { entries: unknown[] };
    const publish = await invoke(state, 'PnMSP', 'PublishBundleWithPrivate', ['', JSON.stringify(entries)], { privateState });
    assert.equal(publish.response.status, 200, publish.response.message);
    state.apply(publish.stub.rwSet().writes, '3:0');
    const own = await invoke(state, 'PnMSP', 'ReadObject', [red.id, ''], { privateState });
    assert.equal(own.response.status, 200, own.response.message);
    const other = await invoke(state, 'PjMSP', 'ReadObject', [red.id, ''], { privateState });
    assert.equal(parseContractError(other.response.message ?? '')?.code, 'NOT_AVAILABLE');
  });
});
