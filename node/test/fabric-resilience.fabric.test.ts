/**
 * The federation on a real Fabric network when parts of it fail: an orderer stopped (a follower, then the
 * leader), the pj peer stopped while pn publishes, a node that died between the ledger's commit and recording it,
 * and a BFT submit error for a transaction that was in fact committed. Nothing is lost, nothing appears twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canonicalJson } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { fabricConnectionFromFile, FabricLedger, connectToPeer, type FabricConnector } from '../src/ledger/fabric-ledger.js';
import { testNetwork } from './fabric-network.js';
import { gql, login, tempDir, until } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber transactionId } }';
const HISTORY = 'query($id: ID!) { threat(id: $id) { id history { modified transactionId } } }';

const network = testNetwork(Number(process.env.POPART_FABRIC_TEST_PORT_BASE ?? 27000) + 2000);


describe('the federation on Fabric when parts fail', { timeout: 600_000 }, () => {
  let cluster: DemoCluster;
  let connection: string;
  const dir = tempDir('popart-fabric-resilience-');
  const tokens: Record<string, string> = {};

  before(async () => {
    connection = await network.start();
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false, ledger: { kind: 'fabric', connection } });
    tokens.pn = await login(cluster.nodes.pn.url, 'pn-analyst');
    tokens.pj = await login(cluster.nodes.pj.url, 'pj-analyst');
  });

  after(async () => {
    await cluster?.stop();
    await network.stop();
    dir.remove();
  });

  async function publish(name: string): Promise<{ id: string; blockNumber: number }> {
    const a = alert({ by: IDENTITIES.pn, name });
    const r = await gql<{ publishBundle: { status: string; blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b: bundle(a) }, tokens.pn);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data?.publishBundle.status, 'COMMITTED', `${name}: ${JSON.stringify(r.data)}`);
    return { id: String(a.id), blockNumber: r.data!.publishBundle.blockNumber };
  }

  async function seenOnceBy(key: 'pj' | 'mad' | 'crm', id: string): Promise<void> {
    const row = await until(`${key} holds ${id}`, () => cluster.nodes[key].store.get(id), 60_000);
    assert.equal(row.id, id);
    assert.equal((await cluster.nodes[key].store.versions(id)).length, 1, `${key} holds ${id} once, in one version`);
  }

  for (const [role, orderer] of [['a follower', 'orderer3'], ['the leader', 'orderer1']] as const) {
    test(`with one of the four orderers stopped (${role}, ${orderer}), publishing goes on`, async () => {
      await network.stopProcess(orderer);
      try {
        const published = [];
        for (let i = 0; i < 3; i++) published.push(await publish(`During the ${orderer} outage #${i}`));
        for (const p of published) await seenOnceBy('pj', p.id);
      } finally {
        await network.restart();
      }
    });
  }

  test('pj\'s peer stopped while pn publishes: when it is back, pj\'s node shows every object exactly once', async () => {
    await network.stopProcess('peer-pj');
    const published = [];
    try {
      for (let i = 0; i < 5; i++) published.push(await publish(`While pj's peer is down #${i}`));
    } finally {
      await network.restart();
    }
    for (const p of published) await seenOnceBy('pj', p.id);
    const status = await cluster.nodes.pj.listener.status();
    assert.equal(status.quarantined, 0);
    const ids = await gql<{ threats: { edges: { node: { id: string } }[] } }>(cluster.nodes.pj.url,
      'query { threats(first: 200, purpose: "resilience test") { edges { node { id } } } }', {}, tokens.pj);
    const listed = ids.data!.threats.edges.map((e) => e.node.id);
    assert.equal(new Set(listed).size, listed.length, 'no object listed twice');
    for (const p of published) assert.ok(listed.includes(p.id));
  });

  test('a node that died between the commit and recording it: its outbox completes the publish exactly once', async () => {
    // What the node had accepted and queued before it died …
    const i = indicator(IDENTITIES.pn, 'Committed just before the crash');
    const b = bundle(i);
    const json = canonicalJson(b as never);
    const outboxId = await cluster.nodes.pn.outbox.enqueue(String(b.id), json, 'node stopped before recording the commit');
    // … while the ledger had in fact committed it.
    const direct = FabricLedger.connect(fabricConnectionFromFile(connection, 'pn'));
    try {
      await direct.submit('PublishBundle', [json]);
    } finally {
      await direct.close();
    }
    // The restarted node drains its outbox: the same bundle again, which the contract sees as unchanged.
    await cluster.nodes.pn.outbox.drain();
    const entry = (await cluster.nodes.pn.outbox.entries()).find((e) => e.id === outboxId);
    assert.equal(entry?.status, 'committed', JSON.stringify(entry));
    await seenOnceBy('pj', String(i.id));
    const h = await gql<{ threat: { history: unknown[] } }>(cluster.nodes.pn.url, HISTORY, { id: i.id }, tokens.pn);
    assert.equal(h.data?.threat.history.length, 1, 'one version on the ledger');
  });

  test('a submit error for a transaction that was in fact committed (BFT "already processed") is not a failure and publishes once', async () => {
    // The real gateway, but the orderer's answer to the submit is replaced by an error after the submit went out.
    let failed = 0;
    const flaky: FabricConnector = (c) => {
      const real = connectToPeer(c);
      const proxy = <T extends object>(target: T, wrap: (key: string | symbol, value: unknown) => unknown): T =>
        new Proxy(target, { get: (t, key) => {
          const value = Reflect.get(t, key, t) as unknown;
          return wrap(key, typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value);
        } });
      const gateway = proxy(real.gateway, (key, value) => key !== 'getNetwork' ? value : (name: string) =>
        proxy(real.gateway.getNetwork(name), (k, v) => k !== 'getContract' ? v : (cc: string, ct?: string) =>
          proxy(real.gateway.getNetwork(name).getContract(cc, ct), (k2, v2) => k2 !== 'newProposal' ? v2 : (fn: string, o?: object) => {
            const p = (v2 as (fn: string, o?: object) => { endorse: (...a: unknown[]) => Promise<object> })(fn, o);
            return proxy(p, (k3, v3) => k3 !== 'endorse' ? v3 : async (...a: unknown[]) => {
              const tx = await (v3 as (...a: unknown[]) => Promise<{ submit: (...a: unknown[]) => Promise<unknown> }>)(...a);
              return proxy(tx, (k4, v4) => k4 !== 'submit' ? v4 : async (...s: unknown[]) => {
                await (v4 as (...s: unknown[]) => Promise<unknown>)(...s);
                failed++;
                throw new Error('rpc error: request already processed');
              });
            });
          })));
      return { client: real.client, gateway };
    };
    const ledger = FabricLedger.connect(fabricConnectionFromFile(connection, 'pn'), { connector: flaky });
    const i = indicator(IDENTITIES.pn, 'Submitted through a flaky orderer');
    try {
      const r = await ledger.submit('PublishBundle', [JSON.stringify(bundle(i))]);
      assert.equal(failed, 1, 'the submit did fail at the client');
      assert.ok(r.blockNumber > 0);
      assert.match(r.txId, /^[0-9a-f]{64}$/);
    } finally {
      await ledger.close();
    }
    await seenOnceBy('pj', String(i.id));
    // pn's own read model applies the same block on its own schedule: the history is asked once it holds the object
    await until(`pn holds ${String(i.id)}`, () => cluster.nodes.pn.store.get(String(i.id)), 60_000);
    const h = await gql<{ threat: { history: { transactionId: string }[] } }>(cluster.nodes.pn.url, HISTORY, { id: i.id }, tokens.pn);
    assert.equal(h.data?.threat?.history.length, 1, JSON.stringify(h));
  });
});
