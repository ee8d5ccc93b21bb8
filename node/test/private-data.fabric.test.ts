/**
 * Private data by TLP 2.0 on a real Fabric 3.1.5 network (each node through its own agency's peer): pn's TLP:RED
 * object is read by pn, its content is on no other agency's peer (evaluated through pj's peer: NOT_AVAILABLE; the
 * files of pj's, mad's and crm's peers do not contain it) while its hash is on the channel; an AMBER object naming
 * pj reaches pj's peer and read model, not mad's.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ObjectRecord } from '@popart/chaincode';
import { sha256Hex } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import type { Ledger } from '../src/ledger/ledger.js';
import { testNetwork } from './fabric-network.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

const network = testNetwork(Number(process.env.POPART_FABRIC_TEST_PORT_BASE ?? 27000) + 5000);
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';

function filesHolding(dir: string, text: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p, { throwIfNoEntry: false });
      if (s?.isDirectory()) walk(p);
      else if (s?.isFile() && readFileSync(p).includes(text)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

describe('private data by TLP 2.0 on Fabric', { timeout: 600_000 }, () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-private-fabric-');
  const red = indicator(IDENTITIES.pn, 'RED-FABRIC-3c9e informant controller', 'red');
  const amber = alert({ by: IDENTITIES.pn, tlp: 'amber', audience: [IDENTITIES.pj], name: 'AMBER-FABRIC-8d21 for pj' });
  const green = indicator(IDENTITIES.pn, 'GREEN-FABRIC-1a07', 'green');
  /** The node's own ledger adapter (through its agency's peer). */
  const ledgerOf = (key: 'pn' | 'pj' | 'mad' | 'crm'): Ledger => (cluster.nodes[key] as unknown as { ledger: Ledger }).ledger;
  const peerFolder = (key: string): string => join(network.options.home, 'peers', key);

  before(async () => {
    const connection = await network.start();
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: process.env.POPART_TEST_LOG ? 'info' : 'silent', fsync: false, ledger: { kind: 'fabric', connection } });
    const token = await login(cluster.nodes.pn.url, 'pn-analyst');
    const r = await gql<{ publishBundle: { status: string; blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b: bundle(red, amber, green) }, token);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.publishBundle.status, 'COMMITTED');
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(r.data!.publishBundle.blockNumber, 20_000);
  });

  after(async () => {
    await cluster?.stop();
    await network.stop();
    dir.remove();
  });

  test('pn reads its RED object; pj\'s peer answers NOT_AVAILABLE and holds no content on disk; the hash is on the channel', async () => {
    assert.equal((await cluster.nodes.pn.store.get(red.id as string))?.stix.name, red.name);
    for (const key of ['pj', 'mad', 'crm'] as const) assert.equal(await cluster.nodes[key].store.get(red.id as string), undefined, key);
    await assert.rejects(ledgerOf('pj').evaluate('ReadObject', [red.id as string, '']), /not available to your organisation/);
    const history = JSON.parse(await ledgerOf('pj').evaluate('GetHistory', [red.id as string])) as ObjectRecord[];
    assert.equal(history[0]?.hash, sha256Hex(red));
    assert.equal(history[0]?.object.name, undefined);
    for (const key of ['pj', 'mad', 'crm']) assert.deepEqual(filesHolding(peerFolder(key), 'RED-FABRIC-3c9e'), [], `${key}'s peer`);
  });

  test('AMBER naming pj reaches pj\'s peer and read model, not mad\'s; GREEN reaches all', async () => {
    assert.equal((await cluster.nodes.pj.store.get(amber.id as string))?.stix.name, amber.name);
    assert.equal(await cluster.nodes.mad.store.get(amber.id as string), undefined);
    await assert.rejects(ledgerOf('mad').evaluate('ReadObject', [amber.id as string, '']), /not available to your organisation/);
    for (const key of ['mad', 'crm']) assert.deepEqual(filesHolding(peerFolder(key), 'AMBER-FABRIC-8d21'), [], `${key}'s peer`);
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) assert.equal((await cluster.nodes[key].store.get(green.id as string))?.stix.name, green.name, key);
  });
});
