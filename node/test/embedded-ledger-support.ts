/** Shared fakes for the embedded ledger's tests: a tiny key/value contract, org keys, temp dirs, proposals. */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulatedTxContext } from '@popart/chaincode';
import { parseDerSignature } from '../src/keys/ecdsa.js';
import { EmbeddedLedger, type EmbeddedLedgerOptions } from '../src/ledger/embedded/embedded-ledger.js';
import { signProposal, type OrgMembership, type SignedProposal } from '../src/ledger/embedded/proposal.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A key/value contract: enough to exercise reads, writes, deletes, ranges, events, errors and hooks. */
export class KvContract {
  readonly hooks: string[] = [];
  async beforeTransaction(ctx: SimulatedTxContext): Promise<void> { this.hooks.push(`before:${ctx.stub.getTxID()}`); }
  async afterTransaction(ctx: SimulatedTxContext, result: unknown): Promise<void> { this.hooks.push(`after:${String(result)}`); }
  async put(ctx: SimulatedTxContext, key: string, value: string): Promise<string> {
    await ctx.stub.putState(key, enc.encode(value));
    return `stored ${key}`;
  }
  async get(ctx: SimulatedTxContext, key: string): Promise<string> { return dec.decode(await ctx.stub.getState(key)); }
  async del(ctx: SimulatedTxContext, key: string): Promise<string> {
    await ctx.stub.deleteState(key);
    return 'deleted';
  }
  /** Reads then writes a counter (its read version is checked on replay). */
  async incr(ctx: SimulatedTxContext, key: string): Promise<string> {
    const n = Number(dec.decode(await ctx.stub.getState(key)) || '0') + 1;
    await ctx.stub.putState(key, enc.encode(String(n)));
    return String(n);
  }
  async announce(ctx: SimulatedTxContext, key: string, value: string): Promise<string> {
    await ctx.stub.putState(key, enc.encode(value));
    ctx.stub.setEvent('announced', enc.encode(JSON.stringify({ key, value })));
    return 'announced';
  }
  /** Keys in [start, end) in order, as JSON. */
  async list(ctx: SimulatedTxContext, start: string, end: string): Promise<string> {
    const keys: string[] = [];
    for await (const row of await ctx.stub.getStateByRange(start, end)) keys.push(row.key);
    return JSON.stringify(keys);
  }
  async secret(ctx: SimulatedTxContext, key: string): Promise<string> {
    const value = ctx.stub.getTransient().get('secret') ?? new Uint8Array(0);
    await ctx.stub.putState(key, enc.encode(`length ${value.length}`));
    return 'kept';
  }
  /** Private data: the transient 'secret' into a collection (only its hash in the block). */
  async keepPrivate(ctx: SimulatedTxContext, collection: string, key: string): Promise<string> {
    await ctx.stub.putPrivateData(collection, key, ctx.stub.getTransient().get('secret') ?? new Uint8Array(0));
    return 'kept';
  }
  async readPrivate(ctx: SimulatedTxContext, collection: string, key: string): Promise<string> {
    return dec.decode(await ctx.stub.getPrivateData(collection, key));
  }
  async privateHash(ctx: SimulatedTxContext, collection: string, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getPrivateDataHash(collection, key)).toString('hex');
  }
  async fail(_ctx: SimulatedTxContext): Promise<string> { throw new Error('refused by the contract'); }
  async putThenFail(ctx: SimulatedTxContext, key: string): Promise<string> {
    await ctx.stub.putState(key, enc.encode('never'));
    throw new RangeError(`cannot store ${key}`);
  }
  async _helper(): Promise<string> { return 'not a transaction'; }
}

export interface TestOrg extends OrgMembership { privateKey: KeyObject }

export function makeOrg(mspId: string): TestOrg {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { mspId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

/** Orgs are costly to generate: the tests share one set. */
export const ORGS = { pn: makeOrg('PnMSP'), pj: makeOrg('PjMSP'), mad: makeOrg('MadMSP'), crm: makeOrg('CrmMSP') };
export const MEMBERS: OrgMembership[] = Object.values(ORGS).map(({ mspId, publicKeyPem }) => ({ mspId, publicKeyPem }));

export function proposal(org: TestOrg, fn: string, args: string[], extra: { timestamp?: string; txId?: string; transient?: Record<string, string> } = {}): SignedProposal {
  const signed = signProposal({
    txId: extra.txId ?? randomUUID(), mspId: org.mspId, clientId: `x509::CN=${org.mspId}-node`,
    timestamp: extra.timestamp ?? new Date().toISOString(), fn, args,
  }, org.privateKey);
  return extra.transient ? { ...signed, transient: extra.transient } : signed;
}

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'popart-ledger-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function openLedger(dir: string, opts: Partial<EmbeddedLedgerOptions> = {}): Promise<EmbeddedLedger> {
  return EmbeddedLedger.open({ dir, orgs: MEMBERS, contract: new KvContract(), fsync: false, ...opts });
}

export async function collect<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count <= 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function derInt(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** The same signature with S replaced by N - S: equally valid for plain ECDSA, refused by Fabric. */
export function highS(signatureB64: string): string {
  const { r, s } = parseDerSignature(Buffer.from(signatureB64, 'base64'));
  const body = Buffer.concat([derInt(r), derInt(P256_N - s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64');
}

