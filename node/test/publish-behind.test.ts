/**
 * A publish whose block this node's read model has not applied in time: the bundle is on the ledger, so the answer is
 * COMMITTED (not an error that would make the user publish it again), nothing goes to the outbox, the other agencies
 * get it, and the node's own read model has it once its listener catches up. (bench/read-scale met this at 100,000
 * objects: publishes failed with "block N not applied within 10000 ms" for bundles that were committed.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, tempDir, until } from './support.js';
import { bundle, IDENTITIES, indicator } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber ids } }';

describe('publishing while the node\'s own read model is behind the ledger', () => {
  const dir = tempDir('popart-behind-');
  let cluster: DemoCluster;
  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
  });
  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('the answer is COMMITTED with the block, the outbox stays empty, pn gets it, and pj\'s read model has it once its listener runs again', async () => {
    const pj = cluster.nodes.pj;
    const token = await login(pj.url, 'pj-analyst');
    await pj.listener.stop();
    pj.services.publisher.visibleWithinMs = 300;
    const object = indicator(IDENTITIES.pj, 'Published while the read model was stopped');
    const started = Date.now();
    const r = await gql<{ publishBundle: { status: string; blockNumber: number; ids: string[] } }>(pj.url, PUBLISH, { b: bundle(object) }, token);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.publishBundle.status, 'COMMITTED');
    assert.ok(r.data!.publishBundle.blockNumber > pj.listener.height(), 'pj\'s read model has not applied the block');
    assert.ok(Date.now() - started >= 300, 'it waited for the read model first');
    assert.equal(await pj.store.get(String(object.id)), undefined, 'not in pj\'s read model yet');
    assert.deepEqual(await pj.outbox.entries(), [], 'nothing queued: the bundle is committed, not to be submitted again');
    await until('pn has the object', async () => cluster.nodes.pn.store.get(String(object.id)));

    await pj.listener.start();
    const row = await until('pj has it after catching up', async () => pj.store.get(String(object.id)));
    assert.equal(row.id, object.id);
  });
});
