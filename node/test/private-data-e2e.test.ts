/**
 * Private data by TLP 2.0 on the four-agency demo (embedded ledger): the node sends TLP:RED, AMBER+STRICT and
 * AMBER content as transient data to StorePrivateObjects and the rest, with the private objects' entries, to
 * PublishBundleWithPrivate (chaincode/README.md, "Private data").
 *  - pn's RED object is read by pn; no other agency's read model, private store or the block log holds its content;
 *    its hash is in the public record;
 *  - an AMBER object naming pj reaches pj's read model and private store, not mad's or crm's; GREEN reaches all;
 *  - a bundle mixing levels is all or nothing: when the second transaction cannot be submitted the bundle waits in
 *    the outbox, nothing of it is visible anywhere, and once the ledger is back every object is announced once;
 *    the ledger reopens (executing StorePrivateObjects again from the publisher's kept transient data).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256Hex } from '@popart/schemas';
import type { ObjectRecord } from '@popart/chaincode';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

type Key = 'pn' | 'pj' | 'mad' | 'crm';
const OTHERS = ['pj', 'mad', 'crm'] as const;
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber outboxId } }';
const MSP: Record<Key, string> = { pn: 'PnMSP', pj: 'PjMSP', mad: 'MadMSP', crm: 'CrmMSP' };

/** Every file under a folder whose bytes contain `text` (for "not on that agency's disk"). */
function filesHolding(dir: string, text: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(text)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

describe('private data by TLP 2.0 on the embedded demo', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-private-');
  const tokens: Partial<Record<Key, string>> = {};
  const url = (key: Key) => cluster.nodes[key].url;
  const red = indicator(IDENTITIES.pn, 'RED-CONTENT-7f3a informant controller', 'red');
  const amber = alert({ by: IDENTITIES.pn, tlp: 'amber', audience: [IDENTITIES.pj], name: 'AMBER-CONTENT-91c2 for pj' });
  const green = indicator(IDENTITIES.pn, 'GREEN-CONTENT-55d0 controller', 'green');
  const ledger = () => {
    const l = cluster.handle.current;
    assert.ok(l, 'the ledger is open');
    return l;
  };
  const settle = async (block: number) => {
    for (const key of ['pn', ...OTHERS] as const) await cluster.nodes[key].listener.waitForBlock(block);
  };
  const held = (key: Key) => ledger().privateDataOf(MSP[key]).map((e) => Buffer.from(e.value).toString('utf8')).join('\n');

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const key of ['pn', 'pj'] as const) tokens[key] = await login(url(key), `${key}-analyst`);
    const r = await gql<{ publishBundle: { status: string; blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(red, amber, green) }, tokens.pn);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.publishBundle.status, 'COMMITTED');
    await settle(r.data!.publishBundle.blockNumber);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('pn reads its RED object; no other agency stores it, holds its content or can fetch it; its hash is public', async () => {
    assert.equal((await cluster.nodes.pn.store.get(red.id as string))?.stix.name, red.name);
    for (const key of OTHERS) {
      assert.equal(await cluster.nodes[key].store.get(red.id as string), undefined, `${key}'s read model`);
      assert.doesNotMatch(held(key), /RED-CONTENT-7f3a/, `${key}'s private store`);
    }
    assert.match(held('pn'), /RED-CONTENT-7f3a/);
    // The public record: stub and hash, no content; pj's own evaluation gets NOT_AVAILABLE.
    const record = JSON.parse(await ledger().evaluate('MadMSP', 'GetHistory', [red.id as string])) as ObjectRecord[];
    assert.equal(record[0]?.hash, sha256Hex(red));
    assert.equal(record[0]?.object.name, undefined);
    await assert.rejects(ledger().evaluate('PjMSP', 'ReadObject', [red.id as string, '']), /POPART:NOT_AVAILABLE.*not available to your organisation/);
    // On disk: not in the block log, not in pj's, mad's or crm's private files or read models.
    const onDisk = filesHolding(dir.path, 'RED-CONTENT-7f3a').map((p) => p.slice(dir.path.length));
    assert.ok(onDisk.every((p) => p.includes('/pn/') || p.endsWith('/private/PnMSP.jsonl') || p.includes('/private/PnMSP-store/')), `RED content found in ${onDisk.join(', ')}`);
  });

  test('AMBER naming pj reaches pj, not mad or crm; GREEN reaches everyone', async () => {
    assert.equal((await cluster.nodes.pj.store.get(amber.id as string))?.stix.name, amber.name);
    assert.match(held('pj'), /AMBER-CONTENT-91c2/);
    for (const key of ['mad', 'crm'] as const) {
      assert.equal(await cluster.nodes[key].store.get(amber.id as string), undefined);
      assert.doesNotMatch(held(key), /AMBER-CONTENT-91c2/);
    }
    for (const key of ['pn', ...OTHERS] as const) assert.equal((await cluster.nodes[key].store.get(green.id as string))?.stix.name, green.name, key);
    const blocks = readFileSync(join(dir.path, 'ledger', 'blocks.jsonl'), 'utf8');
    assert.doesNotMatch(blocks, /AMBER-CONTENT-91c2|RED-CONTENT-7f3a/, 'no private content in the block log');
  });

  test('a mixed bundle is all or nothing: the second transaction refused, the bundle waits in the outbox and is announced once later', async () => {
    const red2 = indicator(IDENTITIES.pn, 'RED-CONTENT-2 queued', 'red');
    const amber2 = alert({ by: IDENTITIES.pn, tlp: 'amber', audience: [IDENTITIES.pj], name: 'AMBER-CONTENT-2 queued' });
    const green2 = indicator(IDENTITIES.pn, 'GREEN-CONTENT-2 queued', 'green');
    // The ledger goes away right after the block of StorePrivateObjects, before PublishBundleWithPrivate.
    const current = ledger();
    const stopAfterFirst = current.onBlock(() => {
      stopAfterFirst();
      void cluster.closeLedger();
    });
    const r = await gql<{ publishBundle: { status: string; outboxId: number | null } }>(url('pn'), PUBLISH, { b: bundle(red2, amber2, green2) }, tokens.pn);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.publishBundle.status, 'QUEUED');
    for (const key of ['pn', ...OTHERS] as const) {
      for (const o of [red2, amber2, green2]) assert.equal(await cluster.nodes[key].store.get(o.id as string), undefined, `${key} sees nothing of it yet`);
    }
    await cluster.reopenLedger(); // verifies the chain, executing StorePrivateObjects again from pn's kept transient data
    const deadline = Date.now() + 20_000;
    while ((await cluster.nodes.pn.outbox.entries('pending')).length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const [entry] = (await cluster.nodes.pn.outbox.entries()).filter((e) => e.bundle.includes(red2.id as string));
    assert.equal(entry?.status, 'committed', entry?.lastError ?? '');
    await settle(await ledger().height() - 1);
    assert.equal((await cluster.nodes.pn.store.get(red2.id as string))?.stix.name, red2.name);
    assert.equal((await cluster.nodes.pj.store.get(amber2.id as string))?.stix.name, amber2.name);
    assert.equal(await cluster.nodes.mad.store.get(amber2.id as string), undefined);
    assert.equal((await cluster.nodes.crm.store.get(green2.id as string))?.stix.name, green2.name);
    // Announced exactly once: one version in the read model, one announcing transaction on the ledger.
    assert.equal((await cluster.nodes.pn.store.versions(red2.id as string)).length, 1);
    const announcing = readFileSync(join(dir.path, 'ledger', 'blocks.jsonl'), 'utf8').split('\n')
      .filter((line) => line.includes('PublishBundleWithPrivate') && line.includes(Buffer.from(red2.id as string).toString('base64').slice(0, 20)));
    assert.ok(announcing.length <= 1);
  });
});
