/**
 * The node's adapter for Hyperledger Fabric, through the Fabric Gateway (@hyperledger/fabric-gateway 1.11)
 * of the agency's own peer.
 *
 * - Deadlines per call kind (evaluate, endorse, submit, commit status, block events).
 * - A submit is checked by transaction id before it is called failed: with BFT ordering the gateway sends a
 *   transaction to every orderer, and an orderer that already ordered it can answer "request already
 *   processed", so a SubmitError may hide a committed transaction (../shared/fabric/README.md).
 * - Blocks come from the peer's block event service as whole blocks, parsed here into the port's LedgerBlock
 *   (chaincode events of valid transactions only), so the listener keeps its own checkpoint (the read model's)
 *   and a restart resumes from the block after it: nothing missed, nothing applied twice.
 * - Errors are mapped once, here: the contract's error text is in EndorseError.details[i].message for submits
 *   and in the message for evaluations; both become the same NodeError as on the embedded ledger.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  connect, GatewayError, hash, signers, type Contract, type Gateway, type Network, type Signer,
} from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, msp, peer } from '@hyperledger/fabric-protos';
import { LedgerUnavailable, NodeError } from '../errors.js';
import type { Ledger, LedgerBlock, LedgerEvent, SubmitOptions, SubmitResult } from './ledger.js';
import { mapLedgerError } from './map-error.js';

/** What the adapter needs to reach the network as one agency (from network-config's connection file). */
export interface FabricConnection {
  mspId: string;
  channel: string;
  chaincode: string;
  contract: string;
  peer: { endpoint: string; tlsCACertPath: string; hostnameOverride: string };
  /** PEM certificate of the identity the node signs as. */
  certificate: string;
  /** Signs a SHA-256 digest (DER ECDSA, low S); from a private key, or the key service (vault transit). */
  signer: Signer;
  /** Whether `signer` hashes the message itself (then it is given the message, not the digest). */
  signerHashes?: boolean;
}

/** Deadlines, in milliseconds, per call kind. */
export interface FabricDeadlines {
  evaluate: number;
  endorse: number;
  submit: number;
  commitStatus: number;
}

const DEFAULT_DEADLINES: FabricDeadlines = { evaluate: 10_000, endorse: 20_000, submit: 10_000, commitStatus: 60_000 };

function validationCodeName(code: number): string {
  return Object.entries(peer.TxValidationCode).find(([, v]) => v === code)?.[0] ?? 'unknown';
}

/** A transaction committed as invalid: a read conflict with a concurrent one may pass when tried again, the rest not. */
function invalidTransaction(txId: string, code: number): NodeError {
  const message = `transaction ${txId} was committed as invalid: validation code ${code} (${validationCodeName(code)})`;
  return code === peer.TxValidationCode.MVCC_READ_CONFLICT || code === peer.TxValidationCode.PHANTOM_READ_CONFLICT
    ? new LedgerUnavailable(message) : new NodeError('INTERNAL', message);
}

const after = (ms: number): grpc.CallOptions => ({ deadline: Date.now() + ms });

/** gRPC codes that mean "the network is not reachable now", as opposed to "the transaction is refused". */
const UNAVAILABLE_CODES = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED, grpc.status.RESOURCE_EXHAUSTED]);

/** The contract's error text: for a submit in the details of the peers that refused it, for an evaluation in the message. */
function contractText(err: GatewayError): string {
  const details = err.details.map((d) => d.message).filter((m) => m.includes('[popart:'));
  return details[0] ?? err.details[0]?.message ?? err.message;
}

/** Maps a gateway error to the node's errors (once, here). */
export function mapFabricError(err: unknown, what: string): NodeError {
  if (err instanceof NodeError) return err;
  if (err instanceof GatewayError) {
    const mapped = mapLedgerError(new Error(contractText(err)));
    if (mapped.code !== 'INTERNAL') return mapped;
    // Not the contract refusing the content: the network could not take the transaction now (a peer or the chaincode
    // server down, gossip not complete, ordering failed). The caller may retry; the outbox does.
    const detail = err.details.map((d) => `${d.mspId ?? ''}@${d.address}: ${d.message}`).join('; ');
    return new LedgerUnavailable(`Fabric ${what}: ${err.message}${detail ? ` (${detail})` : ''}`, err);
  }
  const e = err as { code?: unknown; message?: string };
  if (typeof e.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return new LedgerUnavailable(`Fabric ${what}: ${e.message ?? ''}`, err);
  return mapLedgerError(err);
}

/** Creates the gRPC client and the gateway connection. The seam tests replace. */
export type FabricConnector = (c: FabricConnection) => { client: grpc.Client; gateway: Gateway };

export const connectToPeer: FabricConnector = (c) => {
  const tls = grpc.credentials.createSsl(readFileSync(c.peer.tlsCACertPath));
  const client = new grpc.Client(c.peer.endpoint, tls, {
    'grpc.ssl_target_name_override': c.peer.hostnameOverride,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  const gateway = connect({
    client,
    identity: { mspId: c.mspId, credentials: Buffer.from(c.certificate) },
    signer: c.signer,
    hash: c.signerHashes ? hash.none : hash.sha256,
  });
  return { client, gateway };
};

/** A signer from a PEM PKCS#8 private key file (cryptogen's, or one the agency's CA issued a certificate for). */
export function privateKeySigner(keyPath: string): Signer {
  return signers.newPrivateKeySigner(createPrivateKey(readFileSync(keyPath)));
}

export class FabricLedger implements Ledger {
  readonly kind = 'fabric' as const;
  private network: Network;
  private contract: Contract;
  private qscc: Contract;
  private closed = false;

  private constructor(
    private c: FabricConnection,
    private readonly client: grpc.Client,
    private gateway: Gateway,
    private readonly deadlines: FabricDeadlines,
  ) {
    this.network = gateway.getNetwork(c.channel);
    this.contract = this.network.getContract(c.chaincode, c.contract);
    this.qscc = this.network.getContract('qscc');
  }

  /** The PEM certificate the node currently signs as. */
  get certificate(): string {
    return this.c.certificate;
  }

  /**
   * Signs as another identity of the same organisation from now on (key rotation, certificate renewal): certificate
   * and signer are switched together, on the same gRPC connection. Transactions already under way keep the identity
   * they were created with (their proposal and envelope are signed by the signer they started with), so they stay
   * valid; the block event stream already open is not interrupted.
   */
  switchIdentity(identity: { certificate: string; signer: Signer; signerHashes?: boolean }): void {
    this.live();
    const c: FabricConnection = { ...this.c, certificate: identity.certificate, signer: identity.signer, signerHashes: identity.signerHashes ?? false };
    const gateway = connect({
      client: this.client,
      identity: { mspId: c.mspId, credentials: Buffer.from(c.certificate) },
      signer: c.signer,
      hash: c.signerHashes ? hash.none : hash.sha256,
    });
    const network = gateway.getNetwork(c.channel);
    this.c = c;
    this.gateway = gateway;
    this.network = network;
    this.contract = network.getContract(c.chaincode, c.contract);
    this.qscc = network.getContract('qscc');
  }

  static connect(c: FabricConnection, options: { deadlines?: Partial<FabricDeadlines>; connector?: FabricConnector } = {}): FabricLedger {
    const { client, gateway } = (options.connector ?? connectToPeer)(c);
    return new FabricLedger(c, client, gateway, { ...DEFAULT_DEADLINES, ...options.deadlines });
  }

  private live(): void {
    if (this.closed) throw new LedgerUnavailable('the Fabric connection is closed');
  }

  async submit(fn: string, args: string[], options: SubmitOptions = {}): Promise<SubmitResult> {
    this.live();
    const transient = options.transient
      ? Object.fromEntries(Object.entries(options.transient).map(([k, v]) => [k, Buffer.from(v, 'utf8')]))
      : undefined;
    let txId = '';
    try {
      const proposal = this.contract.newProposal(fn, {
        arguments: args,
        ...(transient ? { transientData: transient } : {}),
        ...(options.endorsingOrganizations ? { endorsingOrganizations: options.endorsingOrganizations } : {}),
      });
      txId = proposal.getTransactionId();
      const transaction = await proposal.endorse(after(this.deadlines.endorse));
      const result = Buffer.from(transaction.getResult()).toString('utf8');
      let blockNumber: number;
      try {
        const submitted = await transaction.submit(after(this.deadlines.submit));
        const status = await submitted.getStatus(after(this.deadlines.commitStatus));
        if (!status.successful) throw invalidTransaction(txId, status.code);
        blockNumber = Number(status.blockNumber);
      } catch (err) {
        if (err instanceof NodeError) throw err;
        // A BFT orderer may refuse a transaction another orderer already took: ask the peer before failing.
        const status = await this.commitStatus(txId).catch(() => null);
        if (!status) throw err;
        if (!status.successful) throw invalidTransaction(txId, status.code);
        blockNumber = status.blockNumber;
      }
      return { txId, blockNumber, result };
    } catch (err) {
      throw mapFabricError(err, `${fn} (transaction ${txId || 'not created'})`);
    }
  }

  /**
   * The commit status of a transaction by its id, waiting for it up to the commit deadline; null when the peer
   * does not know it by then (it was not ordered).
   */
  async commitStatus(txId: string, waitMs = 3_000): Promise<{ successful: boolean; code: number; blockNumber: number } | null> {
    const request = new gatewayProtos.CommitStatusRequest();
    request.setTransactionId(txId);
    request.setChannelId(this.c.channel);
    const identity = new msp.SerializedIdentity();
    identity.setMspid(this.c.mspId);
    identity.setIdBytes(Buffer.from(this.c.certificate));
    request.setIdentity(identity.serializeBinary());
    const signed = new gatewayProtos.SignedCommitStatusRequest();
    signed.setRequest(request.serializeBinary());
    try {
      const status = await this.gateway.newCommit(signed.serializeBinary()).getStatus(after(waitMs));
      return { successful: status.successful, code: status.code, blockNumber: Number(status.blockNumber) };
    } catch (err) {
      if (err instanceof GatewayError && err.code === grpc.status.DEADLINE_EXCEEDED) return null;
      throw err;
    }
  }

  async evaluate(fn: string, args: string[]): Promise<string> {
    this.live();
    try {
      const bytes = await this.contract.evaluate(fn, { arguments: args });
      return Buffer.from(bytes).toString('utf8');
    } catch (err) {
      throw mapFabricError(err, `evaluate ${fn}`);
    }
  }

  async height(): Promise<number> {
    this.live();
    try {
      const bytes = await this.qscc.evaluate('GetChainInfo', { arguments: [this.c.channel] });
      return Number(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
    } catch (err) {
      throw mapFabricError(err, 'GetChainInfo');
    }
  }

  blocks(fromBlock: number): AsyncIterable<LedgerBlock> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<LedgerBlock> => {
        let source: Awaited<ReturnType<Network['getBlockEvents']>> | null = null;
        let iterator: AsyncIterator<common.Block> | null = null;
        let stopped = false;
        return {
          next: async () => {
            if (stopped || this.closed) return { done: true, value: undefined };
            try {
              if (!iterator) {
                source = await this.network.getBlockEvents({ startBlock: BigInt(Math.max(0, fromBlock)) });
                iterator = source[Symbol.asyncIterator]();
              }
              const r = await iterator.next();
              if (r.done || stopped) return { done: true, value: undefined };
              return { done: false, value: ledgerBlockOf(r.value) };
            } catch (err) {
              if (stopped || this.closed) return { done: true, value: undefined };
              throw mapFabricError(err, 'block events');
            }
          },
          return: async () => {
            stopped = true;
            source?.close();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gateway.close();
    this.client.close();
  }
}

const ENDORSER_TRANSACTION = common.HeaderType.ENDORSER_TRANSACTION;
const TRANSACTIONS_FILTER = common.BlockMetadataIndex.TRANSACTIONS_FILTER;

/** The chaincode events of a block's valid transactions, as the port's LedgerBlock. */
export function ledgerBlockOf(block: common.Block): LedgerBlock {
  const number = Number(block.getHeader()?.getNumber() ?? 0);
  const flags = block.getMetadata()?.getMetadataList_asU8()[TRANSACTIONS_FILTER] ?? new Uint8Array();
  const events: LedgerEvent[] = [];
  (block.getData()?.getDataList_asU8() ?? []).forEach((envelopeBytes, txIndex) => {
    if (flags[txIndex] !== peer.TxValidationCode.VALID) return;
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
    const header = payload.getHeader();
    if (!header) return;
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    if (channelHeader.getType() !== ENDORSER_TRANSACTION) return;
    const creator = msp.SerializedIdentity.deserializeBinary(common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8());
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    for (const action of transaction.getActionsList()) {
      const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
      if (!endorsed) continue;
      const response = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
      const chaincodeAction = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
      const eventBytes = chaincodeAction.getEvents_asU8();
      if (eventBytes.length === 0) continue;
      const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
      events.push({
        blockNumber: number,
        txIndex,
        txId: channelHeader.getTxId(),
        mspId: creator.getMspid(),
        name: event.getEventName(),
        payload: event.getPayload_asU8(),
        // The committing peer checked the creator's signature and the endorsement policy: only valid transactions get here.
        signatureVerified: true,
      });
    }
  });
  return { number, events };
}

/** The parts of network-config's connection file (format version 1) the node reads. */
interface ConnectionFileV1 {
  version: number;
  channel: string;
  chaincode: string;
  contract: string;
  agencies: Record<string, {
    mspId: string;
    peer: { endpoint: string; tlsCACertPath: string; hostnameOverride: string };
    user: { certPath: string; keyPath: string };
  }>;
}

/**
 * The connection of one agency from a connection file, signing with a private key file: the agency's client user
 * in the file, or the given identity (a certificate file or PEM, with a key file or a signer such as the vault's).
 * Every problem names the file and what is missing.
 */
export function fabricConnectionFromFile(
  path: string, agencyKey: string,
  identity?: { certPath?: string; certificate?: string; keyPath?: string; signer?: Signer; signerHashes?: boolean },
): FabricConnection {
  let file: ConnectionFileV1;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ConnectionFileV1;
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `ledger.connection: cannot read the Fabric connection file ${path} (${(err as Error).message}); bring the network up with \`npm run network:up\`, which writes it`, { cause: err });
  }
  if (file.version !== 1) throw new NodeError('CONFIG_INVALID', `ledger.connection: ${path} has format version ${String(file.version)}, this node reads version 1`);
  const agency = file.agencies?.[agencyKey];
  if (!agency) throw new NodeError('CONFIG_INVALID', `ledger.connection: ${path} has no agency "${agencyKey}" (it has ${Object.keys(file.agencies ?? {}).join(', ')})`);
  const certPath = identity?.certPath ?? agency.user.certPath;
  const signer = identity?.signer ?? privateKeySigner(identity?.keyPath ?? agency.user.keyPath);
  return {
    mspId: agency.mspId, channel: file.channel, chaincode: file.chaincode, contract: file.contract, peer: agency.peer,
    certificate: identity?.certificate ?? readFileSync(certPath, 'utf8'), signer, ...(identity?.signerHashes ? { signerHashes: true } : {}),
  };
}
