/**
 * Territory from standard STIX placement, end to end on the demo: objects placed the way MISP, OpenCTI and the OASIS
 * examples place them (located-at relationships to locations, sightings' where_sighted_refs, a location with only a
 * country) reach a local or regional authority only when they concern its territory; objects whose place is unknown
 * are judged by markings alone (the decision stated in policies/README.md); operators see sightings of their territory.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { tlpMarkingRef } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, recordEmittedBundle, tempDir } from './support.js';
import { bundle, IDENTITIES, indicator } from './stix-fixtures.js';

type Json = Record<string, unknown>;
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const READ = 'query($id: ID!) { threat(id: $id, purpose: "placement test") { id } }';
const EXPLAIN = 'query($id: ID!) { explain(id: $id) { visible rule reasons } }';
const green = [tlpMarkingRef('green')];
const now = new Date().toISOString();

const location = (extra: Json): Json => ({
  type: 'location', spec_version: '2.1', id: `location--${randomUUID()}`, created: now, modified: now, object_marking_refs: green, ...extra,
});
const locatedAt = (source: Json, target: Json, by: string): Json => ({
  type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: now, modified: now, created_by_ref: by,
  relationship_type: 'located-at', source_ref: source.id, target_ref: target.id, object_marking_refs: green,
});
const sighting = (of: Json, by: string, where: Json[]): Json => ({
  type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: now, modified: now, created_by_ref: by,
  sighting_of_ref: of.id, count: 1, where_sighted_refs: where.map((w) => w.id), object_marking_refs: green,
});

describe('territory from standard STIX placement (located-at, where_sighted_refs, country)', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-placement-');
  const tokens: Record<string, string> = {};
  const lisbon = location({ name: 'Praça do Comércio', latitude: 38.7076, longitude: -9.1365, precision: 200 });
  const sol = location({ name: 'Puerta del Sol', latitude: 40.4168, longitude: -3.7038 });
  const portugal = location({ name: 'Portugal', country: 'PT' });
  const inLisbon = indicator(IDENTITIES.pj, 'Drone controller seen in Lisbon');
  const inMadrid = indicator(IDENTITIES.pj, 'Drone controller seen in Madrid');
  const nowhere = indicator(IDENTITIES.pj, 'Drone controller, place unknown');
  const anchor = indicator(IDENTITIES.pn, 'Anchor');
  const seenInLisbon = sighting(anchor, IDENTITIES.pj, [lisbon]);
  const seenInPortugal = sighting(anchor, IDENTITIES.pj, [portugal]);

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-operator', 'pn'], ['pj-analyst', 'pj'], ['mad-operator', 'mad'], ['crm-analyst', 'crm']] as const) {
      tokens[user] = await login(cluster.nodes[key].url, user);
    }
    const a = await gql<{ publishBundle: { blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b: bundle(anchor) }, tokens['pn-analyst']);
    assert.equal(a.errors, undefined, JSON.stringify(a.errors));
    // The locations of Lisbon and Portugal are on the ledger before the objects that name them.
    const l = await gql(cluster.nodes.pj.url, PUBLISH, { b: bundle(lisbon, portugal) }, tokens['pj-analyst']);
    assert.equal(l.errors, undefined, JSON.stringify(l.errors));
    const b = bundle(inLisbon, locatedAt(inLisbon, lisbon, IDENTITIES.pj), sol, inMadrid, locatedAt(inMadrid, sol, IDENTITIES.pj), nowhere, seenInLisbon, seenInPortugal);
    recordEmittedBundle('placement-published', b);
    const r = await gql<{ publishBundle: { blockNumber: number } }>(cluster.nodes.pj.url, PUBLISH, { b }, tokens['pj-analyst']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(r.data!.publishBundle.blockNumber);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('objects placed in Portugal (located-at, where_sighted_refs to a location, a location with only a country) do not reach Madrid\'s authorities', async () => {
    for (const key of ['mad', 'crm'] as const) {
      for (const o of [inLisbon, seenInLisbon, seenInPortugal]) {
        assert.equal(await cluster.nodes[key].store.get(o.id as string), undefined, `${key}'s node does not hold ${String(o.id)}`);
        const user = key === 'mad' ? 'mad-operator' : 'crm-analyst';
        const ex = await gql<{ explain: { visible: boolean; rule: string; reasons: string[] } }>(cluster.nodes[key].url, EXPLAIN, { id: o.id }, tokens[user]);
        assert.equal(ex.data!.explain.visible, false);
        assert.equal(ex.data!.explain.rule, 'release.jurisdiction', `${key}: ${ex.data!.explain.reasons.join('; ')}`);
      }
    }
  });

  test('an object placed in Madrid reaches them; one with no known place is judged by its marking alone', async () => {
    for (const [key, user] of [['mad', 'mad-operator'], ['crm', 'crm-analyst']] as const) {
      assert.ok(await cluster.nodes[key].store.get(inMadrid.id as string), `${key} holds the object placed at Puerta del Sol`);
      assert.ok(await cluster.nodes[key].store.get(nowhere.id as string), `${key} holds the GREEN object with no known place`);
      const r = await gql<{ threat: { id: string } | null }>(cluster.nodes[key].url, READ, { id: nowhere.id }, tokens[user]);
      assert.equal(r.data!.threat?.id, nowhere.id, `${user} sees the indicator with no known place`);
    }
  });

  test('pn holds everything; its operator sees the sightings of Spain only, its analyst all of them', async () => {
    for (const o of [inLisbon, inMadrid, nowhere, seenInLisbon, seenInPortugal]) assert.ok(await cluster.nodes.pn.store.get(o.id as string));
    const read = async (user: string, id: unknown) => (await gql<{ threat: { id: string } | null }>(cluster.nodes.pn.url, READ, { id }, tokens[user])).data!.threat;
    assert.equal(await read('pn-operator', seenInLisbon.id), null, 'a sighting placed in Lisbon is outside the operator\'s territory');
    assert.ok(await read('pn-analyst', seenInLisbon.id));
    // The read model keeps the announced placement: a bbox search around Lisbon finds the indicator placed there.
    const q = 'query { threats(filter: { bbox: [-9.2, 38.6, -9.0, 38.8], types: ["indicator", "sighting"] }, purpose: "placement test") { edges { node { id } } } }';
    const found = await gql<{ threats: { edges: { node: { id: string } }[] } }>(cluster.nodes.pn.url, q, {}, tokens['pn-analyst']);
    assert.deepEqual(found.data!.threats.edges.map((e) => e.node.id).sort(), [inLisbon.id, seenInLisbon.id].sort());
  });

  // Countries reach the release check from the ledger's announcement, and the read model keeps them, so the
  // operator's territory test at egress sees them too.
  test('pn\'s operator does not see a sighting placed only in Portugal', async () => {
    const r = await gql<{ threat: { id: string } | null }>(cluster.nodes.pn.url, READ, { id: seenInPortugal.id }, tokens['pn-operator']);
    assert.equal(r.data!.threat, null);
  });
});
