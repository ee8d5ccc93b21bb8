/**
 * Restarting the demo keeps everything, listeners neither miss nor duplicate blocks across the
 * restart, and a tampered block log is refused with the block named.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startDemo } from '../src/demo/demo-cluster.js';
import { demoAgencies } from '../src/demo/demo-agencies.js';
import { SCENARIO_IDS, seedScenario } from '../src/demo/scenario.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const opts = (dataDir: string) => ({ dataDir, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent' as const, fsync: false });

test('restarting the demo keeps everything; listeners resume without missing or duplicating', async () => {
  const dir = tempDir('popart-restart-');
  try {
    const first = await startDemo(opts(dir.path));
    assert.match(await seedScenario(first), /drone alert by pn/);
    const pnToken = await login(first.nodes.pn.url, 'pn-analyst');
    const a = alert({ by: IDENTITIES.pn, name: 'Before restart' });
    await gql(first.nodes.pn.url, 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }', { b: bundle(a) }, pnToken);
    // Stop pj's node before the next block, so it has something to catch up on.
    const pjCheckpoint = first.nodes.pj.listener.height();
    await first.nodes.pj.stop();
    const b = alert({ by: IDENTITIES.pn, name: 'While pj was down' });
    await gql(first.nodes.pn.url, 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }', { b: bundle(b) }, pnToken);
    for (const key of ['pn', 'mad', 'crm'] as const) await first.nodes[key].stop();
    // Stopping a node anchors its audit log one last time: the height is taken after that.
    const height = first.handle.current!.height();
    await first.handle.current!.close();
    first.handle.current = null;

    const second = await startDemo(opts(dir.path));
    try {
      assert.equal(second.handle.current!.height(), height, 'the ledger has the same height after reopening');
      assert.equal(await seedScenario(second), 'already seeded');
      await second.nodes.pj.listener.waitForBlock(height - 1);
      assert.ok(second.nodes.pj.listener.height() > pjCheckpoint);
      const pjToken = await login(second.nodes.pj.url, 'pj-analyst');
      const r = await gql<{ threats: { edges: { node: { id: string; sightings: { agency: { key: string } }[] } }[] } }>(second.nodes.pj.url,
        'query { threats(first: 200, purpose: "restart test") { edges { node { id sightings { agency { key } } } } } }', {}, pjToken);
      const ids = r.data!.threats.edges.map((e) => e.node.id);
      for (const id of [SCENARIO_IDS.alert, SCENARIO_IDS.indicator, SCENARIO_IDS.sighting, a.id as string, b.id as string]) assert.ok(ids.includes(id), `${id} is still visible at pj`);
      assert.equal(new Set(ids).size, ids.length, 'no object listed twice');
      const ind = r.data!.threats.edges.find((e) => e.node.id === SCENARIO_IDS.indicator);
      assert.deepEqual(ind?.node.sightings.map((s) => s.agency.key), ['mad'], 'mad\'s sighting of pn\'s indicator is linked');
      const versions = await second.nodes.pj.store.versions(b.id as string);
      assert.equal(versions.length, 1, 'the block applied after restart was applied once');
    } finally {
      await second.stop();
    }
  } finally {
    dir.remove();
  }
});

test('a tampered block log makes the demo refuse to start, naming the block', async () => {
  const dir = tempDir('popart-tamper-');
  try {
    const cluster = await startDemo(opts(dir.path));
    await seedScenario(cluster);
    await cluster.stop();
    const path = join(dir.path, 'ledger', 'blocks.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const target = lines.findIndex((l) => l.includes('Estadio Santiago Bernab'));
    assert.ok(target > 0, 'the scenario is in the block log');
    const tampered = lines[target]!.replace('Estadio Santiago Bernab', 'Estadio Metropolitano Bernab');
    assert.notEqual(tampered, lines[target]);
    lines[target] = tampered;
    writeFileSync(path, lines.join('\n') + '\n');
    await assert.rejects(startDemo(opts(dir.path)), (err: unknown) => {
      const e = err as Error & { blockNumber?: number };
      assert.equal(e.name, 'LedgerIntegrityError');
      assert.equal(e.blockNumber, target);
      assert.match(e.message, new RegExp(`block ${target}\\b`));
      return true;
    });
  } finally {
    dir.remove();
  }
});

test('when one node cannot start, the demo stops the nodes that did and closes the ledger; it starts again after', async () => {
  const dir = tempDir('popart-start-fails-');
  // pj's port is taken by someone else: the four nodes start together, pj's fails.
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  try {
    const taken = (blocker.address() as AddressInfo).port;
    const pj = demoAgencies.find((a) => a.key === 'pj')!;
    const portBase = taken - (pj.port - 4000);
    await assert.rejects(startDemo({ ...opts(dir.path), randomPorts: false, portBase }), /EADDRINUSE|address already in use/);
    // Nothing left open: the ledger and the read models open again in this process.
    const again = await startDemo(opts(dir.path));
    try {
      assert.match(await seedScenario(again), /drone alert by pn/);
      assert.deepEqual(Object.keys(again.nodes).sort(), ['crm', 'mad', 'pj', 'pn']);
    } finally {
      await again.stop();
    }
  } finally {
    blocker.close();
    dir.remove();
  }
});
