import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context } from 'fabric-contract-api';
import type { TxContext } from './fabric.js';
import { contracts } from './index.js';
import { SimulatedTxContext } from './tx-context.js';
import { ThreatExchangeContract } from './threat-exchange-contract.js';

// Compile-time checks: a peer's Context and the simulated one both are TxContexts.
export const peerContextFits = (ctx: Context): TxContext => ctx;
export const simulatedContextFits = (ctx: SimulatedTxContext): TxContext => ctx;

interface TransactionMetadata { name: string; tag: string[]; parameters: { name: string; schema: { type: string } }[]; returns?: { type: string } }

function transactions(): TransactionMetadata[] {
  const reflect = Reflect as unknown as { getMetadata(key: string, target: object): unknown };
  return reflect.getMetadata('fabric:transactions', ThreatExchangeContract.prototype) as TransactionMetadata[];
}

describe('ThreatExchangeContract as fabric-contract-api sees it', () => {
  it('is the one contract of the chaincode, named ThreatExchange', () => {
    assert.deepEqual(contracts, [ThreatExchangeContract]);
    assert.equal(new ThreatExchangeContract().getName(), 'ThreatExchange');
  });

  it('declares the transactions, submit or evaluate, with string arguments after the context', () => {
    const byName = new Map(transactions().map((t) => [t.name, t]));
    const expected: Record<string, [string, string[]]> = {
      RegisterAgency: ['SUBMIT', ['identityJson']],
      PublishBundle: ['SUBMIT', ['bundleJson']],
      StorePrivateObjects: ['SUBMIT', []],
      PublishBundleWithPrivate: ['SUBMIT', ['bundleJson', 'privateJson']],
      RecordSighting: ['SUBMIT', ['sightingJson']],
      RevokeObject: ['SUBMIT', ['id']],
      ListAgencies: ['EVALUATE', []],
      GetAgency: ['EVALUATE', ['identityId']],
      ReadObject: ['EVALUATE', ['id', 'modified']],
      GetHistory: ['EVALUATE', ['id']],
      GetSightings: ['EVALUATE', ['id']],
      QueryObjects: ['EVALUATE', ['queryJson']],
      AnchorAuditLog: ['SUBMIT', ['anchorJson']],
      ListAuditAnchors: ['EVALUATE', ['mspId']],
    };
    assert.deepEqual([...byName.keys()].sort(), Object.keys(expected).sort());
    for (const [name, [tag, params]] of Object.entries(expected)) {
      const t = byName.get(name);
      assert.ok(t, name);
      assert.equal(t.tag[0], tag, name);
      assert.deepEqual(t.parameters.map((p) => [p.name, p.schema.type]), params.map((p) => [p, 'string']), name);
      assert.deepEqual(t.returns, { type: 'string' }, name);
    }
  });

  it('has no public method besides the transactions and what Contract itself provides', () => {
    const own = Object.getOwnPropertyNames(ThreatExchangeContract.prototype).filter((n) => n !== 'constructor');
    assert.deepEqual(own.sort(), transactions().map((t) => t.name).sort());
  });
});
